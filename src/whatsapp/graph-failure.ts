import { DomainError } from '../common/domain-error';
import { CloudApiError } from './cloud-api.error';
import { whatsappNotConfigured, WhatsappNotConfiguredError } from './whatsapp-settings';

/** The code a feature answers when WhatsApp itself refused its call (422). */
export type RefusedByWhatsappCode = 'TEMPLATE_REFUSED_BY_WHATSAPP' | 'PHONE_NUMBER_REFUSED_BY_WHATSAPP';

/**
 * A failed Graph call as the API answers it, for a call made on a client's request (`what`: "submit
 * the template", …):
 * - a setting is missing: 503 WHATSAPP_NOT_CONFIGURED naming it;
 * - WhatsApp answered with its own error code and the failure is not transient: 422 `refused`,
 *   with `details.whatsappCode`, `whatsappSubcode` and `fbtraceId`;
 * - otherwise (no answer, 5xx, a transient code, an unreadable answer): 502 WHATSAPP_UNAVAILABLE.
 * Anything that is not a CloudApiError is returned unchanged.
 */
export function graphFailure(error: unknown, what: string, refused: RefusedByWhatsappCode): unknown {
  if (error instanceof WhatsappNotConfiguredError) return whatsappNotConfigured(error.missing, what);
  if (!(error instanceof CloudApiError)) return error;
  if (error.code !== undefined && error.errorClass !== 'transient') {
    return new DomainError(refused, `WhatsApp refused to ${what}: ${error.details ?? error.message}`, {
      whatsappCode: error.code,
      whatsappSubcode: error.subcode ?? null,
      fbtraceId: error.fbtraceId ?? null,
    });
  }
  return new DomainError('WHATSAPP_UNAVAILABLE', `Could not ${what}: WhatsApp did not answer usefully (${error.message}); try again`, {
    whatsappCode: error.code ?? null,
  });
}
