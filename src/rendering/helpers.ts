/**
 * The Handlebars helpers a binding may use. Each is a pure function of its arguments and of the
 * campaign's locale and time zone, and none escapes anything: WhatsApp text is not HTML. None
 * throws on data. A missing value (undefined, null, blank) renders empty, for the empty-value and
 * missing-value rules to report. A value that is there but that the helper cannot use is
 * `Unusable` (see below): `default` replaces it as it replaces a missing value; printed anywhere
 * else it renders empty and becomes a problem of that recipient, with the reason (`not_a_date`,
 * `out_of_range`, `not_a_number`, `invalid_value`). Examples: a date of 1e16 ms (past what a Date
 * holds), "2025-02-30" (no such day: JS would roll it over to 2 March), an amount "n/a", a time
 * zone from the contact's data that Intl does not know, text with an unpaired surrogate for urlencode.
 *
 * | helper | example | result |
 * | --- | --- | --- |
 * | `default` | `{{default attributes.city "Jakarta"}}` | the first argument that is not missing (undefined, null, blank, or a value another helper could not use) |
 * | `upper` / `lower` | `{{upper name}}` | locale-aware case ("élodie" → "ÉLODIE"; `tr`: "i" → "İ") |
 * | `title` | `{{title attributes.city}}` | "jean-pierre DUPONT" → "Jean-Pierre Dupont" (Unicode letters) |
 * | `trim` | `{{trim attributes.code}}` | without leading and trailing white space |
 * | `urlencode` | `{{urlencode attributes.ref}}` | percent-encoded, for URL-button suffixes |
 * | `date` | `{{date attributes.due "d MMMM yyyy"}}` | "5 Maret 2026" in an `id` template |
 * | `currency` | `{{currency attributes.total "IDR"}}` | "Rp 150.000" for 150000, "150.000" or "Rp 150.000" (read and shown in the 3rd argument's locale, else the campaign's; read in the currency's country's locale, IDR → id-ID, when the campaign names none: see amounts.ts) |
 *
 * `date` takes a Date, epoch milliseconds (at most ±8.64e15, what a Date can hold) or an ISO 8601
 * string naming a real day and time (years 1 to 9999; see parseIsoTimestamp), then either a
 * pattern (second argument, default "d MMM yyyy") or Intl styles (`dateStyle="long" timeStyle="short"`), and
 * options `tz="Asia/Jakarta"` and `locale="en-GB"` (defaults: the campaign's). Pattern letters:
 * yyyy yy (year), MMMM MMM MM M (month: name, short name, 2-digit, number), dd d (day),
 * EEEE EEE (weekday name, short name), HH H (hour 0-23), hh h (hour 1-12), mm (minutes),
 * ss (seconds), a (AM/PM); text in single quotes is literal ('at'), other characters pass through.
 * A string without a time zone ("2026-03-05", "2026-03-05T10:00") is a wall-clock time and is
 * shown as written; one with `Z` or an offset is an instant and is shown in `tz`.
 */

import { canonicalLocale, canonicalTimeZone, parseIsoDateTime } from '../common/validation';
import { amountExamples, localeOfCurrency, parseAmount } from './amounts';
import type { ValueRule } from './binding-problems';
import { BoundedCache } from './bounded-cache';

export const HELPER_NAMES = ['default', 'upper', 'lower', 'title', 'trim', 'urlencode', 'date', 'currency'] as const;
export type HelperName = (typeof HELPER_NAMES)[number];

export interface HelperDefaults {
  /** BCP 47 locale for names of months, number formats and case rules ("id", "en-US"). */
  locale: string;
  /** IANA time zone for dates with a time zone of their own ("Asia/Jakarta"). */
  timeZone: string;
  /**
   * The locale amounts are written in, when the campaign or preview names one; otherwise the
   * currency helper reads an amount in its currency's country's locale (IDR → id-ID), else `locale`.
   */
  numberLocale?: string;
}

