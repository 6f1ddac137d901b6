import { useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../../api/client';
import { Badge, DownloadButton, ErrorBanner, Field, Loading, Page, useLoad } from '../../components/ui';
import { type MessageKey, useI18n } from '../../i18n';

type Report = Schemas['ComplianceReportView'];

const DAY = 86_400_000;

/** A `datetime-local` value (the browser's own zone) for a Date. */
function localInput(date: Date): string {
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

/**
 * The compliance report over a period (GET /v1/compliance/report): each invariant 0 or not at a
 * glance, with the offending messages when not; messages by sender; opt-outs and how fast they
 * were honoured; the CSV. Times are entered in the browser's zone, which is known (and shown), and
 * sent to the API with it: nothing is guessed.
 */
export function ComplianceRoutes(_: { rest: string[]; query: URLSearchParams }) {
  const { t } = useI18n();
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const [from, setFrom] = useState(localInput(new Date(Date.now() - 30 * DAY)));
  const [to, setTo] = useState(localInput(new Date(Date.now() + 60_000)));
  const [period, setPeriod] = useState({ from, to });
  const invalid = new Date(period.from).getTime() >= new Date(period.to).getTime();
  const query = { from: new Date(period.from).toISOString(), to: new Date(period.to).toISOString() };
  const report = useLoad(
    () => (invalid ? Promise.resolve(undefined) : ok(api.GET('/v1/compliance/report', { params: { query } }))),
    [period.from, period.to],
  );

  return (
    <Page
      title={t('compliance.title')}
      actions={
        <DownloadButton disabled={invalid} path={`/v1/compliance/report.csv?${new URLSearchParams(query)}`} fallbackName="compliance.csv" label={t('compliance.downloadCsv')} />
      }
    >
      <form
        class="card period"
        onSubmit={(e) => {
          e.preventDefault();
          setPeriod({ from, to });
        }}
      >
        <div class="grid">
          <Field id="compliance-from" label={t('compliance.from')} hint={t('compliance.zone', { zone })}>
            <input id="compliance-from" type="datetime-local" required value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="compliance-to" label={t('compliance.to')} error={new Date(from) >= new Date(to) ? t('compliance.periodInvalid') : undefined}>
            <input id="compliance-to" type="datetime-local" required value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
          </Field>
        </div>
        <button type="submit" class="primary" disabled={new Date(from) >= new Date(to)}>
          {t('compliance.show')}
        </button>
      </form>
      <ErrorBanner error={report.error} onRetry={report.reload} />
      {report.loading && <Loading />}
      {report.data && <ReportView report={report.data} />}
    </Page>
  );
}

function ReportView({ report }: { report: Report }) {
  const { t, n, dt } = useI18n();
  const seconds = (s: number | null) => (s === null ? '—' : n(s, { maximumFractionDigits: 2 }));
  return (
    <>
      <section class="card" aria-labelledby="invariants-title">
        <h2 id="invariants-title">{t('compliance.invariants')}</h2>
        <ul class="invariants">
          {report.invariants.map((inv) => (
            <li key={inv.id} data-invariant={inv.id}>
              <Badge tone={inv.violations === 0 ? 'good' : 'bad'}>{inv.violations === 0 ? t('compliance.ok') : t('compliance.broken', { count: n(inv.violations) })}</Badge>{' '}
              <strong>{t(`invariant.${inv.id}` as MessageKey)}</strong>
              <details>
                <summary>{t('compliance.query')}</summary>
                <p class="muted">{inv.description}</p>
                <pre class="sql">{inv.query}</pre>
              </details>
              {inv.rows.length > 0 && (
                <div class="table-wrap">
                  <table aria-label={t('compliance.offending')}>
                    <thead>
                      <tr>
                        <th>{t('compliance.campaign')}</th>
                        <th>{t('compliance.contact')}</th>
                        <th>{t('compliance.phone')}</th>
                        <th>{t('compliance.category')}</th>
                        <th>{t('compliance.sentAt')}</th>
                        <th>{t('compliance.detail')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {inv.rows.map((r) => (
                        <tr key={`${r.campaignId}/${r.contactId}`}>
                          <td>
                            <a href={`#/campaigns/${r.campaignId}`}>{r.campaignId.slice(0, 8)}</a>
                          </td>
                          <td>
                            <a href={`#/contacts/${r.contactId}`}>{r.contactId}</a>
                          </td>
                          <td>{r.phone ?? '—'}</td>
                          <td>{r.category}</td>
                          <td>{dt(r.sentAt)}</td>
                          <td>
                            <code>{JSON.stringify(r.detail)}</code>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  {inv.truncated && <p class="muted">{t('compliance.truncated', { shown: n(inv.rows.length), count: n(inv.violations) })}</p>}
                </div>
              )}
            </li>
          ))}
        </ul>
        {report.unverifiablePolicyMessages > 0 && <p class="muted">{t('compliance.unverifiable', { count: n(report.unverifiablePolicyMessages) })}</p>}
      </section>

      <section class="card" aria-labelledby="messages-title">
        <h2 id="messages-title">
          {t('compliance.messages')}: {n(report.messages.total)}
        </h2>
        <p class="muted">{t('compliance.messagesHint')}</p>
        {report.messages.bySender.length > 0 && (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t('compliance.sender')}</th>
                  <th>{t('compliance.category')}</th>
                  <th class="num">{t('compliance.count')}</th>
                  <th class="num">{t('compliance.unknown')}</th>
                  <th class="num">{t('compliance.delivered')}</th>
                  <th class="num">{t('compliance.read')}</th>
                  <th class="num">{t('compliance.failed')}</th>
                </tr>
              </thead>
              <tbody>
                {report.messages.bySender.map((m) => (
                  <tr key={`${m.phoneNumberId}/${m.category}`}>
                    <td>
                      {m.phoneNumberId} ({m.businessCountry})
                    </td>
                    <td>{m.category}</td>
                    <td class="num">{n(m.messages)}</td>
                    <td class="num">{n(m.unknown)}</td>
                    <td class="num">{n(m.delivered)}</td>
                    <td class="num">{n(m.read)}</td>
                    <td class="num">{n(m.failed)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="card" aria-labelledby="optouts-title">
        <h2 id="optouts-title">{t('compliance.optOuts')}</h2>
        {report.optOuts.bySource.length === 0 ? (
          <p class="muted">{t('compliance.noOptOuts')}</p>
        ) : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>{t('compliance.source')}</th>
                  <th class="num">{t('compliance.optOutCount')}</th>
                  <th class="num">{t('compliance.fromReceived')}</th>
                </tr>
              </thead>
              <tbody>
                {report.optOuts.bySource.map((o) => (
                  <tr key={o.source}>
                    <td>{o.source}</td>
                    <td class="num">{n(o.optOuts)}</td>
                    <td class="num">
                      {seconds(o.fromReceived.p50)} / {seconds(o.fromReceived.p99)} / {seconds(o.fromReceived.max)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
