import { api, ok } from '../../api/client';
import { DownloadButton, ErrorBanner, Loading, useLoad } from '../../components/ui';
import { useI18n } from '../../i18n';

/**
 * The campaign report (GET /v1/campaigns/:id/report) in short: the template as sent, the policy
 * version, errors with their titles, messages by pricing category, the timeline, opt-outs since;
 * and report.csv, one row per recipient. Read again when `version` changes.
 */
export function ReportSummary({ id, version }: { id: string; version: string }) {
  const { t, n, dt } = useI18n();
  const report = useLoad(() => ok(api.GET('/v1/campaigns/{id}/report', { params: { path: { id } } })), [id, version]);
  return (
    <section class="card" aria-labelledby="report-title">
      <h2 id="report-title">{t('campaigns.report')}</h2>
      <p class="muted">{t('campaigns.reportHint')}</p>
      <DownloadButton path={`/v1/campaigns/${id}/report.csv`} fallbackName={`campaign-${id}.csv`} label={t('campaigns.downloadReport')} />
      <ErrorBanner error={report.error} onRetry={report.reload} />
      {report.loading && !report.data && <Loading />}
      {report.data && (
        <div class="grid report">
          <div>
            <h3>{t('campaigns.reportTemplate')}</h3>
            <ul>
              {report.data.templates.map((tpl) => (
                <li key={tpl.id}>
                  {tpl.name} ({tpl.language}, {tpl.category}){tpl.editedSinceStart ? ` — ${t('campaigns.editedSinceStart')}` : ''}
                </li>
              ))}
            </ul>
            {report.data.policy && <p class="muted">{t('campaigns.policy', { version: report.data.policy.version })}</p>}
            {report.data.sender && (
              <p class="muted">
                {t('campaigns.sender')}: {report.data.sender.displayPhoneNumber ?? report.data.sender.phoneNumberId} ({report.data.sender.businessCountry})
              </p>
            )}
          </div>
          <div>
            <h3>{t('campaigns.pricing')}</h3>
            {report.data.pricing.length === 0 ? (
              <p class="muted">{t('common.none')}</p>
            ) : (
              <table data-testid="pricing">
                <tbody>
                  {report.data.pricing.map((p) => (
                    <tr key={`${p.category}/${p.type}/${p.billable}`}>
                      <th scope="row">
                        {p.category ?? '—'} / {p.type ?? '—'}
                        {p.billable ? ` (${t('campaigns.billable')})` : ''}
                      </th>
                      <td class="num">{n(p.messages)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {report.data.errors.length > 0 && (
              <>
                <h3>{t('campaigns.errors')}</h3>
                <ul>
                  {report.data.errors.map((e) => (
                    <li key={e.code}>
                      {e.code} {e.title ?? ''}: {n(e.count)}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
          <div>
            <h3>{t('campaigns.timeline')}</h3>
            <ol class="timeline" data-testid="timeline">
              {report.data.timeline.map((e, i) => (
                <li key={i}>
                  {dt(e.at)}: {e.status}
                  {e.reason ? ` (${e.reason})` : ''}
                </li>
              ))}
            </ol>
          </div>
          {report.data.optOuts && (
            <div>
              <h3>{t('campaigns.optOutsSince')}</h3>
              <p>{t('campaigns.optOutsCount', { count: n(report.data.optOuts.total) })}</p>
              <ul>
                {report.data.optOuts.bySource.map((o) => (
                  <li key={`${o.source}/${o.scope}`}>
                    {o.source} ({o.scope}): {n(o.count)}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
