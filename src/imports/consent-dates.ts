import { DateTime, FixedOffsetZone, IANAZone, Zone } from 'luxon';
import { canonicalTimeZone as canonicalZoneName } from '../common/validation';

/**
 * Reading consent dates (`opt_in_at`) as people write them, without guessing (issue 9, section 3).
 * Parsing and zone arithmetic are Luxon's (IANA zones through the platform's Intl data; explicit
 * formats through a parser built once per import), never hand-written offsets.
 *
 * - A date with an explicit offset or `Z` (`2026-03-01T08:00:00+07:00`) is taken as written.
 * - A date without one is wall-clock time in the import's zone: `timeZone`, else the zone of
 *   `defaultCountry` when that country has exactly one (`countryTimeZone`). Without a zone it is
 *   not read (`opt_in_at_no_time_zone`): never silently UTC.
 * - ISO dates (`2025-11-03`, `2025-11-03 14:30`, `2025-11-03T14:30:00`) are always read.
 * - Day/month dates (`27/04/2024`, `03.11.2025`) are read only with `dateFormat`; without it they are
 *   not guessed (`opt_in_at_needs_date_format`), even when only one reading is possible: a file
 *   whose first ambiguous date would be read one way and its next unambiguous one the other way
 *   is worse than a warning that asks for the format once.
 * - Years before 1900 are refused (`opt_in_at_year_out_of_range`): `0024` is a two-digit year gone
 *   wrong, and no reading of it (24, 1924 or 2024) is safe. Two-digit years are not accepted at all.
 */

export type DateProblem = 'opt_in_at_invalid' | 'opt_in_at_no_time_zone' | 'opt_in_at_needs_date_format' | 'opt_in_at_year_out_of_range';

/** The earliest year a consent date may have. */
const MIN_YEAR = 1900;

/** ISO 8601 calendar dates, optionally with a time (`T` or a space) and an offset. */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
/** A day/month date in any order with `/`, `.` or `-` (and perhaps a time): needs dateFormat. */
const DAY_MONTH = /^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?:[ T]\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?$/;

/**
 * The accepted `dateFormat` values: a date of `DD` (or `D`), `MM` (or `M`) and `YYYY` in the order
 * day-month-year, month-day-year or year-month-day, separated by `/`, `.` or `-` (the same one
 * twice), optionally followed by a space and `HH:mm` or `HH:mm:ss`. `DD` and `D` read the same
 * (one or two digits), as do `MM` and `M`: spreadsheets drop leading zeros. A cell may always add a
 * time (`HH:mm` or `HH:mm:ss` after a space) to a date-only format, and ISO dates are read whatever
 * the format.
 */
const DATE_FORMAT =
  /^(?:(DD?)([/.-])(MM?)\2YYYY|(MM?)([/.-])(DD?)\5YYYY|YYYY([/.-])(MM?)\7(DD?))(?: HH:mm(?::ss)?)?$/;

/** Whether `format` is an accepted `dateFormat` (see DATE_FORMAT). */
export function isDateFormat(format: string): boolean {
  return DATE_FORMAT.test(format);
}

/** The Luxon formats that read a cell written in `dateFormat`: the date alone, with `H:mm`, with `H:mm:ss`. */
export function luxonFormats(dateFormat: string): string[] {
  const date = dateFormat.split(' ')[0];
  const luxon = date.replace(/YYYY/, 'yyyy').replace(/DD?/, 'd').replace(/MM?/, 'M');
  return [luxon, `${luxon} H:mm`, `${luxon} H:mm:ss`];
}

