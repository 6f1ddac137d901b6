import { ContactDetail } from './ContactDetail';
import { ContactImport } from './ContactImport';
import { ContactList } from './ContactList';

/** #/contacts, #/contacts/import (?id=<import> for one import's progress), #/contacts/<id>. */
export function ContactsRoutes({ rest, query }: { rest: string[]; query: URLSearchParams }) {
  if (rest[0] === 'import') return <ContactImport importId={query.get('id')} />;
  if (rest[0]) return <ContactDetail id={rest[0]} />;
  return <ContactList />;
}
