/**
 * The Handlebars helpers a binding may use. Each is a pure function of its arguments and of the
 * campaign's locale and time zone; none throws on data (bad data renders empty, and the empty-value
 * rule reports it for that recipient), and none escapes anything: WhatsApp text is not HTML.
 *
 * | helper | example | result |
 * | --- | --- | --- |
 * | `default` | `{{default attributes.city "Jakarta"}}` | the first argument that is not missing (undefined, null or blank) |
 * | `upper` / `lower` | `{{upper name}}` | locale-aware case ("élodie" → "ÉLODIE"; `tr`: "i" → "İ") |
 * | `title` | `{{title attributes.city}}` | "jean-pierre DUPONT" → "Jean-Pierre Dupont" (Unicode letters) |
 * | `trim` | `{{trim attributes.code}}` | without leading and trailing white space |
 * | `urlencode` | `{{urlencode attributes.ref}}` | percent-encoded, for URL-button suffixes |
 * | `date` | `{{date attributes.due "d MMMM yyyy"}}` | "5 Maret 2026" in an `id` template |
 * | `currency` | `{{currency attributes.total "IDR"}}` | "Rp 150.000,00" (locale: 3rd argument or the campaign's) |
 *
 * `date` takes a Date, epoch milliseconds or an ISO 8601 string, then either a pattern (second
 * argument, default "d MMM yyyy") or Intl styles (`dateStyle="long" timeStyle="short"`), and
 * options `tz="Asia/Jakarta"` and `locale="en-GB"` (defaults: the campaign's). Pattern letters:
 * yyyy yy (year), MMMM MMM MM M (month: name, short name, 2-digit, number), dd d (day),
 * EEEE EEE (weekday name, short name), HH H (hour 0-23), hh h (hour 1-12), mm (minutes),
 * ss (seconds), a (AM/PM); text in single quotes is literal ('at'), other characters pass through.
 * A string without a time zone ("2026-03-05", "2026-03-05T10:00") is a wall-clock time and is
 * shown as written; one with `Z` or an offset is an instant and is shown in `tz`.
 */

import { canonicalLocale, canonicalTimeZone } from '../common/validation';
import { BoundedCache } from './bounded-cache';

export const HELPER_NAMES = ['default', 'upper', 'lower', 'title', 'trim', 'urlencode', 'date', 'currency'] as const;
export type HelperName = (typeof HELPER_NAMES)[number];

export interface HelperDefaults {
  /** BCP 47 locale for names of months, number formats and case rules ("id", "en-US"). */
  locale: string;
  /** IANA time zone for dates with a time zone of their own ("Asia/Jakarta"). */
  timeZone: string;
}

/** The last argument Handlebars passes to a helper; only the hash is read. */
interface HelperOptions {
  hash?: Record<string, unknown>;
}

type Helper = (...args: unknown[]) => string;

const NOT_BLANK = /\S/;

/** Missing for `default` and for the empty-value rule: undefined, null, or a string of only white space. */
export function isMissing(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && !NOT_BLANK.test(value));
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

export function createHelpers(defaults: HelperDefaults): Record<HelperName, Helper> {
  const { locale } = defaults;
  const casing = caseMapping(locale);
  return {
    default: (...args) => {
      for (let i = 0; i < args.length - 1; i++) if (!isMissing(args[i])) return display(args[i]);
      return '';
    },
    upper: (...args) => casing.upper(display(arg(args, 0))),
    lower: (...args) => casing.lower(display(arg(args, 0))),
    title: (...args) => titleCase(display(arg(args, 0)), casing),
    trim: (...args) => display(arg(args, 0)).trim(),
    urlencode: (...args) => encodeURIComponent(display(arg(args, 0))),
    date: (...args) => {
      const hash = hashOf(args);
      const pattern = arg(args, 1);
      return formatDate(arg(args, 0), {
        pattern: typeof pattern === 'string' ? pattern : undefined,
        dateStyle: stringOption(hash, 'dateStyle') as DateStyle | undefined,
        timeStyle: stringOption(hash, 'timeStyle') as DateStyle | undefined,
        timeZone: stringOption(hash, 'tz') ?? defaults.timeZone,
        locale: stringOption(hash, 'locale') ?? locale,
      });
    },
    currency: (...args) => {
      const code = arg(args, 1);
      const explicit = arg(args, 2);
      return formatCurrency(arg(args, 0), typeof code === 'string' ? code : '', typeof explicit === 'string' ? explicit : locale);
    },
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

/** A number from a number or a plain decimal string ("150000", "1500.5"); null otherwise. */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && PLAIN_NUMBER.test(value)) return Number(value);
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

/** A cached currency formatter; null for a code or locale Intl does not know. */
export function currencyFormat(code: string, locale: string): Intl.NumberFormat | null {
  const key = `${locale}|${code}`;
  let format = numberFormats.get(key);
  if (format === undefined) {
    try {
      format = new Intl.NumberFormat(locale, { style: 'currency', currency: code });
    } catch {
      format = null;
    }
    numberFormats.set(key, format);
  }
  return format;
}

export function formatCurrency(amount: unknown, code: string, locale: string): string {
  const value = toNumber(amount);
  if (value === null) return '';
  return currencyFormat(code, locale)?.format(value) ?? '';
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

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$/;
const ZONED_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** The instant, and whether it is a wall-clock time (shown in UTC, i.e. as written). */
export function toInstant(value: unknown): { time: number; wallClock: boolean } | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : { time: value.getTime(), wallClock: false };
  if (typeof value === 'number') return Number.isFinite(value) ? { time: value, wallClock: false } : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  let time = Number.NaN;
  let wallClock = false;
  if (DATE_ONLY.test(text)) {
    time = Date.parse(`${text}T00:00:00Z`);
    wallClock = true;
  } else if (LOCAL_DATE_TIME.test(text)) {
    time = Date.parse(`${text.replace(' ', 'T')}Z`);
    wallClock = true;
  } else if (ZONED_DATE_TIME.test(text)) {
    time = Date.parse(text.replace(' ', 'T'));
  }
  return Number.isNaN(time) ? null : { time, wallClock };
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
      format = new Intl.DateTimeFormat(locale, { ...options, timeZone });
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

/** A well-formed BCP 47 locale (id, en-US); not en_US, not tr-!!. */
export function isLocale(locale: string): boolean {
  return canonicalLocale(locale) !== null;
}

export function formatDate(value: unknown, options: DateOptions): string {
  const instant = toInstant(value);
  if (instant === null) return '';
  const timeZone = instant.wallClock ? 'UTC' : options.timeZone;
  const date = new Date(instant.time);
  if (options.dateStyle || options.timeStyle) {
    const format = dateFormat(options.locale, timeZone, `style:${options.dateStyle ?? ''}:${options.timeStyle ?? ''}`);
    return format?.format(date) ?? '';
  }
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
