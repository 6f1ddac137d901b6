import { Page } from '../../components/ui';
import { useI18n } from '../../i18n';

/** The contacts section (issue 14): its routes below #/contacts. */
export function ContactsRoutes(_: { rest: string[]; query: URLSearchParams }) {
  const { t } = useI18n();
  return <Page title={t('nav.contacts')}>{null}</Page>;
}
