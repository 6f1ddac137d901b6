import { availableParallelism } from 'node:os';
import { DEFAULT_STOP_KEYWORDS, parseStopKeywords, StopKeyword } from '../contacts/stop-keywords';
import { THROUGHPUT_GATE_DEFAULTS } from '../dispatcher/throughput-gate';
import { parseDuration } from './duration';
import { EnvironmentVariables, validateEnvironment } from './environment';

/** Payloads of the "stop" quick-reply buttons our marketing templates carry. */
export const DEFAULT_STOP_PAYLOADS = 'STOP,STOP_PROMO,UNSUBSCRIBE,OPT_OUT';

function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/**
 * The typed configuration, parsed once at start-up. Injected by class: `constructor(private readonly config: AppConfig)`.
 */
export class AppConfig {
  readonly port: number;
  readonly database: {
    readonly url: string;
    readonly poolSize: number;
    /** Longest wait for a pooled connection; beyond it the caller gets 503 SERVICE_UNAVAILABLE. */
    readonly acquireTimeoutMs: number;
    /** Session statement_timeout of the API's and the worker's connections (0: none). */
    readonly statementTimeoutMs: number;
    /** Session idle_in_transaction_session_timeout of the API's and the worker's connections (0: none). */
    readonly idleInTransactionTimeoutMs: number;
  };
  readonly redis: { readonly url: string; readonly prefix: string };
  readonly api: { readonly bootstrapKey?: string };
  readonly whatsapp: {
    readonly apiUrl: string;
    readonly apiVersion: string;
    readonly accessToken?: string;
    readonly appSecret?: string;
    readonly verifyToken?: string;
    readonly wabaId?: string;
    readonly phoneNumberId?: string;
    /** ISO 3166-1 alpha-2 (upper case) of the Business Manager address of phoneNumberId's business. */
    readonly businessCountry?: string;
    /**
     * Per phase of a request, as undici applies it: connecting, waiting for the answer's headers,
     * and each pause in the answer's body (not the request as a whole).
     */
    readonly timeoutMs: number;
    /** Keep-alive connections to the Graph API (sized for 1,000 requests/s at Meta's latency). */
    readonly maxConnections: number;
    /** The default sender sends MARKETING templates through /marketing_messages. */
    readonly marketingMessagesApi: boolean;
    /** Whole-message keywords that opt a contact out (case-insensitive), with their scope. */
    readonly stopKeywords: readonly StopKeyword[];
    /** Quick-reply and interactive payloads that opt a contact out of marketing. */
    readonly stopPayloads: readonly string[];
  };
  readonly imports: {
    /** Largest accepted upload, in bytes (413 beyond it). */
    readonly maxBytes: number;
    /** Longest accepted physical line, in bytes. */
    readonly maxLineBytes: number;
    /** Worker threads that normalise phone numbers during an import. */
    readonly threads: number;
    /** An upload that sends nothing for this long ends with 408 and leaves nothing behind. */
    readonly uploadIdleTimeoutMs: number;
    /** Uploads received at once by one API process, each on its own connection; more answer 503. */
    readonly uploadConcurrency: number;
    /** A worker's claim on an import lasts this long unless renewed (every second while working). */
    readonly leaseMs: number;
  };
  readonly log: { readonly level: string };
  readonly campaigns: {
    /** A scheduled campaign found due later than this (ms) after its time is paused (missed_schedule), not started. */
    readonly maxLatenessMs: number;
    /** Marketing messages per person per period; null: no cap (CAMPAIGN_MARKETING_FREQUENCY_CAP). */
    readonly marketingFrequencyCap: { readonly max: number; readonly periodSeconds: number } | null;
  };
  readonly dispatch: {
    /** Fraction (0.03: 3%) under a number's rate at which sends are spaced (DISPATCH_THROUGHPUT_MARGIN_PERCENT). */
    readonly throughputMargin: number;
    /** An unknown outcome may be retried by hand this long after its attempt (DISPATCH_UNKNOWN_SETTLE, default 15m). */
    readonly unknownSettleMs: number;
  };

