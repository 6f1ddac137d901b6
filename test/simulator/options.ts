import type { TemplateDefinition, TemplateQuality, TemplateStatus } from '../../src/whatsapp/cloud-api.types';

/**
 * The simulator's options: what WhatsApp would be like for the code under test. Every option has a
 * default, can be given to startSimulator() and changed later with configure() or POST /_sim/config.
 */

export type QualityRating = 'GREEN' | 'YELLOW' | 'RED' | 'UNKNOWN';
export type MessagingLimitTier = 'TIER_250' | 'TIER_2K' | 'TIER_10K' | 'TIER_100K' | 'TIER_UNLIMITED';

export const QUALITY_RATINGS: readonly QualityRating[] = ['GREEN', 'YELLOW', 'RED', 'UNKNOWN'];
export const MESSAGING_LIMIT_TIERS: readonly MessagingLimitTier[] = ['TIER_250', 'TIER_2K', 'TIER_10K', 'TIER_100K', 'TIER_UNLIMITED'];

/** A registered business phone number. */
export interface PhoneNumberOptions {
  id: string;
  wabaId: string;
  /** As WhatsApp shows it ("+62 21 5000 0001"); webhooks carry its digits. */
  displayPhoneNumber: string;
  verifiedName: string;
  /** Messages per second accepted from this number (sliding one-second window). */
  mps: number;
  qualityRating: QualityRating;
  messagingLimitTier: MessagingLimitTier;
  /** "STANDARD" (80 mps) or "HIGH" (1,000 mps). */
  throughputLevel: string;
  /** The WABA turned marketing off on /messages: MARKETING templates must use /marketing_messages. */
  marketingMessagesOnly: boolean;
}

/** A template present from the start (or after reset()), in any status. */
export type SeedTemplate = TemplateDefinition & {
  wabaId?: string;
  status?: TemplateStatus;
  rejected_reason?: string;
  quality?: TemplateQuality;
};

export interface SimulatorOptions {
  /** Interface to listen on; 127.0.0.1 unless the simulator must be reachable from elsewhere. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  accessToken: string;
  /** Key of the X-Hub-Signature-256 HMAC on webhooks. */
  appSecret: string;
  /** Where webhooks are POSTed; when unset they are only recorded. */
  webhookUrl?: string;
  phoneNumbers: PhoneNumberOptions[];
  /** Added to every Graph API answer, uniform in [min, max]. */
  latencyMs: { min: number; max: number };
  /** Probabilities (0..1) of injected faults, drawn per accepted-looking send. */
  rates: {
    /** HTTP 500 with code 131000, or HTTP 503 with no Graph error at all (a front-end failure). */
    serverError: number;
    /** The request is never answered (the client must time out) and nothing is delivered. */
    timeout: number;
    /** The message is accepted and delivered (status webhooks follow), but the answer is never sent. */
    lostAnswer: number;
    /** Accepted, then a failed status 131026. */
    notOnWhatsApp: number;
    /** MARKETING templates only: accepted, then a failed status 131049. */
    perUserCap: number;
  };
  /** Recipients (digits) that are never on WhatsApp: always a failed status 131026. */
  notOnWhatsAppNumbers: string[];
  /**
   * MARKETING templates to US numbers fail with 131049 (Meta's US pause), as Siaran's country
   * policy says: by the number's region (not Canada or the Caribbean), from 1 April 2025 on the
   * simulator's clock (message-lifecycle.ts).
   */
  usMarketingBlocked: boolean;
  /** When each status happens, in ms after acceptance (sent ≤ delivered ≤ read). */
  statusDelaysMs: { sent: number; delivered: number; read: number };
  /** Probability that a delivered message is read. */
  readRate: number;
  /** Probability that a status webhook is delivered a second time. */
  duplicateRate: number;
  /** Deliver each message's status webhooks in a shuffled order (never the natural one). */
  reorder: boolean;
  /** At most this many statuses per webhook POST (1 = one status per POST). */
  batchStatuses: number;
  /** How long due statuses wait to be batched together before a POST. */
  batchWindowMs: number;
  /** Token bucket per (sender, recipient): beyond it a send gets 131056. */
  pairRate: { capacity: number; refillMs: number };
  /** Review of created templates; names starting with rejectPrefix are REJECTED with rejectReason. */
  templateReview: { delayMs: number; rejectPrefix: string; rejectReason: string };
  templates: SeedTemplate[];
  webhookDelivery: {
    /** POSTs in flight at once (1 keeps the order in which webhooks were produced). */
    concurrency: number;
    /** Attempts per webhook, the first included; non-2xx answers and network errors are retried. */
    maxAttempts: number;
    /** Backoff before retry n is retryBaseMs * 2^(n-1). */
    retryBaseMs: number;
    timeoutMs: number;
  };
  /** Inspection logs (requests, messages, webhooks) keep at most this many entries each. */
  maxRecords: number;
  /**
   * The request and webhook logs (which keep whole bodies) keep at most this many entries each,
   * when set below maxRecords: a run of hundreds of thousands of messages can keep every message
   * (duplicates are counted from them) without a heap of every body, whose collection stalled the
   * simulator for up to 0.7 s in bench:dispatch (a stall makes requests that left on time arrive
   * together, and counts them in one second).
   */
  maxPayloadRecords?: number;
  /** Seed of every random decision, so that a run can be replayed. */
  seed: number;
}