/** The last argument Handlebars passes to a helper; only the hash is read. */
interface HelperOptions {
  hash?: Record<string, unknown>;
}

type Helper = (...args: unknown[]) => string | Unusable;

// ---------------------------------------------------------------------------------------------
// Values a helper cannot use

/** Why a helper could not use a value it was given; the renderer prefixes the parameter's name. */
export interface HelperIssue {
  rule: Extract<ValueRule, 'not_a_date' | 'out_of_range' | 'not_a_number' | 'invalid_value' | 'render_failed'>;
  message: string;
}

/**
 * Collects the issue of the expression being rendered (the first one wins). One per compiled
 * batch: rendering is synchronous, so the batch reads and clears it after each expression.
 */
export class IssueSink {
  issue: HelperIssue | null = null;

  report(issue: HelperIssue): void {
    this.issue ??= issue;
  }
}

/**
 * A helper's answer for a value it cannot use. `default` (and every other helper given one as an
 * argument) passes it on instead of reading it; once printed, it prints "" and reports its issue.
 * The fields are private (#), so Handlebars' `each` and `lookup` see an object with nothing in it.
 */
export class Unusable {
  readonly #issue: HelperIssue;
  readonly #sink: IssueSink | undefined;

  constructor(issue: HelperIssue, sink: IssueSink | undefined) {
    this.#issue = issue;
    this.#sink = sink;
  }

  get issue(): HelperIssue {
    return this.#issue;
  }

  [Symbol.toPrimitive](): string {
    this.#sink?.report(this.#issue);
    return '';
  }

  toString(): string {
    return this[Symbol.toPrimitive]();
  }
}

const cannot = (helper: string, rule: HelperIssue['rule'], why: string): HelperIssue => ({ rule, message: `cannot be rendered: ${helper} ${why}` });

export const HELPER_ISSUES = {
  dateOutOfRange: cannot('the date helper', 'out_of_range', 'got epoch milliseconds outside what a date can hold (at most ±8.64e15, about 273,790 years either side of 1970)'),
  dateImpossible: cannot('the date helper', 'not_a_date', 'got a day or time that does not exist (such as 30 February, 31 April or 24:00), or a year outside 1 to 9999'),
  notADate: cannot('the date helper', 'not_a_date', 'needs epoch milliseconds or an ISO 8601 date such as 2026-03-05 or 2026-03-05T10:00:00Z'),
  dateFormat: cannot('the date helper', 'invalid_value', 'got a time zone, locale or style that Intl does not know'),
  currencyAmount: cannot('the currency helper', 'not_a_number', 'got something that is not a number (such as 150000 or 1500.5)'),
  currencyCode: cannot('the currency helper', 'invalid_value', 'got a currency code (ISO 4217, such as IDR) or a locale that Intl does not know'),
  urlText: cannot('urlencode', 'invalid_value', 'got text with an unpaired UTF-16 surrogate, which has no URL encoding'),
} as const;

/** The currency helper's issue for an amount that is not a number in the locale it is read in. */
function notAnAmount(locale: string): HelperIssue {
  return cannot('the currency helper', 'not_a_number', `got an amount that is not a number as ${locale} writes one (such as ${amountExamples(locale)})`);
}

const NOT_BLANK = /\S/;

/**
 * Missing for `default` and for the empty-value rule: undefined, null, a string of only white
 * space, or a value another helper could not use (so `default` covers it).
 */
export function isMissing(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && !NOT_BLANK.test(value)) || value instanceof Unusable;
}

/** What Handlebars itself prints for a value (without escaping). */
export function display(value: unknown): string {
  return value === undefined || value === null ? '' : typeof value === 'string' ? value : String(value);
}

function hashOf(args: unknown[]): Record<string, unknown> {
  const options = args[args.length - 1] as HelperOptions | undefined;
  return options?.hash ?? {};
}

/** Positional arguments: every argument but Handlebars' options object. */
function arg(args: unknown[], index: number): unknown {
  return index < args.length - 1 ? args[index] : undefined;
}

