import { useRef, useState } from 'preact/hooks';
import { api, ok, type Schemas } from '../../api/client';
import { ErrorBanner, Loading, Page, ProgressBar, useLoad, usePoll } from '../../components/ui';
import { type MessageKey, useI18n } from '../../i18n';
import { href } from '../../router';
import { DryRun } from './DryRun';
import { RateChart, type RateSample } from './RateChart';
import { Recipients } from './Recipients';
import { ReportSummary } from './ReportSummary';
import { CampaignStatus } from './status';

type Campaign = Schemas['CampaignView'];

const STARTED = ['running', 'paused', 'completed', 'cancelled', 'failed'];
/** How long after it finished a campaign's page keeps polling (for the delivery statuses still coming). */
const SETTLE_MS = 120_000;

/**
 * One campaign: before it starts, the dry run and launch; once started, live progress (every 1 s
 * while running), the rate against the number's limit, pause, resume, cancel and retry; the report.
 */
export function CampaignDetail({ id }: { id: string }) {
  const { t, n, dt } = useI18n();
  const campaign = useLoad(() => ok(api.GET('/v1/campaigns/{id}', { params: { path: { id } } })), [id]);
  const [live, setLive] = useState<Campaign | undefined>();
  const [samples, setSamples] = useState<RateSample[]>([]);
  const [actionError, setActionError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const c = live ?? campaign.data;
  const sender = useLoad(
    () => (c ? ok(api.GET('/v1/phone-numbers/{phoneNumberId}', { params: { path: { phoneNumberId: c.phoneNumberId } } })) : Promise.resolve(undefined)),
    [c?.phoneNumberId],
  );
  const previous = useRef<{ at: number; answered: number } | undefined>();

  const refresh = async () => {
    const next = await ok(api.GET('/v1/campaigns/{id}', { params: { path: { id } } }));
    setLive(next);
    if (next.progress && next.status === 'running') {
      // The rate between two reads (messages WhatsApp answered, per second): what the chart shows
      // against the limit. The API's ratePerSecond averages the last 10 s (the text line shows it).
      const at = Date.now() / 1000;
      const answered = answeredCount(next);
      const before = previous.current;
      previous.current = { at, answered };
      if (before) setSamples((s) => [...s.slice(-599), { at, rate: Math.max(0, (answered - before.answered) / (at - before.at)) }]);
    }
  };
  // Delivery statuses keep arriving by webhook for a while after the last send: keep reading them.
  const settling = c?.finishedAt !== undefined && c?.finishedAt !== null && Date.now() - Date.parse(c.finishedAt) < SETTLE_MS;
  usePoll(refresh, 1000, c !== undefined && (['running', 'scheduled', 'paused'].includes(c.status) || settling));

  async function act(action: 'launch' | 'pause' | 'resume' | 'cancel' | 'retry-failed' | 'retry-unknown') {
    if (action === 'cancel' && !window.confirm(t('campaigns.confirmCancel'))) return;
    setBusy(true);
    setActionError(undefined);
    try {
      const path = { params: { path: { id } } };
      if (action === 'launch') await ok(api.POST('/v1/campaigns/{id}/launch', { ...path, headers: { 'Idempotency-Key': crypto.randomUUID() } }));
      else if (action === 'pause') await ok(api.POST('/v1/campaigns/{id}/pause', path));
      else if (action === 'resume') await ok(api.POST('/v1/campaigns/{id}/resume', path));
      else if (action === 'cancel') await ok(api.POST('/v1/campaigns/{id}/cancel', path));
      else await ok(api.POST('/v1/campaigns/{id}/retry', { ...path, body: { which: action === 'retry-failed' ? 'failed' : 'unknown' } }));
      await refresh();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  }

  if (campaign.error) return <ErrorBanner error={campaign.error} onRetry={campaign.reload} />;
  if (!c) return <Loading />;
  const started = STARTED.includes(c.status);
  const limit = sender.data ? Math.min(sender.data.throughputMps, c.maxMps ?? Infinity) : (c.maxMps ?? null);
  const p = c.progress;
  const total = p ? Object.values(p.sendStates).reduce((a, b) => a + b, 0) : 0;
  const done = p ? p.sendStates.accepted + p.sendStates.failed + p.sendStates.unknown + p.sendStates.cancelled : 0;

  return (
    <Page
      title={c.name}
      actions={
        <>
          {(c.status === 'draft' || c.status === 'scheduled') && (
            <button type="button" class="primary" disabled={busy} onClick={() => act('launch')}>
              {c.scheduledAt && c.status === 'draft' ? t('campaigns.schedule') : t('campaigns.launch')}
            </button>
          )}
          {c.status === 'running' && (
            <button type="button" disabled={busy} onClick={() => act('pause')}>
              {t('campaigns.pause')}
            </button>
          )}
          {c.status === 'paused' && (
            <button type="button" class="primary" disabled={busy} onClick={() => act('resume')}>
              {t('campaigns.resume')}
            </button>
          )}
          {['draft', 'scheduled', 'running', 'paused'].includes(c.status) && (
            <button type="button" class="danger" disabled={busy} onClick={() => act('cancel')}>
              {t('campaigns.cancel')}
            </button>
          )}
          {started && p && p.sendStates.failed > 0 && (
            <button type="button" disabled={busy} onClick={() => act('retry-failed')}>
              {t('campaigns.retryFailed', { count: n(p.sendStates.failed) })}
            </button>
          )}
          {started && p && p.sendStates.unknown > 0 && (
            <button type="button" disabled={busy} onClick={() => act('retry-unknown')}>
              {t('campaigns.retryUnknown', { count: n(p.sendStates.unknown) })}
            </button>
          )}
        </>
      }
    >
      <p>
        <a href={href('/campaigns')}>← {t('nav.campaigns')}</a>
      </p>
      <ErrorBanner error={actionError} />
      <div class="card summary">
        <CampaignStatus status={c.status} reason={c.statusReason} />
        <dl class="facts">
          <dt>{t('campaigns.sender')}</dt>
          <dd>{sender.data?.displayPhoneNumber ?? c.phoneNumberId}</dd>
          <dt>{t('campaigns.created')}</dt>
          <dd>{dt(c.createdAt)}</dd>
          {c.scheduledAt && (
            <>
              <dt>{t('campaigns.scheduledAt')}</dt>
              <dd>{dt(c.scheduledAt)}</dd>
            </>
          )}
          {c.startedAt && (
            <>
              <dt>{t('campaigns.started')}</dt>
              <dd>{dt(c.startedAt)}</dd>
            </>
          )}
          {c.finishedAt && (
            <>
              <dt>{t('campaigns.finished')}</dt>
              <dd>{dt(c.finishedAt)}</dd>
            </>
          )}
          <dt>{t('campaigns.limit')}</dt>
          <dd>{limit === null ? '—' : `${n(limit)} msg/s`}</dd>
        </dl>
      </div>

      {!started && <DryRun id={id} />}

      {started && p && c.recipients && (
        <section class="card" aria-labelledby="progress-title">
          <h2 id="progress-title">{t('campaigns.progress')}</h2>
          <ProgressBar value={done} max={total} label={t('campaigns.progress')} />
          <p class="progress-line" data-testid="progress-line">
            {t('campaigns.progressLine', { done: n(done), total: n(total), rate: n(p.ratePerSecond, { maximumFractionDigits: 1 }), eta: p.etaSeconds === null ? '—' : `${n(p.etaSeconds)} s` })}
          </p>
          <div class="grid">
            <StateTable title={t('campaigns.sendStates')} counts={p.sendStates} prefix="campaigns.sendState." testId="send-states" />
            <StateTable title={t('campaigns.deliveryStates')} counts={p.deliveryStates} prefix="campaigns.deliveryState." testId="delivery-states" />
            {Object.keys(p.errors).length > 0 && <StateTable title={t('campaigns.errors')} counts={p.errors} testId="errors" />}
          </div>
          {(c.status === 'running' || samples.length > 0) && <RateChart samples={samples} limit={limit} />}
        </section>
      )}

      {started && <ReportSummary id={id} version={`${c.status}:${c.finishedAt ?? ''}`} />}

      {started && <Recipients id={id} version={`${c.status}:${done}`} />}
    </Page>
  );
}

/** Recipients WhatsApp answered for (accepted, refused, or the answer lost): what the rate counts. */
function answeredCount(c: Campaign): number {
  const s = c.progress?.sendStates;
  return s ? s.accepted + s.failed + s.unknown : 0;
}

function StateTable({ title, counts, prefix, testId }: { title: string; counts: Record<string, number>; prefix?: string; testId: string }) {
  const { t, n } = useI18n();
  return (
    <table aria-label={title} data-testid={testId}>
      <caption>{title}</caption>
      <tbody>
        {Object.entries(counts).map(([key, count]) => (
          <tr key={key} data-state={key}>
            <th scope="row">{prefix ? t(`${prefix}${key}` as MessageKey) : key}</th>
            <td class="num">{n(count)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
