import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage, registerDecorator, ValidateIf, ValidationOptions } from 'class-validator';
import { DomainError } from './domain-error';

export interface FieldProblem {
  field: string;
  problems: string[];
}

/**
 * Constraints that say what kind of value a field holds, most basic first. When one of them fails,
 * the other constraints of the field (lengths, ranges, patterns) have nothing sensible to say:
 * "must not be greater than 500; must not be less than 1; must be an integer" for `limit=1&limit=2`.
 */
const KIND_CHECKS = ['isNotNull', 'isDefined', 'isArray', 'isObject', 'isString', 'isInt', 'isNumber', 'isBoolean', 'nestedValidation'];

/**
 * One coherent problem for a field: the most basic kind check that failed, otherwise the first
 * constraint declared (class-validator runs a property's decorators bottom-up, so its last one).
 * This holds whatever order a DTO declares its decorators in.
 */
function oneProblem(constraints: Record<string, string>): string {
  for (const kind of KIND_CHECKS) if (constraints[kind] !== undefined) return constraints[kind];
  const messages = Object.values(constraints);
  return messages[messages.length - 1];
}

/** Flattens class-validator's tree into one entry per field (`attributes.city`, `items.0.name`), each with one problem. */
export function fieldProblems(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints && Object.keys(e.constraints).length > 0 ? [{ field, problems: [oneProblem(e.constraints)] }] : [];
    return [...own, ...fieldProblems(e.children ?? [], field)];
  });
}

export function validationFailed(problems: FieldProblem[]): DomainError {
  const summary = problems.map((p) => `${p.field}: ${p.problems.join('; ')}`).join(', ');
  return new DomainError('VALIDATION_FAILED', `Validation failed: ${summary}`, problems);
}

// ---------------------------------------------------------------------------------------------
// Text PostgreSQL can hold

/**
 * Characters PostgreSQL cannot store: NUL (text and jsonb refuse U+0000) and UTF-16 surrogates
 * without their pair (jsonb refuses the `\ud800` escape JSON.stringify writes for one; text would
 * silently store U+FFFD instead).
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether PostgreSQL can store the string as it is (text or jsonb). */
export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

export const UNSTORABLE_TEXT = 'must not contain NUL (\\u0000) or unpaired UTF-16 surrogates';

/** Deeper JSON than this is refused before class-transformer (recursive) walks it. */
export const MAX_INPUT_DEPTH = 32;

/** JSON.parse reads 1e400 as Infinity, which JSON.stringify (and so jsonb) would store as null. */
export const NOT_FINITE = 'must be a finite number (1e400 and the like are beyond what a JSON number can hold here, and would be stored as null)';

/**
 * Object keys JavaScript treats specially: class-transformer drops them, and `__proto__` set by
 * assignment changes an object's prototype instead of adding a key. Refused rather than lost.
 */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
export const RESERVED_KEY = 'is a reserved name (__proto__, constructor and prototype are not kept as keys): choose another';

/**
 * What a request's input holds that could not be stored as sent, as field problems (`attributes.city`,
 * `tags.2`, `components.0.text`): strings (object keys included) PostgreSQL cannot store, numbers
 * that are not finite (1e400 parses to Infinity), the keys __proto__, constructor and prototype,
 * and nesting deeper than MAX_INPUT_DEPTH. Iterative, so hostile nesting cannot exhaust the stack.
 */
export function unstorableInput(value: unknown, root: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: root, depth: 0 }];
  while (stack.length > 0 && problems.length < 20) {
    const { value: v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (!isStorableText(v)) problems.push({ field: path || 'value', problems: [UNSTORABLE_TEXT] });
      continue;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) problems.push({ field: path || 'value', problems: [NOT_FINITE] });
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_INPUT_DEPTH) {
      problems.push({ field: path || 'value', problems: [`nested more than ${MAX_INPUT_DEPTH} levels deep`] });
      continue;
    }
    for (const [key, child] of Object.entries(v)) {
      const childPath = path ? `${path}.${key}` : key;
      if (!isStorableText(key)) {
        problems.push({ field: childPath, problems: [`the key ${UNSTORABLE_TEXT}`] });
        continue;
      }
      if (RESERVED_KEYS.has(key)) {
        problems.push({ field: childPath, problems: [`the key "${key}" ${RESERVED_KEY}`] });
        continue;
      }
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return problems;
}