  constructor(env: EnvironmentVariables) {
    this.port = env.PORT ?? 3000;
    this.database = {
      url: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/siaran',
      poolSize: env.DATABASE_POOL_SIZE ?? 10,
      acquireTimeoutMs: env.DATABASE_ACQUIRE_TIMEOUT_MS ?? 5000,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS ?? 30_000,
      idleInTransactionTimeoutMs: env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS ?? 60_000,
    };
    this.redis = { url: env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: env.REDIS_PREFIX ?? 'siaran' };
    this.api = { bootstrapKey: env.API_BOOTSTRAP_KEY };
    this.whatsapp = {
      apiUrl: (env.WHATSAPP_API_URL ?? 'https://graph.facebook.com').replace(/\/+$/, ''),
      apiVersion: env.WHATSAPP_API_VERSION ?? 'v24.0',
      accessToken: env.WHATSAPP_ACCESS_TOKEN,
      appSecret: env.WHATSAPP_APP_SECRET,
      verifyToken: env.WHATSAPP_VERIFY_TOKEN,
      wabaId: env.WHATSAPP_WABA_ID,
      phoneNumberId: env.WHATSAPP_PHONE_NUMBER_ID,
      businessCountry: env.WHATSAPP_BUSINESS_COUNTRY,
      timeoutMs: env.WHATSAPP_TIMEOUT_MS ?? 15_000,
      maxConnections: env.WHATSAPP_MAX_CONNECTIONS ?? 256,
      marketingMessagesApi: env.WHATSAPP_MARKETING_MESSAGES_API === 'true',
      stopKeywords: parseStopKeywords(env.WHATSAPP_STOP_KEYWORDS ?? DEFAULT_STOP_KEYWORDS),
      stopPayloads: list(env.WHATSAPP_STOP_PAYLOADS ?? DEFAULT_STOP_PAYLOADS),
    };
    this.imports = {
      maxBytes: env.IMPORT_MAX_BYTES ?? 512 * 1024 * 1024,
      maxLineBytes: env.IMPORT_MAX_LINE_BYTES ?? 64 * 1024,
      threads: env.IMPORT_THREADS ?? Math.min(2, availableParallelism()),
      uploadIdleTimeoutMs: env.IMPORT_UPLOAD_IDLE_TIMEOUT_MS ?? 30_000,
      uploadConcurrency: env.IMPORT_UPLOAD_CONCURRENCY ?? 4,
      leaseMs: env.IMPORT_LEASE_MS ?? 30_000,
    };
    this.log = { level: env.LOG_LEVEL ?? 'info' };
    this.campaigns = {
      maxLatenessMs: parseDuration(env.CAMPAIGN_MAX_LATENESS ?? '15m')!,
      marketingFrequencyCap: frequencyCap(env.CAMPAIGN_MARKETING_FREQUENCY_CAP),
    };
    this.dispatch = {
      throughputMargin: (env.DISPATCH_THROUGHPUT_MARGIN_PERCENT ?? THROUGHPUT_GATE_DEFAULTS.margin * 100) / 100,
      unknownSettleMs: parseDuration(env.DISPATCH_UNKNOWN_SETTLE ?? '15m')!,
    };
  }

  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): AppConfig {
    return new AppConfig(validateEnvironment(env));
  }
}

/** `2/7d` → { max: 2, periodSeconds: 604800 } (validated by the environment's pattern; the period is a duration.ts duration). */
function frequencyCap(text: string | undefined): { max: number; periodSeconds: number } | null {
  const slash = text ? text.indexOf('/') : -1;
  if (!text || slash < 0) return null;
  const periodMs = parseDuration(text.slice(slash + 1));
  return periodMs === null ? null : { max: Number(text.slice(0, slash)), periodSeconds: periodMs / 1000 };
}
