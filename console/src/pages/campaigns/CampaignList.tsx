import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { ErrorBanner, Loading, Page, Pager, useLoad } from '../../components/ui';
import { useI18n } from '../../i18n';
import { href } from '../../router';
import { CampaignStatus } from './status';

/** Campaigns, newest first (keyset pages). */
export function CampaignList() {
  const { t, dt } = useI18n();
  const [cursor, setCursor] = useState<string | null>(null);
  const page = useLoad(() => ok(api.GET('/v1/campaigns', { params: { query: { limit: 25, ...(cursor ? { cursor } : {}) } } })), [cursor]);
  return (
    <Page
      title={t('nav.campaigns')}
      actions={
        <a class="button primary" href={href('/campaigns/new')}>
          {t('campaigns.new')}
        </a>
      }
    >
      <ErrorBanner error={page.error} onRetry={page.reload} />
      {page.loading && !page.data && <Loading />}
      {page.data && page.data.data.length === 0 && <p class="muted">{t('campaigns.none')}</p>}
      {page.data && page.data.data.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('campaigns.name')}</th>
                <th>{t('campaigns.statusLabel')}</th>
                <th>{t('campaigns.sender')}</th>
                <th>{t('campaigns.created')}</th>
              </tr>
            </thead>
            <tbody>
              {page.data.data.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a href={href(`/campaigns/${c.id}`)}>{c.name}</a>
                  </td>
                  <td>
                    <CampaignStatus status={c.status} reason={c.statusReason} />
                  </td>
                  <td>{c.phoneNumberId}</td>
                  <td>{dt(c.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.data && <Pager cursor={cursor} next={page.data.nextCursor} onFirst={() => setCursor(null)} onNext={setCursor} />}
    </Page>
  );
}