/** What startSimulator() and configure() take: any subset, nested objects merged field by field. */
export type PhoneNumberInput = Pick<PhoneNumberOptions, 'id'> & Partial<PhoneNumberOptions>;
export type SimulatorOverrides = {
  [K in Exclude<keyof SimulatorOptions, 'phoneNumbers'>]?: SimulatorOptions[K] extends unknown[]
    ? SimulatorOptions[K]
    : SimulatorOptions[K] extends object
      ? Partial<SimulatorOptions[K]>
      : SimulatorOptions[K];
} & { phoneNumbers?: PhoneNumberInput[] };

export const DEFAULT_PHONE_NUMBER: PhoneNumberOptions = {
  id: '1000000001',
  wabaId: '2000000001',
  displayPhoneNumber: '+62 21 5000 0001',
  verifiedName: 'Siaran Simulator',
  mps: 80,
  qualityRating: 'GREEN',
  messagingLimitTier: 'TIER_10K',
  throughputLevel: 'STANDARD',
  marketingMessagesOnly: false,
};

export function defaultOptions(): SimulatorOptions {
  return {
    host: '127.0.0.1',
    port: 0,
    accessToken: 'sim-token',
    appSecret: 'sim-app-secret',
    webhookUrl: undefined,
    phoneNumbers: [{ ...DEFAULT_PHONE_NUMBER }],
    latencyMs: { min: 0, max: 0 },
    rates: { serverError: 0, timeout: 0, lostAnswer: 0, notOnWhatsApp: 0, perUserCap: 0 },
    notOnWhatsAppNumbers: [],
    usMarketingBlocked: true,
    statusDelaysMs: { sent: 50, delivered: 150, read: 400 },
    readRate: 1,
    duplicateRate: 0,
    reorder: false,
    batchStatuses: 1,
    batchWindowMs: 0,
    pairRate: { capacity: 5, refillMs: 6000 },
    templateReview: { delayMs: 100, rejectPrefix: 'reject_', rejectReason: 'INVALID_FORMAT' },
    templates: [],
    webhookDelivery: { concurrency: 8, maxAttempts: 5, retryBaseMs: 250, timeoutMs: 10_000 },
    maxRecords: 50_000,
    // Unset: the request and webhook logs follow maxRecords.
    maxPayloadRecords: undefined,
    seed: Date.now() % 2 ** 31,
  };
}

const NESTED = ['latencyMs', 'rates', 'statusDelaysMs', 'pairRate', 'templateReview', 'webhookDelivery'] as const;

/** The options after applying overrides; nested objects are merged, lists replaced. */
export function mergeOptions(base: SimulatorOptions, overrides: SimulatorOverrides): SimulatorOptions {
  const merged: SimulatorOptions = { ...base };
  const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);
  for (const [key, value] of Object.entries(overrides) as Array<[keyof SimulatorOptions, unknown]>) {
    if (key === 'webhookUrl') {
      // null (from JSON) or undefined turns webhook sending off.
      merged.webhookUrl = (value ?? undefined) as string | undefined;
    } else if (value === undefined) {
      continue;
    } else if ((NESTED as readonly string[]).includes(key)) {
      if (!isObject(value)) throw new Error(`Invalid simulator options: ${key} must be an object`);
      Object.assign(merged, { [key]: { ...(base[key] as object), ...value } });
    } else if (key === 'phoneNumbers') {
      if (!Array.isArray(value) || !value.every(isObject)) throw new Error('Invalid simulator options: phoneNumbers must be a list of objects');
      merged.phoneNumbers = (value as PhoneNumberInput[]).map((p) => ({ ...DEFAULT_PHONE_NUMBER, ...p }));
    } else if (!(key in base)) {
      throw new Error(`Invalid simulator options: unknown option ${key}`);
    } else {
      Object.assign(merged, { [key]: value });
    }
  }
  if (Array.isArray(merged.notOnWhatsAppNumbers)) merged.notOnWhatsAppNumbers = merged.notOnWhatsAppNumbers.map((n) => String(n).replace(/^\+/, ''));
  const problems = optionProblems(merged);
  if (problems.length > 0) throw new Error(`Invalid simulator options: ${problems.join('; ')}`);
  return merged;
}

