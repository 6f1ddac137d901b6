import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { ErrorBanner, Loading, Pager, useLoad } from '../../components/ui';
import { useI18n } from '../../i18n';

const SEND_STATES = ['', 'pending', 'sending', 'accepted', 'failed', 'unknown', 'cancelled'];
const DECISIONS = ['', 'eligible', 'excluded', 'deferred'];

/**
 * The campaign's recipients (GET /v1/campaigns/:id/recipients): filtered by decision and send
 * state, keyset pages; read again when `version` changes (the campaign's progress moved).
 */
export function Recipients({ id, version }: { id: string; version: string }) {
  const { t, dt } = useI18n();
  const [decision, setDecision] = useState('');
  const [sendState, setSendState] = useState('');
  const [cursor, setCursor] = useState<string | null>(null);
  const page = useLoad(
    () =>
      ok(
        api.GET('/v1/campaigns/{id}/recipients', {
          params: { path: { id }, query: { limit: 25, ...(decision ? { decision } : {}), ...(sendState ? { sendState } : {}), ...(cursor ? { cursor } : {}) } as never },
        }),
      ),
    [id, decision, sendState, cursor, version],
  );
  return (
    <section class="card" aria-labelledby="recipients-title">
      <h2 id="recipients-title">{t('campaigns.recipientsTitle')}</h2>
      <div class="filters">
        <label>
          {t('campaigns.decision')}{' '}
          <select
            value={decision}
            onChange={(e) => {
              setDecision((e.target as HTMLSelectElement).value);
              setCursor(null);
            }}
          >
            {DECISIONS.map((d) => (
              <option key={d} value={d}>
                {d || t('common.all')}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('campaigns.sendStates')}{' '}
          <select
            value={sendState}
            onChange={(e) => {
              setSendState((e.target as HTMLSelectElement).value);
              setCursor(null);
            }}
          >
            {SEND_STATES.map((s) => (
              <option key={s} value={s}>
                {s || t('common.all')}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorBanner error={page.error} onRetry={page.reload} />
      {page.loading && !page.data && <Loading />}
      {page.data && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('campaigns.contact')}</th>
                <th>{t('campaigns.decision')}</th>
                <th>{t('campaigns.sendStates')}</th>
                <th>{t('campaigns.deliveryStates')}</th>
                <th>{t('campaigns.errors')}</th>
                <th>{t('campaigns.sentAt')}</th>
              </tr>
            </thead>
            <tbody>
              {page.data.data.map((r) => (
                <tr key={r.contactId}>
                  <td>
                    <a href={`#/contacts/${r.contactId}`}>{r.phone ?? r.contactId}</a>
                  </td>
                  <td>
                    {r.decision}
                    {r.reason ? ` (${r.reason})` : ''}
                  </td>
                  <td>{r.sendState ?? '—'}</td>
                  <td>{r.deliveryState ?? '—'}</td>
                  <td>{r.errorCode ? `${r.errorCode} ${r.errorTitle ?? ''}` : '—'}</td>
                  <td>{dt(r.sentAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.data && <Pager cursor={cursor} next={page.data.nextCursor} onFirst={() => setCursor(null)} onNext={setCursor} />}
    </section>
  );
}
