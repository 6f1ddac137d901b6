import {
  CountryCode,
  getCountryCallingCode,
  isSupportedCountry,
  ParseError,
  parsePhoneNumberWithError,
  PhoneNumber,
  validatePhoneNumberLength,
} from 'libphonenumber-js/max';
import { identityOfWaId } from './wa-id';

/** Why a phone number was refused. Stable: these codes appear in import reports. */
export type PhoneRejection =
  | 'phone_missing'
  | 'phone_not_a_number'
  | 'phone_country_unknown'
  | 'phone_too_short'
  | 'phone_too_long'
  | 'phone_invalid_length'
  | 'phone_invalid'
  | 'phone_has_extension'
  | 'phone_digits_lost'
  | 'phone_has_decimal_point';

export type NormalisedPhone =
  | { ok: true; e164: string; country: string | null }
  | { ok: false; reason: PhoneRejection; message: string };

const MESSAGES: Record<PhoneRejection, string> = {
  phone_missing: 'no phone number',
  phone_not_a_number: 'not a phone number',
  phone_country_unknown: 'national number without a country: give it with + and country code, or set defaultCountry',
  phone_too_short: 'too short for its country',
  phone_too_long: 'too long for its country',
  phone_invalid_length: 'wrong length for its country',
  phone_invalid: 'not a valid number in its country',
  phone_has_extension: 'has an extension; WhatsApp numbers have none',
  phone_digits_lost:
    'written in scientific notation (6.28123E+12) by a spreadsheet: its last digits are lost; format the column as text and export again',
  phone_has_decimal_point:
    'has a decimal point, as a spreadsheet writes a number: format the column as text and export again',
};

/**
 * A phone cell that a spreadsheet turned into a number (Excel, LibreOffice and Google Sheets write
 * numeric cells so in CSV). Scientific notation keeps only about six significant digits, so the
 * number cannot be recovered; `.` or `,` is a decimal separator in the exporter's locale.
 */
const SCIENTIFIC = /^[+-]?\d+(?:[.,]\d+)?\s*e\s*[+-]?\d+$/i;
/** A whole number written with zero decimals (`6281234400013.0`, `.00`): the digits before them are exact. */
const ZERO_DECIMAL = /^(\+?\d+)[.,]0+$/;
/** Any other separator between two digits that a locale uses for decimals. */
const DECIMAL_POINT = /\d[.,]\d/;

const LENGTH_REASONS: Record<string, PhoneRejection> = {
  NOT_A_NUMBER: 'phone_not_a_number',
  INVALID_COUNTRY: 'phone_country_unknown',
  TOO_SHORT: 'phone_too_short',
  TOO_LONG: 'phone_too_long',
  INVALID_LENGTH: 'phone_invalid_length',
};

const FORMATTING = /[\s\-().\/\u00a0\u2010-\u2015]/g;

export function isCountryCode(value: string): value is CountryCode {
  return /^[A-Z]{2}$/.test(value) && isSupportedCountry(value);
}

function reject(reason: PhoneRejection): NormalisedPhone {
  return { ok: false, reason, message: MESSAGES[reason] };
}

function attempt(text: string, defaultCountry: CountryCode | undefined): { phone?: PhoneNumber; reason?: PhoneRejection } {
  try {
    const phone = parsePhoneNumberWithError(text, { defaultCountry, extract: false });
    if (phone.isValid()) return { phone };
    const length = validatePhoneNumberLength(text, defaultCountry);
    return { reason: (length && LENGTH_REASONS[length]) || 'phone_invalid' };
  } catch (error) {
    const code = error instanceof ParseError ? error.message : 'NOT_A_NUMBER';
    return { reason: LENGTH_REASONS[code] ?? 'phone_not_a_number' };
  }
}

