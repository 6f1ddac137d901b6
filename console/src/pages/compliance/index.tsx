import { Page } from '../../components/ui';
import { useI18n } from '../../i18n';

/** The compliance section (issue 14): its routes below #/compliance. */
export function ComplianceRoutes(_: { rest: string[]; query: URLSearchParams }) {
  const { t } = useI18n();
  return <Page title={t('nav.compliance')}>{null}</Page>;
}
