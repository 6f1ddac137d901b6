import { Badge } from '../../components/ui';
import { type MessageKey, useI18n } from '../../i18n';

const TONES: Record<string, 'neutral' | 'good' | 'warn' | 'bad'> = {
  draft: 'neutral',
  scheduled: 'neutral',
  running: 'good',
  paused: 'warn',
  completed: 'good',
  cancelled: 'neutral',
  failed: 'bad',
};

/** A campaign's status as a badge, with the reason when paused or failed (TEMPLATE_NOT_APPROVED, failure_spike_131026, …). */
export function CampaignStatus({ status, reason }: { status: string; reason?: string | null }) {
  const { t } = useI18n();
  return (
    <span class="status">
      <Badge tone={TONES[status] ?? 'neutral'}>{t(`campaigns.status.${status}` as MessageKey)}</Badge>
      {reason && <small class="muted"> {reason}</small>}
    </span>
  );
}
