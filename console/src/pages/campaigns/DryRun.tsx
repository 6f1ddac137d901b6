import { api, ok } from '../../api/client';
import { ErrorBanner, Loading, useLoad } from '../../components/ui';
import { type MessageKey, useI18n } from '../../i18n';

/**
 * The dry run (GET /v1/campaigns/:id/eligibility): who a launch now would reach, who not and why,
 * as a bar chart of exclusions by reason (plain, labelled bars: readable by screen readers as a
 * list) with samples, what would block the launch, and the time it would take.
 */
export function DryRun({ id }: { id: string }) {
  const { t, n } = useI18n();
  const dry = useLoad(() => ok(api.GET('/v1/campaigns/{id}/eligibility', { params: { path: { id } } })), [id]);
  if (dry.error) return <ErrorBanner error={dry.error} onRetry={dry.reload} />;
  if (!dry.data) return <Loading />;
  const d = dry.data;
  const bars = [
    { key: 'eligible', label: t('campaigns.eligible'), count: d.eligible, tone: 'good' },
    ...Object.entries(d.excluded)
      .filter(([, c]) => c > 0)
      .map(([reason, count]) => ({ key: reason, label: t(`campaigns.reason.${reason}` as MessageKey), count, tone: 'bad' })),
    ...Object.entries(d.deferred)
      .filter(([, c]) => c > 0)
      .map(([reason, count]) => ({ key: reason, label: t(`campaigns.reason.${reason}` as MessageKey), count, tone: 'warn' })),
  ];
  const max = Math.max(1, ...bars.map((b) => b.count));
  return (
    <section class="card" aria-labelledby="dry-title">
      <h2 id="dry-title">{t('campaigns.dryRun')}</h2>
      <p>
        {t('campaigns.dryRunLine', { total: n(d.total), eligible: n(d.eligible) })}
        {d.estimatedSeconds !== null && ` ${t('campaigns.estimated', { seconds: n(Math.ceil(d.estimatedSeconds)) })}`}
      </p>
      {d.blockers.length > 0 && (
        <div class="banner error" role="alert">
          <ul>
            {d.blockers.map((b) => (
              <li key={b.code}>
                <strong>{b.code}</strong>: {b.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <ul class="bars" aria-label={t('campaigns.exclusionsChart')}>
        {bars.map((b) => (
          <li key={b.key} data-reason={b.key}>
            <span class="bar-label">{b.label}</span>
            <span class={`bar ${b.tone}`} style={{ width: `${Math.max(2, (100 * b.count) / max)}%` }} aria-hidden="true" />
            <span class="bar-count">{n(b.count)}</span>
            {(d.samples[b.key] ?? []).length > 0 && (
              <small class="muted bar-samples">
                {t('campaigns.samples')}: {(d.samples[b.key] ?? []).map((s) => s.phone).join(', ')}
              </small>
            )}
          </li>
        ))}
      </ul>
      <p class="muted">{t('campaigns.policy', { version: d.policyVersion })}</p>
    </section>
  );
}
