import { DateTime } from 'luxon';
import type { SendWindow } from './campaigns.repository';

/**
 * Whether `at` is inside a campaign's send window: local wall-clock hours in its IANA zone, `from`
 * inclusive, `to` exclusive; a window whose `to` is before its `from` spans midnight (22:00 to
 * 06:00). No window: always.
 */
export function inSendWindow(window: SendWindow | null, at: Date): boolean {
  if (!window) return true;
  const local = DateTime.fromJSDate(at, { zone: window.timeZone }).toFormat('HH:mm');
  return window.from <= window.to ? local >= window.from && local < window.to : local >= window.from || local < window.to;
}

/** The zone's canonical IANA name ("asia/jakarta" → "Asia/Jakarta"), as Intl resolves it. */
export function canonicalTimeZone(zone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
}
