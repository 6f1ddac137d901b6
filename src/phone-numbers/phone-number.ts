/**
 * A business phone number campaigns are sent from, and the pure rules about what WhatsApp says of
 * it (throughput levels, messaging limit tiers). Source of the figures: ../shared/WHATSAPP.md
 * "Limits" (Meta's "Throughput" and "Messaging limits" pages).
 */

/**
 * The portfolio's messaging limit: unique people reached outside an open customer service window
 * in a moving 24 hours (shared by every number of a business portfolio since October 2025).
 */
export const MESSAGING_LIMITS = ['TIER_250', 'TIER_2K', 'TIER_10K', 'TIER_100K', 'TIER_UNLIMITED'] as const;
export type MessagingLimit = (typeof MESSAGING_LIMITS)[number];

/** People per moving 24 hours for each tier; null: unlimited. */
const PEOPLE: Record<MessagingLimit, number | null> = {
  TIER_250: 250,
  TIER_2K: 2000,
  TIER_10K: 10_000,
  TIER_100K: 100_000,
  TIER_UNLIMITED: null,
};

/** Meta's ids (phone number, WABA, business portfolio): digits, as the phone_numbers table holds them. */
export const META_ID = /^\d{1,32}$/;

/** Messages per second of a number that Meta has not upgraded (inbound and outbound together). */
export const DEFAULT_THROUGHPUT_MPS = 80;

/** Graph's `throughput.level` in messages per second: STANDARD 80, HIGH 1,000 (after Meta's upgrade). */
const THROUGHPUT_LEVELS: Record<string, number> = { STANDARD: DEFAULT_THROUGHPUT_MPS, HIGH: 1000 };

/** A registered sender, as PhoneNumbersService.get returns it. */
export interface PhoneNumber {
  /** Meta's phone number id (digits). */
  phoneNumberId: string;
  wabaId: string;
  /** ISO 3166-1 alpha-2, upper case, of the Business Manager address: decides marketing availability. */
  businessCountry: string;
  /** The business portfolio (Business Manager) id; its numbers share the messaging limit. */
  businessPortfolioId: string | null;
  /** Messages per second WhatsApp accepts from this number (1 to 1,000; 80 unless upgraded). */
  throughputMps: number;
  /** The portfolio's messaging limit; null while unknown (neither given nor read from WhatsApp). */
  messagingLimit: MessagingLimit | null;
  /** MARKETING templates go through /marketing_messages. */
  marketingMessagesApi: boolean;
  /** As WhatsApp shows it ("+62 21 5000 0001"); null until read from the Graph API. */
  displayPhoneNumber: string | null;
  verifiedName: string | null;
  /** GREEN, YELLOW, RED, UNKNOWN or NA as WhatsApp says; null while unknown. */
  qualityRating: string | null;
  /** When WhatsApp's view of it was last read (refresh) or received (phone_number_quality_update). */
  refreshedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export function isMessagingLimit(value: unknown): value is MessagingLimit {
  return typeof value === 'string' && (MESSAGING_LIMITS as readonly string[]).includes(value);
}

/** How many unique people a tier lets the portfolio reach outside an open window in 24 hours; null: no limit. */
export function messagingLimitPeople(tier: MessagingLimit): number | null {
  return PEOPLE[tier];
}

/**
 * A messaging limit as WhatsApp writes one, in any of its shapes: a tier name (`TIER_2K`), or a
 * number of people (`2000`, `"2000"`; `-1` is unlimited, as business_capability_update writes it).
 * Undefined for anything Siaran cannot hold: Meta's TIER_50 (unverified businesses), the old
 * TIER_1K and TIER_NOT_SET are not among the tiers phone_numbers accepts.
 */
export function messagingLimitOf(value: unknown): MessagingLimit | undefined {
  if (isMessagingLimit(value)) return value;
  const people = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : undefined;
  if (people === undefined) return undefined;
  if (people === -1) return 'TIER_UNLIMITED';
  return MESSAGING_LIMITS.find((tier) => PEOPLE[tier] === people);
}

/** Messages per second of a Graph throughput level (`STANDARD` 80, `HIGH` 1,000); undefined for any other level. */
export function throughputMpsOf(level: unknown): number | undefined {
  return typeof level === 'string' && Object.hasOwn(THROUGHPUT_LEVELS, level) ? THROUGHPUT_LEVELS[level] : undefined;
}
