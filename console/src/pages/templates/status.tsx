import type { ComponentChildren } from 'preact';
import { Badge } from '../../components/ui';
import { type MessageKey, useI18n } from '../../i18n';

const STATUS_TONES: Record<string, 'neutral' | 'good' | 'warn' | 'bad'> = {
  DRAFT: 'neutral',
  PENDING: 'warn',
  APPROVED: 'good',
  REJECTED: 'bad',
  PAUSED: 'warn',
  DISABLED: 'bad',
  IN_APPEAL: 'warn',
  PENDING_DELETION: 'neutral',
  DELETED: 'neutral',
  ARCHIVED: 'neutral',
  LIMIT_EXCEEDED: 'bad',
};
const QUALITY_TONES: Record<string, 'neutral' | 'good' | 'warn' | 'bad'> = { GREEN: 'good', YELLOW: 'warn', RED: 'bad', UNKNOWN: 'neutral' };

/** A template's status as a badge (WhatsApp's words, translated), with the rejection reason when there is one. */
export function TemplateStatus({ status, reason }: { status: string; reason?: string | null }) {
  const { t } = useI18n();
  return (
    <span class="status" data-status={status}>
      <Badge tone={STATUS_TONES[status] ?? 'neutral'}>{t(`templates.status.${status}` as MessageKey)}</Badge>
      {reason && <small class="muted"> {reason}</small>}
    </span>
  );
}

/** WhatsApp's quality rating of a template (GREEN, YELLOW, RED; none until rated). */
export function TemplateQuality({ quality }: { quality: string | null }) {
  const { t } = useI18n();
  if (!quality) return <>—</>;
  return <Badge tone={QUALITY_TONES[quality] ?? 'neutral'}>{t(`templates.quality.${quality}` as MessageKey)}</Badge>;
}

/** The message as a phone shows it: header, body, footer in a bubble, the buttons under it. */
export function Bubble({ header, body, footer, buttons, label }: { header?: string; body: string; footer?: string; buttons: Array<{ text: string }>; label: string }) {
  return (
    <figure class="phone" aria-label={label}>
      <div class="bubble">
        {header && <div class="header">{header}</div>}
        <div class="body">{body as ComponentChildren}</div>
        {footer && <div class="footer">{footer}</div>}
      </div>
      {buttons.length > 0 && (
        <div class="bubble-buttons">
          {buttons.map((b, i) => (
            <span key={i}>{b.text}</span>
          ))}
        </div>
      )}
    </figure>
  );
}
