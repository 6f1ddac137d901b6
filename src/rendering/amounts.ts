import { NumberParser } from '@internationalized/number';
import { canonicalLocale } from '../common/validation';
import { BoundedCache } from './bounded-cache';

/**
 * Amounts as people write them, read in a locale: "150.000" is one hundred fifty thousand in id-ID
 * and one hundred fifty in en-US; "Rp 4.880.000" is 4880000 in id-ID. Parsing is
 * @internationalized/number's NumberParser (Adobe's React Spectrum: CLDR symbols through Intl, every
 * numbering system, currency symbols and codes), plus one rule of ours: grouping separators must sit
 * where the locale puts them. NumberParser reads "1.50" and "1500.5" in id-ID as 150 and 15005
 * (it drops misplaced group separators); a value written for another locale must be refused, not
 * read as another amount, so those are not numbers here.
 *
 * The locale is never guessed from the shape of the value ("1.500" is 1500 in id-ID and 1.5 in
 * en-US, whatever the digits look like): it is the one given, else the currency's country's
 * (IDR → id-ID), else the contact's country's, else the template's language (see `amountLocale`).
 */

/** Parsers by locale and currency; a campaign uses one or two, the cache only bounds hostile input. */
const parsers = new BoundedCache<string, NumberParser[] | null>(64);
const groupings = new BoundedCache<string, { format: Intl.NumberFormat; decimal: string } | null>(64);

const PLAIN_INTEGER = /^-?\d{1,15}$/;

/** Decimal digits of any numbering system, in runs. */
const DIGIT_RUN = /\p{Nd}+/gu;

/**
 * A finite number read from `value` in `locale`: a JS number as it is; a string written the
 * locale's way, with a sign, grouping, decimals and (when `currency` is given) the currency's symbol
 * or ISO code ("Rp 4.880.000", "IDR 150.000"). null when it is not a number in that locale
 * (letters, misplaced grouping such as "1.50" in id-ID, a locale Intl does not know), or when it is
 * missing.
 */
export function parseAmount(value: unknown, locale: string, currency?: string): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (text === '') return null;
  const list = parsersFor(locale, currency);
  if (list === null) return null;
  // Whole numbers without separators read the same in every locale: no parsing (the common case).
  if (PLAIN_INTEGER.test(text)) return Number(text);
  for (const parser of list) {
    const number = parser.parse(text);
    if (Number.isFinite(number) && groupedAsLocale(text, number, locale)) return number;
  }
  return null;
}

function parsersFor(locale: string, currency: string | undefined): NumberParser[] | null {
  const key = `${locale}|${currency ?? ''}`;
  let list = parsers.get(key);
  if (list === undefined) {
    try {
      if (canonicalLocale(locale) === null) list = null;
      else if (currency === undefined) list = [new NumberParser(locale, { style: 'decimal' })];
      else {
        list = [
          new NumberParser(locale, { style: 'currency', currency, currencyDisplay: 'symbol' }),
          new NumberParser(locale, { style: 'currency', currency, currencyDisplay: 'code' }),
        ];
      }
    } catch {
      list = null;
    }
    parsers.set(key, list);
  }
  return list;
}

/**
 * Whether the digits before the decimal separator are grouped as the locale groups them (or not
 * grouped at all), and those after it not at all: "4.880.000" in id-ID, "1,23,456" in hi-IN; not
 * "1.50" nor "1500.5" in id-ID, nor "1.500,25" in en-IE.
 */
function groupedAsLocale(text: string, number: number, locale: string): boolean {
  const grouping = groupingOf(locale);
  if (grouping === null) return false;
  const at = text.lastIndexOf(grouping.decimal);
  const integer = at === -1 ? text : text.slice(0, at);
  // Nothing groups decimals: "1.500,25" in en-IE is not 1.50025.
  if (at !== -1 && (text.slice(at + grouping.decimal.length).match(DIGIT_RUN) ?? []).length > 1) return false;
  const runs = integer.match(DIGIT_RUN) ?? [];
  if (runs.length <= 1) return true;
  const expected = grouping.format.format(Math.trunc(Math.abs(number))).match(DIGIT_RUN) ?? [];
  return runs.length === expected.length && runs.every((run, i) => run.length === expected[i].length);
}

/** How a locale groups whole numbers (every group shown), and its decimal separator. */
function groupingOf(locale: string): { format: Intl.NumberFormat; decimal: string } | null {
  let grouping = groupings.get(locale);
  if (grouping === undefined) {
    try {
      const decimal = new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value ?? '.';
      const format = new Intl.NumberFormat(locale, { useGrouping: 'always', maximumFractionDigits: 0 } as Intl.NumberFormatOptions);
      grouping = { format, decimal };
    } catch {
      grouping = null;
    }
    groupings.set(locale, grouping);
  }
  return grouping;
}

const localesOfCountries = new BoundedCache<string, string | null>(256);

/**
 * The locale people in a country most likely write numbers in (CLDR's likely subtags through
 * Intl.Locale): ID → id-ID, MY → ms-MY, BR → pt-BR, US → en-US. null for a code that names no
 * country Intl knows.
 */
export function localeOfCountry(country: string | null | undefined): string | null {
  if (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country)) return null;
  let locale = localesOfCountries.get(country);
  if (locale === undefined) {
    try {
      const likely = new Intl.Locale(`und-${country}`).maximize();
      locale = likely.region === country ? `${likely.language}-${country}` : null;
    } catch {
      locale = null;
    }
    if (locale !== null && canonicalLocale(locale) === null) locale = null;
    localesOfCountries.set(country, locale);
  }
  return locale;
}

/**
 * The locale of a national currency's country: ISO 4217 takes a national currency's first two
 * letters from its country's ISO 3166 code (IDR → ID → id-ID, MYR → ms-MY, USD → en-US). None for
 * currencies of several countries (EUR, and the X… codes: XOF, XAF, XCD…), which say nothing of how
 * their amounts are written.
 */
export function localeOfCurrency(code: string | null | undefined): string | null {
  if (typeof code !== 'string' || !/^[A-Z]{3}$/.test(code) || code === 'EUR' || code.startsWith('X')) return null;
  return localeOfCountry(code.slice(0, 2));
}

/**
 * The locale an amount is read in: the one given (on the binding, or the campaign's or preview's),
 * else the currency's (IDR → id-ID), else the contact's country's, else `fallback` (the template's
 * language).
 */
export function amountLocale(given: string | undefined, currency: string | undefined, country: string | null | undefined, fallback: string): string {
  return given ?? localeOfCurrency(currency) ?? localeOfCountry(country) ?? fallback;
}

/** Examples of numbers as a locale writes them, for messages: "150.000 or 1.500,5" in id-ID. */
export function amountExamples(locale: string): string {
  try {
    const format = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    return `${format.format(150000)} or ${format.format(1500.5)}`;
  } catch {
    return '150000 or 1500.5';
  }
}
