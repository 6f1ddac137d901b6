import { Page } from '../../components/ui';
import { useI18n } from '../../i18n';

/** The templates section (issue 14): its routes below #/templates. */
export function TemplatesRoutes(_: { rest: string[]; query: URLSearchParams }) {
  const { t } = useI18n();
  return <Page title={t('nav.templates')}>{null}</Page>;
}