/** Whether a DTO property takes a list (it has an @IsArray() rule), so a repeated query parameter is expected. */
function takesList(metatype: unknown, property: string): boolean {
  if (typeof metatype !== 'function') return false;
  const rules = getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false);
  return rules.some((rule) => rule.propertyName === property && rule.name === 'isArray');
}

function knownProperty(metatype: unknown, property: string): boolean {
  if (typeof metatype !== 'function') return false;
  return getMetadataStorage()
    .getTargetValidationMetadatas(metatype, '', true, false)
    .some((rule) => rule.propertyName === property);
}

const SCALARS: readonly unknown[] = [String, Number, Boolean];

/**
 * Query parameters given more than once (`limit=1&limit=2`, which the query parser makes a list)
 * where one value is expected: a DTO property without @IsArray(), or a single @Query('name') of a
 * scalar type.
 */
export function repeatedParameters(value: unknown, metadata: ArgumentMetadata): string[] {
  if (metadata.type !== 'query') return [];
  if (metadata.data) return Array.isArray(value) && SCALARS.includes(metadata.metatype) ? [metadata.data] : [];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value)
    .filter(([key, v]) => Array.isArray(v) && knownProperty(metadata.metatype, key) && !takesList(metadata.metatype, key))
    .map(([key]) => key);
}

/**
 * The global pipe: first refuses what could not be stored as sent anywhere in the body, query or
 * route parameters (see unstorableInput: one rule for every route, so a new DTO cannot forget it),
 * then validates the DTO: unknown fields are an error, and each bad field is listed once, with one
 * problem (see fieldProblems). A query parameter given twice where one is expected says so.
 */
export class RequestValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') {
      const problems = unstorableInput(value, metadata.data ?? '');
      if (problems.length > 0) throw validationFailed(problems);
    }
    const repeated = repeatedParameters(value, metadata);
    if (repeated.length === 0) return super.transform(value, metadata);
    const problems: FieldProblem[] = repeated.map((field) => ({ field, problems: [`${field} must be given once`] }));
    if (!metadata.data) {
      // The other parameters are still checked, so every problem is listed at once.
      const rest = Object.fromEntries(Object.entries(value as object).filter(([key]) => !repeated.includes(key)));
      try {
        await super.transform(rest, metadata);
      } catch (error) {
        if (!(error instanceof DomainError) || error.code !== 'VALIDATION_FAILED' || !Array.isArray(error.details)) throw error;
        problems.push(...(error.details as FieldProblem[]));
      }
    }
    throw validationFailed(problems);
  }
}

export const validationPipe = new RequestValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  exceptionFactory: (errors) => validationFailed(fieldProblems(errors)),
});

// ---------------------------------------------------------------------------------------------
// Dates, time zones and locales

const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * An ISO 8601 date or date-time (`2025-03-01`, `2025-03-01T10:00:00Z`, `2025-03-01 10:00:00.123456+07`
 * as PostgreSQL writes one) as a Date, or null when it names no real instant PostgreSQL can store:
 * years 1 to 9999, real calendar days (no 30 February: JS would roll it over to March), hours
 * 0-23, offsets up to ±15:59. Without a zone it is UTC.
 */
export function parseIsoTimestamp(text: string): Date | null {
  return parseIsoDateTime(text)?.date ?? null;
}

/**
 * parseIsoTimestamp, also telling whether the text carried a zone (`Z` or an offset): without one
 * it is a wall-clock time, returned as if it were UTC. (The date helper shows such a time as written.)
 */