/** Checks the merged options at run time: they may come from JSON (POST /_sim/config) or env. */
export function optionProblems(o: SimulatorOptions): string[] {
  const problems: string[] = [];
  const num = (path: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) problems.push(`${path} must be a number in [${min}, ${max}]`);
  };
  const str = (path: string, v: unknown) => {
    if (typeof v !== 'string' || v === '') problems.push(`${path} must be a non-empty string`);
  };
  const bool = (path: string, v: unknown) => {
    if (typeof v !== 'boolean') problems.push(`${path} must be true or false`);
  };
  str('host', o.host);
  num('port', o.port, 0, 65535);
  str('accessToken', o.accessToken);
  str('appSecret', o.appSecret);
  if (o.webhookUrl !== undefined && (typeof o.webhookUrl !== 'string' || !/^https?:\/\/\S+$/.test(o.webhookUrl))) {
    problems.push('webhookUrl must be an http(s) URL');
  }
  if (!Array.isArray(o.phoneNumbers) || o.phoneNumbers.length === 0) problems.push('phoneNumbers must list at least one number');
  else o.phoneNumbers.forEach((p, i) => problems.push(...phoneNumberProblems(p, `phoneNumbers[${i}]`)));
  num('latencyMs.min', o.latencyMs.min, 0);
  num('latencyMs.max', o.latencyMs.max, o.latencyMs.min);
  for (const [k, v] of Object.entries(o.rates)) num(`rates.${k}`, v, 0, 1);
  if (!Array.isArray(o.notOnWhatsAppNumbers) || o.notOnWhatsAppNumbers.some((n) => !/^\d+$/.test(n))) {
    problems.push('notOnWhatsAppNumbers must be digits');
  }
  bool('usMarketingBlocked', o.usMarketingBlocked);
  num('statusDelaysMs.sent', o.statusDelaysMs.sent, 0);
  num('statusDelaysMs.delivered', o.statusDelaysMs.delivered, o.statusDelaysMs.sent);
  num('statusDelaysMs.read', o.statusDelaysMs.read, o.statusDelaysMs.delivered);
  num('readRate', o.readRate, 0, 1);
  num('duplicateRate', o.duplicateRate, 0, 1);
  bool('reorder', o.reorder);
  num('batchStatuses', o.batchStatuses, 1);
  num('batchWindowMs', o.batchWindowMs, 0);
  num('pairRate.capacity', o.pairRate.capacity, 1);
  num('pairRate.refillMs', o.pairRate.refillMs, 1);
  num('templateReview.delayMs', o.templateReview.delayMs, 0);
  if (typeof o.templateReview.rejectPrefix !== 'string') problems.push('templateReview.rejectPrefix must be a string');
  str('templateReview.rejectReason', o.templateReview.rejectReason);
  if (!Array.isArray(o.templates)) problems.push('templates must be a list');
  num('webhookDelivery.concurrency', o.webhookDelivery.concurrency, 1);
  num('webhookDelivery.maxAttempts', o.webhookDelivery.maxAttempts, 1);
  num('webhookDelivery.retryBaseMs', o.webhookDelivery.retryBaseMs, 0);
  num('webhookDelivery.timeoutMs', o.webhookDelivery.timeoutMs, 1);
  num('maxRecords', o.maxRecords, 1);
  if (o.maxPayloadRecords !== undefined) num('maxPayloadRecords', o.maxPayloadRecords, 1);
  num('seed', o.seed, 0);
  return problems;
}

function phoneNumberProblems(p: PhoneNumberOptions, path: string): string[] {
  const problems: string[] = [];
  if (typeof p.id !== 'string' || !/^\d+$/.test(p.id)) problems.push(`${path}.id must be digits`);
  if (typeof p.wabaId !== 'string' || !/^\d+$/.test(p.wabaId)) problems.push(`${path}.wabaId must be digits`);
  if (typeof p.displayPhoneNumber !== 'string' || !/\d/.test(p.displayPhoneNumber)) problems.push(`${path}.displayPhoneNumber must be a phone number`);
  if (typeof p.mps !== 'number' || !(p.mps >= 1)) problems.push(`${path}.mps must be at least 1`);
  if (!QUALITY_RATINGS.includes(p.qualityRating)) problems.push(`${path}.qualityRating must be one of ${QUALITY_RATINGS.join(', ')}`);
  if (!MESSAGING_LIMIT_TIERS.includes(p.messagingLimitTier)) problems.push(`${path}.messagingLimitTier must be one of ${MESSAGING_LIMIT_TIERS.join(', ')}`);
  if (typeof p.marketingMessagesOnly !== 'boolean') problems.push(`${path}.marketingMessagesOnly must be true or false`);
  return problems;
}

export { TEMPLATE_CATEGORIES, TEMPLATE_STATUSES } from '../../src/whatsapp/cloud-api.types';
