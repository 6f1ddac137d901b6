import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsISO31661Alpha2,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  registerDecorator,
  validateSync,
} from 'class-validator';
import { parseDuration } from './duration';

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
const upperCase = ({ value }: { value: unknown }) => (value === '' ? undefined : typeof value === 'string' ? value.trim().toUpperCase() : value);

/** A duration (`15m`, `90s`, `1h`: see duration.ts) from `min` to `max` milliseconds, both named in the message as written. */
function IsDuration(min: { ms: number; text: string }, max: { ms: number; text: string }): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDuration',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be a duration from ${min.text} to ${max.text}, such as 15m, 90s or 1h` },
      validator: {
        validate: (value: unknown) => {
          const ms = typeof value === 'string' ? parseDuration(value) : null;
          return ms !== null && ms >= min.ms && ms <= max.ms;
        },
      },
    });
}

/**
 * The process environment as we accept it. Every variable is listed in
 * `.env.example` and README's configuration table; keep the three in step.
 */
export class EnvironmentVariables {
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT?: number;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(200)
  DATABASE_POOL_SIZE?: number;

  /** How long a request waits for a pooled connection before it answers 503 SERVICE_UNAVAILABLE. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(600_000)
  DATABASE_ACQUIRE_TIMEOUT_MS?: number;

  /** PostgreSQL statement_timeout of every session of the API and the worker (0: none). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(86_400_000)
  DATABASE_STATEMENT_TIMEOUT_MS?: number;

  /** PostgreSQL idle_in_transaction_session_timeout of every session of the API and the worker (0: none). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(86_400_000)
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS?: number;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL?: string;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'REDIS_PREFIX must be 1-64 characters of letters, digits, _ . : -' })
  REDIS_PREFIX?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString() @Matches(/^\S{16,}$/, { message: 'API_BOOTSTRAP_KEY must be at least 16 characters without spaces' })
  API_BOOTSTRAP_KEY?: string;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^https?:\/\/[^\s]+$/, { message: 'WHATSAPP_API_URL must be an http(s) URL' })
  WHATSAPP_API_URL?: string;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^v\d+\.\d+$/, { message: 'WHATSAPP_API_VERSION must look like v24.0' })
  WHATSAPP_API_VERSION?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString() @IsNotEmpty()
  WHATSAPP_ACCESS_TOKEN?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString() @IsNotEmpty()
  WHATSAPP_APP_SECRET?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString() @IsNotEmpty()
  WHATSAPP_VERIFY_TOKEN?: string;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^\d+$/, { message: 'WHATSAPP_WABA_ID must be digits' })
  WHATSAPP_WABA_ID?: string;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^\d+$/, { message: 'WHATSAPP_PHONE_NUMBER_ID must be digits' })
  WHATSAPP_PHONE_NUMBER_ID?: string;

  /**
   * ISO 3166-1 alpha-2 (any case) of the Business Manager address of WHATSAPP_PHONE_NUMBER_ID's
   * business: the country its registration at start-up gets (marketing availability depends on it).
   */
  @IsOptional() @Transform(upperCase) @IsISO31661Alpha2({ message: 'WHATSAPP_BUSINESS_COUNTRY must be an ISO 3166-1 alpha-2 country code such as ID' })
  WHATSAPP_BUSINESS_COUNTRY?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(300_000)
  WHATSAPP_TIMEOUT_MS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(4096)
  WHATSAPP_MAX_CONNECTIONS?: number;

  @IsOptional() @Transform(emptyToUndefined) @IsIn(['true', 'false'], { message: 'WHATSAPP_MARKETING_MESSAGES_API must be true or false' })
  WHATSAPP_MARKETING_MESSAGES_API?: string;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^[^,]+(,[^,]+)*$/, { message: 'WHATSAPP_STOP_KEYWORDS is a comma-separated list' })
  WHATSAPP_STOP_KEYWORDS?: string;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^[^,]+(,[^,]+)*$/, { message: 'WHATSAPP_STOP_PAYLOADS is a comma-separated list' })
  WHATSAPP_STOP_PAYLOADS?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1024)
  IMPORT_MAX_BYTES?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(256) @Max(16 * 1024 * 1024)
  IMPORT_MAX_LINE_BYTES?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(16)
  IMPORT_THREADS?: number;

  /** An upload that sends nothing for this long is abandoned (408), its transaction rolled back. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000)
  IMPORT_UPLOAD_IDLE_TIMEOUT_MS?: number;

  /** Uploads received at once per API process (each on its own connection); more answer 503. */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(64)
  IMPORT_UPLOAD_CONCURRENCY?: number;

  /** How long a worker's claim on an import lasts without renewal (renewed every second while it works). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1000) @Max(3_600_000)
  IMPORT_LEASE_MS?: number;

  /**
   * A scheduled campaign found due later than this after its time (the worker was down) is paused
   * with missed_schedule instead of started. At least 10 s: the scheduler starts a due campaign
   * within 5 s.
   */
  @IsOptional() @Transform(emptyToUndefined) @IsDuration({ ms: 10_000, text: '10s' }, { ms: 7 * 86_400_000, text: '7d' })
  CAMPAIGN_MAX_LATENESS?: string;

  /**
   * How long a recipient whose send outcome is unknown waits for a status webhook to resolve it
   * before POST /v1/campaigns/:id/retry may send it again. Meta sends `sent` within seconds; 15
   * minutes leaves room for webhook retries.
   */
  @IsOptional() @Transform(emptyToUndefined) @IsDuration({ ms: 60_000, text: '1m' }, { ms: 7 * 86_400_000, text: '7d' })
  DISPATCH_UNKNOWN_SETTLE?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  /**
   * At most this many marketing messages per person per period (`2/7d`: two per seven days; units
   * s, m, h, d); more are excluded as frequency_capped. Unset: no cap.
   */
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^[1-9]\d{0,3}\/[1-9]\d{0,4}[smhd]$/, {
    message: 'CAMPAIGN_MARKETING_FREQUENCY_CAP is messages/period, such as 2/7d (units s, m, h, d)',
  })
  CAMPAIGN_MARKETING_FREQUENCY_CAP?: string;

  /**
   * Percent under a number's rate at which the dispatcher spaces its sends, so that network and
   * event-loop jitter cannot bunch them over the rate at the Graph side (src/dispatcher/throughput-gate.ts).
   */
  @IsOptional() @Transform(toInt) @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'DISPATCH_THROUGHPUT_MARGIN_PERCENT must be a number from 0 to 10' }) @Min(0) @Max(10)
  DISPATCH_THROUGHPUT_MARGIN_PERCENT?: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment, reporting every bad variable at once, by name and rule only: the
 * value is never echoed, since it may be a secret (a password in DATABASE_URL, API_BOOTSTRAP_KEY).
 */
export function validateEnvironment(env: NodeJS.ProcessEnv): EnvironmentVariables {
  const parsed = plainToInstance(EnvironmentVariables, { ...env });
  const errors = validateSync(parsed, { whitelist: false, forbidUnknownValues: false, validationError: { target: false, value: false } });
  const problems = errors.flatMap((e) =>
    Object.values(e.constraints ?? {}).map((message) => (message.startsWith(e.property) ? message : `${e.property}: ${message}`)),
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed;
}