export function parseIsoDateTime(text: string): { date: Date; zoned: boolean } | null {
  const m = ISO_TIMESTAMP.exec(text.trim());
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (oh > 15 || om > 59) return null;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return { date: new Date(date.getTime() - offsetMinutes * 60_000), zoned: zone !== undefined };
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/** An explicit zone at the end of an ISO 8601 date-time: `Z` or an offset (`+07`, `+07:00`, `-0300`). */
const EXPLICIT_ZONE = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * class-transformer: an ISO 8601 date-time WITH a zone becomes a Date; anything else stays as it
 * is, for IsApiDate to refuse. A time without a zone is ambiguous (a Jakarta opt-in read as UTC
 * moves seven hours), so it is refused rather than guessed.
 */
export function toApiDate({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string' || !/T|\d \d/.test(value) || !EXPLICIT_ZONE.test(value.trim())) return value;
  return parseIsoTimestamp(value) ?? value;
}

/**
 * A date-time given as an ISO 8601 string with a zone, that PostgreSQL can store: years 1 to 9999
 * (`-271821-04-20T00:00:00Z` is a valid JS Date that PostgreSQL refuses), real days. Use with
 * `@Transform(toApiDate)`; numbers and booleans are refused (`new Date(true)` would be 1970).
 */
export function IsApiDate(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isApiDate',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `${String(propertyName)} must be an ISO 8601 date-time with a zone (Z or ±hh:mm), between the years 1 and 9999`,
        ...options,
      },
      validator: { validate: (value: unknown) => value instanceof Date && !Number.isNaN(value.getTime()) },
    });
}

/**
 * The canonical name of an IANA time zone as Intl knows it (`asia/jakarta` → `Asia/Jakarta`,
 * `Asia/Calcutta` and `UTC` stay), or null when Intl refuses it (RangeError): the source of the
 * rule is Intl.DateTimeFormat itself, so every alias it accepts is accepted.
 */
export function canonicalTimeZone(zone: string): string | null {
  if (zone.length === 0 || zone.length > 64 || !/^[A-Za-z0-9/_+-]+$/.test(zone)) return null;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/**
 * The canonical BCP 47 tag of a locale (`EN-us` → `en-US`), or null when it is not one (`tr-!!`,
 * `en_US`) or when Intl has no data for it (`zz`, `und`): Intl would silently format such a locale
 * in its default one (English). A region Intl does not list falls back to its language, as Intl
 * does (`en-ZZ` is English, `prs-AF` is Dari as `fa-AF`); that is data for the tag, so it is kept.
 */
export function canonicalLocale(locale: string): string | null {
  if (locale.length === 0 || locale.length > 64) return null;
  try {
    const list = Intl.getCanonicalLocales(locale);
    if (list.length !== 1) return null;
    return Intl.DateTimeFormat.supportedLocalesOf(list).length === 1 ? list[0] : null;
  } catch {
    return null;
  }
}

/** An IANA time zone Intl accepts (names and aliases: Asia/Jakarta, UTC, Etc/GMT+7, Asia/Calcutta). */
export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be an IANA time zone such as Asia/Jakarta or UTC`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && canonicalTimeZone(value) !== null },
    });
}

export const LOCALE_RULE = 'a BCP 47 locale Intl has data for, such as id, id-ID, ms or en-US';

/** A well-formed BCP 47 locale Intl has data for (id, id-ID, ms, en-US); `en_US`, `tr-!!` and `zz` are not. */
export function IsLocale(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isLocale',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be ${LOCALE_RULE}`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && canonicalLocale(value) !== null },
    });
}

// ---------------------------------------------------------------------------------------------
// Optional fields and null

/**
 * The field may be left out, but null is refused with 400 VALIDATION_FAILED naming it (`tags must
 * not be null: …`), for fields where null has no meaning of its own. class-validator's @IsOptional
 * skips every rule for null as well, which let null through to the service (PATCH `tags: null`
 * was a NOT NULL violation, a 500). Fields where null does mean something (`name: null` clears a
 * contact's name) keep @IsOptional and say `nullable: true` in their @ApiProperty.
 */
export function IsOptionalNotNull(hint = 'leave the field out instead'): PropertyDecorator {
  return (target, propertyName) => {
    ValidateIf((_object: object, value: unknown) => value !== undefined)(target, propertyName as string);
    registerDecorator({
      name: 'isNotNull',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must not be null: ${hint}` },
      validator: { validate: (value: unknown) => value !== null },
    });
  };
}
