import type { Schemas } from '../../api/client';
import { Badge } from '../../components/ui';
import { type MessageKey, useI18n } from '../../i18n';

type ScopeConsent = Schemas['ScopeConsentView'];

/** One scope's consent as a badge: opted in (good), opted out (bad), or no statement (neutral); `since` in a title when known. */
export function ConsentBadge({ consent }: { consent: ScopeConsent }) {
  const { t, dt } = useI18n();
  const tone = consent.status === 'opted_in' ? 'good' : consent.status === 'opted_out' ? 'bad' : 'neutral';
  return (
    <span title={consent.since ? dt(consent.since) : undefined}>
      <Badge tone={tone}>{t(`contacts.consent.${consent.status ?? 'none'}` as MessageKey)}</Badge>
    </span>
  );
}
