import { DomainError } from '../common/domain-error';
import type { AppConfig } from '../config/app-config';
import { CloudApiError } from './cloud-api.error';

/**
 * The WhatsApp settings Siaran can run without, and what each one's absence turns off. Missing
 * settings are configuration, not an outage: the features that need them answer 503
 * WHATSAPP_NOT_CONFIGURED (or WEBHOOK_NOT_CONFIGURED) naming the variables, and each process says
 * once at start-up what is not configured (names only, never values).
 */
export const WHATSAPP_SETTINGS = [
  { name: 'WHATSAPP_ACCESS_TOKEN', key: 'accessToken', needed: 'every Graph API call: submitting, syncing and deleting templates, sending' },
  { name: 'WHATSAPP_WABA_ID', key: 'wabaId', needed: 'templates created or synced without a wabaId' },
  { name: 'WHATSAPP_PHONE_NUMBER_ID', key: 'phoneNumberId', needed: 'the default sender' },
  { name: 'WHATSAPP_APP_SECRET', key: 'appSecret', needed: 'webhook deliveries (checked signatures)' },
  { name: 'WHATSAPP_VERIFY_TOKEN', key: 'verifyToken', needed: "Meta's webhook subscription handshake" },
] as const;

export type WhatsappSetting = (typeof WHATSAPP_SETTINGS)[number]['name'];

/** The settings among `names` (default: all of them) that are not set, in WHATSAPP_SETTINGS order. */
export function missingWhatsappSettings(config: AppConfig, names?: readonly WhatsappSetting[]): WhatsappSetting[] {
  return WHATSAPP_SETTINGS.filter((s) => (names === undefined || names.includes(s.name)) && !config.whatsapp[s.key]).map((s) => s.name);
}

/** The one error for a feature that needs settings that are not set: 503 WHATSAPP_NOT_CONFIGURED, `details.missing`. */
export function whatsappNotConfigured(missing: readonly WhatsappSetting[], what: string): DomainError {
  return new DomainError(
    'WHATSAPP_NOT_CONFIGURED',
    `Cannot ${what}: WhatsApp is not configured; set ${missing.join(', ')} (see README, Configuration)`,
    { missing: [...missing] },
  );
}

/**
 * What the Cloud API client throws when a call needs a setting that is not set: still a
 * CloudApiError (nothing was sent; class `stop`), so callers that handle the client's errors keep
 * working, and it names the settings so the API can answer WHATSAPP_NOT_CONFIGURED.
 */
export class WhatsappNotConfiguredError extends CloudApiError {
  constructor(
    operation: string,
    readonly missing: readonly WhatsappSetting[],
  ) {
    super(`${operation}: ${missing.join(', ')} is not configured`, { errorClass: 'stop', delivery: 'not_sent' });
  }
}

/** Throws WHATSAPP_NOT_CONFIGURED unless every one of `names` is set. */
export function requireWhatsappSettings(config: AppConfig, names: readonly WhatsappSetting[], what: string): void {
  const missing = missingWhatsappSettings(config, names);
  if (missing.length > 0) throw whatsappNotConfigured(missing, what);
}

/** The start-up warning: which settings are missing and what that turns off; undefined when none is. */
export function notConfiguredWarning(config: AppConfig): string | undefined {
  const missing = WHATSAPP_SETTINGS.filter((s) => !config.whatsapp[s.key]);
  if (missing.length === 0) return undefined;
  return `WhatsApp is not fully configured; not set: ${missing.map((s) => `${s.name} (needed for ${s.needed})`).join('; ')}`;
}