/**
 * The IANA zone `name` stands for, in its canonical spelling (`asia/jakarta` → `Asia/Jakarta`), or
 * undefined when it is not a zone this platform knows: the project's own check
 * (common/validation.ts), and a name, never an offset (`+07:00`, `UTC+7`: Intl accepts some offsets
 * as zones, which would read every date at a fixed offset, without the zone's rules).
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (!/^[A-Za-z]/.test(name) || !IANAZone.isValidZone(name)) return undefined;
  return canonicalZoneName(name) ?? undefined;
}

/**
 * The country's time zone when it has exactly one, from CLDR's territory → zones data as the
 * platform's ICU ships it (`Intl.Locale#getTimeZones`, `timeZones` before Node 22). Indonesia has
 * four (Jakarta, Pontianak, Makassar, Jayapura), the United States 29: undefined; Singapore and
 * Thailand have one.
 */
export function countryTimeZone(country: string | null | undefined): string | undefined {
  if (!country) return undefined;
  try {
    const locale = new Intl.Locale(`und-${country}`) as Intl.Locale & { getTimeZones?: () => string[]; timeZones?: string[] };
    const zones = locale.getTimeZones?.() ?? locale.timeZones;
    return zones && zones.length === 1 ? canonicalTimeZone(zones[0]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads consent dates for one import. Build it once per import (it holds the zone and the format
 * parsers); `read` returns ms since the epoch or the problem. Repeated texts (an export date, a
 * campaign day) are parsed once.
 */
export class ConsentDateReader {
  private readonly zone: Zone | undefined;
  private readonly parsers: ReturnType<typeof DateTime.buildFormatParser>[];
  private lastText = '';
  private lastResult: number | DateProblem = 'opt_in_at_invalid';

  /** `timeZone`: the zone for dates without one (undefined: such dates are not read). */
  constructor(timeZone: string | undefined, dateFormat: string | undefined) {
    this.zone = timeZone ? IANAZone.create(timeZone) : undefined;
    this.parsers = dateFormat ? luxonFormats(dateFormat).map((f) => DateTime.buildFormatParser(f, { locale: 'en-US' })) : [];
  }

  read(text: string): number | DateProblem {
    if (text !== this.lastText) {
      this.lastText = text;
      this.lastResult = this.parse(text);
    }
    return this.lastResult;
  }

  private parse(text: string): number | DateProblem {
    const iso = ISO.exec(text);
    if (iso) return this.iso(iso);
    if (this.parsers.length > 0) {
      if (!this.zone) return 'opt_in_at_no_time_zone';
      for (const parser of this.parsers) {
        const time = DateTime.fromFormatParser(text, parser, { zone: this.zone });
        if (time.isValid) return checked(time);
      }
      return 'opt_in_at_invalid';
    }
    return DAY_MONTH.test(text) ? 'opt_in_at_needs_date_format' : 'opt_in_at_invalid';
  }

  private iso(m: RegExpExecArray): number | DateProblem {
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', offset] = m;
    let zone: Zone | undefined = this.zone;
    if (offset) {
      const minutes = offsetMinutes(offset);
      if (minutes === null) return 'opt_in_at_invalid';
      zone = FixedOffsetZone.instance(minutes);
    }
    const time = DateTime.fromObject(
      {
        year: Number(y),
        month: Number(mo),
        day: Number(d),
        hour: Number(h),
        minute: Number(mi),
        second: Number(s),
        millisecond: Math.floor(Number(`0.${frac}`) * 1000),
      },
      { zone: zone ?? FixedOffsetZone.utcInstance },
    );
    if (!time.isValid) return 'opt_in_at_invalid';
    // A real date, but which moment it was depends on a zone we do not have.
    if (!zone) return time.year < MIN_YEAR ? 'opt_in_at_year_out_of_range' : 'opt_in_at_no_time_zone';
    return checked(time);
  }
}

function checked(time: DateTime): number | DateProblem {
  return time.year < MIN_YEAR ? 'opt_in_at_year_out_of_range' : time.toMillis();
}

/** `Z`, `+07`, `+0700`, `+07:00` → minutes east of UTC; null beyond ±14:00. */
function offsetMinutes(offset: string): number | null {
  if (offset.toUpperCase() === 'Z') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (minutes > 59 || hours * 60 + minutes > 14 * 60) return null;
  return sign * (hours * 60 + minutes);
}
