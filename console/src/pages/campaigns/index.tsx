import { Page } from '../../components/ui';
import { useI18n } from '../../i18n';

/** The campaigns section (issue 14): its routes below #/campaigns. */
export function CampaignsRoutes(_: { rest: string[]; query: URLSearchParams }) {
  const { t } = useI18n();
  return <Page title={t('nav.campaigns')}>{null}</Page>;
}