/**
 * Normalises a phone number to E.164 with libphonenumber's full metadata, so a number must be valid
 * for its country, not merely of a plausible length.
 *
 * - `+62 812-3456-7890` is international whatever the default country.
 * - With a default country, national formats (`0812-3456-7890`) and the country code without `+`
 *   (`6281234567890`) resolve for that country. `00` followed by a country code is tried as
 *   international when the national reading is not valid (Indonesia's own international prefixes
 *   are 001/007/008, so libphonenumber would not read `0062…` as international there).
 * - Without a default country, a number must be international (`+…` or `00…`).
 * - Leading apostrophes (a spreadsheet's text mark) are ignored.
 * - A number a spreadsheet wrote as a number: zero decimals at the end (`.0`, `,00`) are removed;
 *   scientific notation is refused (`phone_digits_lost`: digits are gone), and so is any other
 *   `.` or `,` between digits (`phone_has_decimal_point`), never dropped as formatting.
 */
export function normalisePhone(raw: string | null | undefined, defaultCountry?: CountryCode): NormalisedPhone {
  // A leading apostrophe marks a cell as text: spreadsheets keep `'+62…` so, and our own CSV files
  // add one before a cell starting with `+` (src/common/csv.ts), so rejected.csv can be fixed and
  // uploaded again. A phone never starts with one.
  const unquoted = (raw ?? '').trim().replace(/^'+/, '').trim();
  if (unquoted === '') return reject('phone_missing');
  // Never turn a number a spreadsheet mangled into another valid number (a stranger, opted in).
  if (SCIENTIFIC.test(unquoted)) return reject('phone_digits_lost');
  const trimmed = unquoted.replace(ZERO_DECIMAL, '$1');
  if (DECIMAL_POINT.test(trimmed)) return reject('phone_has_decimal_point');
  const cleaned = trimmed.replace(FORMATTING, '');
  if (!/^\+?[0-9]/.test(cleaned)) return reject('phone_not_a_number');

  const candidates: Array<[string, CountryCode | undefined]> = [];
  if (cleaned.startsWith('+')) {
    candidates.push([cleaned, undefined]);
  } else if (defaultCountry) {
    candidates.push([cleaned, defaultCountry]);
    if (cleaned.startsWith('00')) candidates.push([`+${cleaned.slice(2)}`, undefined]);
  } else {
    candidates.push([cleaned.startsWith('00') ? `+${cleaned.slice(2)}` : `+${cleaned}`, undefined]);
  }

  let firstReason: PhoneRejection | undefined;
  for (const [text, country] of candidates) {
    // Extensions are parsed from the original text: cleaning removed the separators they need.
    const { phone, reason } = attempt(text, country);
    if (phone) {
      if (phone.ext || /(?:ext|x|#)\.?\s*\d+\s*$/i.test(trimmed)) return reject('phone_has_extension');
      return { ok: true, e164: phone.number, country: phone.country ?? null };
    }
    firstReason ??= reason;
  }
  // The forms WhatsApp uses as wa_ids, which address books and old exports still hold (the one
  // list of them: src/contacts/wa-id.ts): Mexico's mobiles before the 2019 numbering reform,
  // +52 1 + 10 digits, which libphonenumber refuses as too long, and Brazil's before the ninth
  // digit (area code + 8 digits starting 6 – 9; landlines start 2 – 5). Each is the same line as
  // the current form. Only when written as international (+ or 00) or starting with the default
  // country's calling code: otherwise 521… is another country's number.
  const digits = cleaned.replace(/^(?:\+|00)/, '');
  const international = digits !== cleaned || (defaultCountry !== undefined && digits.startsWith(getCountryCallingCode(defaultCountry)));
  if (international && /^[1-9]\d{5,14}$/.test(digits)) {
    for (const form of identityOfWaId(digits).phones) {
      const { phone } = attempt(form, undefined);
      if (phone) return { ok: true, e164: phone.number, country: phone.country ?? null };
    }
  }
  return reject(firstReason ?? 'phone_invalid');
}