function stringOption(hash: Record<string, unknown>, key: string): string | undefined {
  const value = hash[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The first positional argument another helper could not use, to pass on; null when there is none. */
function unusableArgument(args: unknown[]): Unusable | null {
  for (let i = 0; i < args.length - 1; i++) if (args[i] instanceof Unusable) return args[i] as Unusable;
  return null;
}

/** A helper that passes on an Unusable argument instead of reading it. */
const passingOn =
  (helper: Helper): Helper =>
  (...args) =>
    unusableArgument(args) ?? helper(...args);

/**
 * The helpers, with the campaign's defaults. `sink` receives the issue of an Unusable value when it
 * is printed (the ExpressionBatch turns it into a recipient's problem); without one it prints "".
 */
export function createHelpers(defaults: HelperDefaults, sink?: IssueSink): Record<HelperName, Helper> {
  const { locale } = defaults;
  const casing = caseMapping(locale);
  const unusable = (issue: HelperIssue) => new Unusable(issue, sink);
  return {
    default: (...args) => {
      for (let i = 0; i < args.length - 1; i++) if (!isMissing(args[i])) return display(args[i]);
      return '';
    },
    upper: passingOn((...args) => casing.upper(display(arg(args, 0)))),
    lower: passingOn((...args) => casing.lower(display(arg(args, 0)))),
    title: passingOn((...args) => titleCase(display(arg(args, 0)), casing)),
    trim: passingOn((...args) => display(arg(args, 0)).trim()),
    urlencode: passingOn((...args) => {
      try {
        return encodeURIComponent(display(arg(args, 0)));
      } catch {
        return unusable(HELPER_ISSUES.urlText); // URIError: an unpaired surrogate
      }
    }),
    date: passingOn((...args) => {
      const value = arg(args, 0);
      if (isMissing(value)) return '';
      const instant = toInstant(value);
      if ('rule' in instant) return unusable(instant);
      const hash = hashOf(args);
      const pattern = arg(args, 1);
      const text = formatDate(instant, {
        pattern: typeof pattern === 'string' ? pattern : undefined,
        dateStyle: stringOption(hash, 'dateStyle') as DateStyle | undefined,
        timeStyle: stringOption(hash, 'timeStyle') as DateStyle | undefined,
        timeZone: stringOption(hash, 'tz') ?? defaults.timeZone,
        locale: stringOption(hash, 'locale') ?? locale,
      });
      return text ?? unusable(HELPER_ISSUES.dateFormat);
    }),
    currency: passingOn((...args) => {
      const amount = arg(args, 0);
      if (isMissing(amount)) return '';
      const code = arg(args, 1);
      const explicit = arg(args, 2);
      const shownIn = typeof explicit === 'string' ? explicit : locale;
      const format = typeof code === 'string' && isCurrencyCode(code) ? currencyFormat(code, shownIn) : null;
      if (format === null) return unusable(HELPER_ISSUES.currencyCode);
      // Read in: the locale given (3rd argument, or the campaign's), else the currency's country's.
      const readIn = typeof explicit === 'string' ? explicit : (defaults.numberLocale ?? localeOfCurrency(code as string) ?? locale);
      const value = parseAmount(amount, readIn, code as string);
      if (value === null) return unusable(notAnAmount(readIn));
      return format.format(value);
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Case

export interface CaseMapping {
  upper(text: string): string;
  lower(text: string): string;
  /** Unicode's default mapping (ASCII letters map to ASCII letters). */
  simple: boolean;
}

/**
 * Unicode's default case mapping is right for every language but Turkish, Azerbaijani (dotted and
 * dotless i) and Lithuanian (dots over i with accents); only those pay for locale-aware mapping,
 * which is several times slower in V8.
 */
export function caseMapping(locale: string): CaseMapping {
  if (/^(tr|az|lt)(-|$)/i.test(locale)) {
    return { upper: (text) => text.toLocaleUpperCase(locale), lower: (text) => text.toLocaleLowerCase(locale), simple: false };
  }
  return { upper: (text) => text.toUpperCase(), lower: (text) => text.toLowerCase(), simple: true };
}

/** A letter that starts a word: after the start or after anything but a letter, digit, mark or apostrophe. */
const WORD_START = /(^|[^\p{L}\p{N}\p{M}'’])(\p{L})/gu;

const ASCII = /^[\x00-\x7f]*$/;

export function titleCase(text: string, casing: CaseMapping): string {
  const lower = casing.lower(text);
  if (casing.simple && ASCII.test(lower)) return asciiTitleCase(lower);
  return lower.replace(WORD_START, (_, before: string, letter: string) => before + casing.upper(letter));
}

/** The same rule as WORD_START for ASCII text, without a regular expression callback per word (names are mostly ASCII). */
function asciiTitleCase(lower: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < lower.length; i++) {
    const c = lower.charCodeAt(i);
    if (c >= 97 && c <= 122 && (i === 0 || !isAsciiWordChar(lower.charCodeAt(i - 1)))) {
      out += lower.slice(from, i) + String.fromCharCode(c - 32);
      from = i + 1;
    }
  }
  return from === 0 ? lower : out + lower.slice(from);
}

function isAsciiWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 39;
}

// ---------------------------------------------------------------------------------------------
// Numbers and money

const PLAIN_NUMBER = /^\s*-?\d+(?:\.\d+)?\s*$/;

/** A finite number from a number or a plain decimal string ("150000", "1500.5"); null otherwise (400 nines are Infinity, not a number). */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && PLAIN_NUMBER.test(value)) {
    const number = Number(value);
    return Number.isFinite(number) ? number : null;
  }
  return null;
}

/**
 * Formatters by the input that chose them, each cache bounded (least recently used evicted): the
 * locale, zone and pattern can come from a request or from a contact's attributes. About 46 KB
 * per Intl formatter, so a few megabytes at most; a campaign uses a handful.
 */
const numberFormats = new BoundedCache<string, Intl.NumberFormat | null>(128);
const dateFormats = new BoundedCache<string, Intl.DateTimeFormat | null>(256);
const patterns = new BoundedCache<string, PatternToken[]>(256);

/** How many entries each formatter cache holds now (for tests and diagnostics). */
export function formatterCacheSizes(): { numberFormats: number; dateFormats: number; patterns: number; capacity: { numberFormats: number; dateFormats: number; patterns: number } } {
  return {
    numberFormats: numberFormats.size,
    dateFormats: dateFormats.size,
    patterns: patterns.size,
    capacity: { numberFormats: numberFormats.capacity, dateFormats: dateFormats.capacity, patterns: patterns.capacity },
  };
}

/** A cached currency formatter; null for a code or locale Intl does not know (a locale without data included: see canonicalLocale). */
export function currencyFormat(code: string, locale: string): Intl.NumberFormat | null {
  const key = `${locale}|${code}`;
  let format = numberFormats.get(key);
  if (format === undefined) {
    try {
      format = canonicalLocale(locale) === null ? null : new Intl.NumberFormat(locale, { style: 'currency', currency: code });
    } catch {
      format = null;
    }
    numberFormats.set(key, format);
  }
  return format;
}

let currencyCodes: ReadonlySet<string> | null = null;

export function isCurrencyCode(code: string): boolean {
  currencyCodes ??= new Set(Intl.supportedValuesOf('currency'));
  return currencyCodes.has(code);
}

// ---------------------------------------------------------------------------------------------
// Dates

type DateStyle = 'full' | 'long' | 'medium' | 'short';
const DATE_STYLES: readonly string[] = ['full', 'long', 'medium', 'short'];

interface DateOptions {
  pattern?: string;
  dateStyle?: DateStyle;
  timeStyle?: DateStyle;
  timeZone: string;
  locale: string;
}

/** The largest distance from 1970 a Date holds, in milliseconds (ECMA-262 "Time Values"). */
export const MAX_TIME = 8.64e15;

/** Looks like an ISO 8601 date, so a failed parse means an impossible day or time rather than no date at all. */
const ISO_SHAPE = /^\s*\d{4}-\d{2}-\d{2}(?:$|[T ])/;

export interface Instant {
  time: number;
  /** A wall-clock time (no zone in the text): shown in UTC, i.e. as written. */
  wallClock: boolean;
}

/**
 * The instant a value names, or why it names none. Numbers are epoch milliseconds within ±MAX_TIME
 * (`new Date(1e16)` is an Invalid Date, and formatting one throws). Strings are ISO 8601 dates and
 * date-times as parseIsoTimestamp reads them: real days only ("2025-02-30" is not 2 March), years
 * 1 to 9999; without a zone they are wall-clock times.
 */
export function toInstant(value: unknown): Instant | HelperIssue {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? HELPER_ISSUES.dateOutOfRange : { time: value.getTime(), wallClock: false };
  if (typeof value === 'number') return Math.abs(value) <= MAX_TIME ? { time: value, wallClock: false } : HELPER_ISSUES.dateOutOfRange;
  if (typeof value !== 'string') return HELPER_ISSUES.notADate;
  const parsed = parseIsoDateTime(value);
  if (parsed === null) return ISO_SHAPE.test(value) ? HELPER_ISSUES.dateImpossible : HELPER_ISSUES.notADate;
  return { time: parsed.date.getTime(), wallClock: !parsed.zoned };
}

/** The Intl options behind each kind of formatter DateFields and formatDate use. */
const FORMAT_KINDS: Record<string, Intl.DateTimeFormatOptions> = {
  numeric: {
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
    numberingSystem: 'latn',
  },
  MMMM: { month: 'long', day: 'numeric' },
  MMM: { month: 'short', day: 'numeric' },
  EEEE: { weekday: 'long' },
  EEE: { weekday: 'short' },
  a: { hour: 'numeric', hour12: true },
};

/**
 * A cached formatter (creating one costs far more than using it); null for a locale or zone Intl
 * does not know. `kind` is a FORMAT_KINDS key or "style:<dateStyle>:<timeStyle>".
 */
function dateFormat(locale: string, timeZone: string, kind: string): Intl.DateTimeFormat | null {
  const key = `${locale}|${timeZone}|${kind}`;
  let format = dateFormats.get(key);
  if (format === undefined) {
    let options: Intl.DateTimeFormatOptions = FORMAT_KINDS[kind] ?? {};
    if (kind.startsWith('style:')) {
      const [, dateStyle, timeStyle] = kind.split(':');
      options = { dateStyle: (dateStyle || undefined) as DateStyle | undefined, timeStyle: (timeStyle || undefined) as DateStyle | undefined };
    }
    try {
      format = canonicalLocale(locale) === null ? null : new Intl.DateTimeFormat(locale, { ...options, timeZone });
    } catch {
      format = null;
    }
    dateFormats.set(key, format);
  }
  return format;
}

/** An IANA time zone Intl accepts, aliases included (Asia/Jakarta, UTC, Etc/GMT+7, Asia/Calcutta). */
export function isTimeZone(zone: string): boolean {
  return canonicalTimeZone(zone) !== null;
}

/** A well-formed BCP 47 locale Intl has data for (id, en-US, ms); not en_US, tr-!! or zz. */
export function isLocale(locale: string): boolean {
  return canonicalLocale(locale) !== null;
}

/** The instant as text; null when the zone, locale or style is one Intl does not know. */
export function formatDate(instant: Instant, options: DateOptions): string | null {
  const timeZone = instant.wallClock ? 'UTC' : options.timeZone;
  const date = new Date(instant.time);
  if (options.dateStyle || options.timeStyle) {
    const format = dateFormat(options.locale, timeZone, `style:${options.dateStyle ?? ''}:${options.timeStyle ?? ''}`);
    return format?.format(date) ?? null;
  }
  // Every field reads formatters of this locale and zone: if Intl refuses them, it refuses them all.
  if (dateFormat(options.locale, timeZone, 'numeric') === null) return null;
  const tokens = patternTokens(options.pattern ?? 'd MMM yyyy');
  const fields = new DateFields(date, options.locale, timeZone);
  let out = '';
  for (const token of tokens) out += token.kind === 'literal' ? token.text : fields.get(token.text);
  return out;
}

type PatternToken = { kind: 'field'; text: string } | { kind: 'literal'; text: string };

const PATTERN = /yyyy|yy|MMMM|MMM|MM|M|dd|d|EEEE|EEE|HH|H|hh|h|mm|ss|a|'[^']*'|[A-Za-z]|[^A-Za-z']+|'/g;
const FIELDS = new Set(['yyyy', 'yy', 'MMMM', 'MMM', 'MM', 'M', 'dd', 'd', 'EEEE', 'EEE', 'HH', 'H', 'hh', 'h', 'mm', 'ss', 'a']);
function patternTokens(pattern: string): PatternToken[] {
  let tokens = patterns.get(pattern);
  if (tokens) return tokens;
  tokens = [];
  for (const [text] of pattern.matchAll(PATTERN)) {
    if (FIELDS.has(text)) tokens.push({ kind: 'field', text });
    else if (text.startsWith("'") && text.length > 1) tokens.push({ kind: 'literal', text: text.slice(1, -1) });
    else tokens.push({ kind: 'literal', text });
  }
  patterns.set(pattern, tokens);
  return tokens;
}

/** Letters of a pattern that are not fields (a typo such as "YYYY" or "DD"), for compile-time checks. */
export function unknownPatternLetters(pattern: string): string[] {
  const unknown = new Set<string>();
  for (const [text] of pattern.matchAll(PATTERN)) if (/^[A-Za-z]+$/.test(text) && !FIELDS.has(text)) unknown.add(text);
  return [...unknown];
}

export function isDateStyle(value: string): boolean {
  return DATE_STYLES.includes(value);
}

/** The parts of one date in one locale and zone, computed on first use. */
class DateFields {
  private numeric?: Record<string, string>;

  constructor(
    private readonly date: Date,
    private readonly locale: string,
    private readonly timeZone: string,
  ) {}

  get(field: string): string {
    switch (field) {
      case 'yyyy':
        return this.part('year');
      case 'yy':
        return this.part('year').slice(-2);
      case 'MM':
        return this.part('month').padStart(2, '0');
      case 'M':
        return String(Number(this.part('month')));
      case 'dd':
        return this.part('day').padStart(2, '0');
      case 'd':
        return String(Number(this.part('day')));
      case 'HH':
        return this.part('hour').padStart(2, '0');
      case 'H':
        return String(Number(this.part('hour')));
      case 'hh':
        return String(((Number(this.part('hour')) + 11) % 12) + 1).padStart(2, '0');
      case 'h':
        return String(((Number(this.part('hour')) + 11) % 12) + 1);
      case 'mm':
        return this.part('minute').padStart(2, '0');
      case 'ss':
        return this.part('second').padStart(2, '0');
      case 'MMMM':
      case 'MMM':
        return this.named(field, 'month');
      case 'EEEE':
      case 'EEE':
        return this.named(field, 'weekday');
      case 'a':
        return this.named(field, 'dayPeriod');
      default:
        return field;
    }
  }

  private part(type: string): string {
    if (!this.numeric) {
      const format = dateFormat(this.locale, this.timeZone, 'numeric');
      this.numeric = {};
      for (const p of format?.formatToParts(this.date) ?? []) this.numeric[p.type] = p.value;
    }
    return this.numeric[type] ?? '';
  }

  /** A name in context ("Maret" in "5 Maret"), as the locale writes it next to a day. */
  private named(kind: string, type: string): string {
    const format = dateFormat(this.locale, this.timeZone, kind);
    return format?.formatToParts(this.date).find((p) => p.type === type)?.value ?? '';
  }
}
