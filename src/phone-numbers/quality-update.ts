import type { PhoneNumberQualityUpdate } from '../whatsapp/cloud-api.types';
import { messagingLimitOf, type MessagingLimit, throughputMpsOf } from './phone-number';

/**
 * What a `phone_number_quality_update` webhook says, read from whichever of Meta's shapes it comes
 * in (cloud-api.types.ts: PhoneNumberQualityUpdate; ../shared/WHATSAPP.md "Limits"):
 * - the messaging limit, from the first of these that is present: `max_daily_conversations_per_business`
 *   (today's field: the portfolio's tier), `messaging_limit_tier`, `current_limit` (deprecated
 *   since February 2026), `max_daily_conversation_per_phone` (a number of people; -1 unlimited);
 * - the throughput: THROUGHPUT_UPGRADE is the upgrade to HIGH (1,000 mps); Meta announces no other;
 * - the quality: FLAGGED means it fell to low (RED); UNFLAGGED that it is no longer low (which of
 *   GREEN and YELLOW, the webhook does not say).
 */
export interface QualityUpdate {
  /** The digits of the number's display number: all the webhook names it by (within the entry's WABA). */
  displayDigits: string;
  /** Meta's event, upper case; empty when it gave none. */
  event: string;
  /** The limit it announces, when it is one Siaran holds. */
  messagingLimit?: MessagingLimit;
  /** A limit it announces that Siaran cannot hold (TIER_50, TIER_1K, TIER_NOT_SET, …): left unapplied. */
  unreadLimit?: string;
  throughputMps?: number;
  quality?: 'flagged' | 'unflagged';
}

/** The limit fields, newest shape first. */
const LIMIT_FIELDS = ['max_daily_conversations_per_business', 'messaging_limit_tier', 'current_limit', 'max_daily_conversation_per_phone'] as const;

/** Reads a webhook value; undefined when it names no number (no digits in `display_phone_number`). */
export function readQualityUpdate(value: unknown): QualityUpdate | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<Record<keyof PhoneNumberQualityUpdate, unknown>>;
  const displayDigits = typeof v.display_phone_number === 'string' || typeof v.display_phone_number === 'number' ? String(v.display_phone_number).replace(/\D/g, '') : '';
  if (displayDigits === '') return undefined;
  const event = typeof v.event === 'string' ? v.event.trim().toUpperCase() : '';
  const update: QualityUpdate = { displayDigits, event };

  const given = LIMIT_FIELDS.map((field) => v[field]).find((limit) => limit !== undefined && limit !== null && limit !== '');
  if (given !== undefined) {
    const limit = messagingLimitOf(given);
    if (limit) update.messagingLimit = limit;
    else update.unreadLimit = String(given);
  }
  if (event === 'THROUGHPUT_UPGRADE') update.throughputMps = throughputMpsOf('HIGH');
  if (event === 'FLAGGED') update.quality = 'flagged';
  if (event === 'UNFLAGGED') update.quality = 'unflagged';
  return update;
}

/**
 * The quality rating after an update: RED once flagged; unknown (null) when unflagged from RED,
 * since the webhook does not say which better rating it has (a refresh reads it); otherwise as it was.
 */
export function qualityAfter(current: string | null, update: Pick<QualityUpdate, 'quality'>): string | null {
  if (update.quality === 'flagged') return 'RED';
  if (update.quality === 'unflagged' && current === 'RED') return null;
  return current;
}
