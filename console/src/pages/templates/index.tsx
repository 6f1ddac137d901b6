import { TemplateCreate } from './TemplateCreate';
import { TemplateDetail } from './TemplateDetail';
import { TemplateList } from './TemplateList';

/** #/templates, #/templates/new, #/templates/<id> (status, submission and preview). */
export function TemplatesRoutes({ rest }: { rest: string[]; query: URLSearchParams }) {
  if (rest[0] === 'new') return <TemplateCreate />;
  if (rest[0]) return <TemplateDetail id={rest[0]} />;
  return <TemplateList />;
}
