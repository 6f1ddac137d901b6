import { CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { HeaderMapping } from './csv-header';
import { ConsentDateReader, DateProblem } from './consent-dates';
import { normalisePhone, NormalisedPhone, PhoneRejection } from '../contacts/phone';

/**
 * Turning parsed CSV records into rows of the import's staging table, in PostgreSQL's COPY text
 * format. This runs in worker threads (see row-pool.ts), so everything here is plain data in, plain
 * text out.
 */

/** Why a row was not imported. Stable: these codes appear in rejected.csv. */
export type RowRejection = PhoneRejection | 'column_count_mismatch' | 'tag_too_long';

/**
 * Why an imported row is listed in warnings.csv: it was imported, but not entirely as written.
 * Stable codes. A consent cell that cannot be read never loses the contact: the contact is
 * imported without that consent event (an opt-out whose date cannot be read is still recorded, as
 * of the import, as an undated opt-out is: a "no" is never dropped).
 */
export type RowWarning = DateProblem | 'opt_in_invalid' | 'opt_in_at_in_future' | 'phone_several_numbers';

/** Messages for the report; reasons no longer produced stay readable for earlier imports' reports. */
export const REJECTION_MESSAGES: Record<RowRejection | 'opt_in_invalid' | 'opt_in_at_invalid' | 'opt_in_at_in_future', string> = {
  phone_missing: 'no phone number',
  phone_not_a_number: 'the phone is not a number',
  phone_country_unknown: 'national phone number and no defaultCountry given',
  phone_too_short: 'phone number too short for its country',
  phone_too_long: 'phone number too long for its country',
  phone_invalid_length: 'phone number of the wrong length for its country',
  phone_invalid: 'not a valid phone number in its country',
  phone_has_extension: 'phone number with an extension',
  phone_digits_lost: 'phone in scientific notation (a spreadsheet turned it into a number): digits were lost; format the column as text',
  phone_has_decimal_point: 'phone with a decimal point (a spreadsheet turned it into a number); format the column as text',
  column_count_mismatch: 'the row has a different number of columns than the header',
  opt_in_invalid: 'opt_in is not one of yes/no/true/false/1/0/y/n/ya/tidak',
  opt_in_at_invalid: 'opt_in_at is not an ISO 8601 date or date-time',
  opt_in_at_in_future: 'opt_in_at is in the future',
  tag_too_long: 'a tag is longer than 64 characters',
};

export const WARNING_MESSAGES: Record<RowWarning, string> = {
  opt_in_invalid: 'opt_in is not one of yes/no/true/false/1/0/y/n/ya/tidak: the contact is imported without this consent',
  opt_in_at_invalid: 'opt_in_at is not a date in ISO 8601 (2025-04-27 08:00) or in the import\'s dateFormat: the contact is imported without this consent (an opt-out is recorded as of the import)',
  opt_in_at_in_future: 'opt_in_at is in the future: the contact is imported without this consent (an opt-out is recorded as of the import)',
  opt_in_at_no_time_zone:
    'opt_in_at has no time zone and the import has none (its country has several, or none was given): upload again with timeZone (e.g. Asia/Jakarta), or write the offset (2026-03-01T08:00:00+07:00); the contact is imported without this consent (an opt-out is recorded as of the import)',
  opt_in_at_needs_date_format:
    'opt_in_at is a day/month date and the import has no dateFormat, so it is not guessed: upload again with dateFormat (e.g. DD/MM/YYYY); the contact is imported without this consent (an opt-out is recorded as of the import)',
  opt_in_at_year_out_of_range:
    'opt_in_at has a year before 1900 (a two-digit year?); it is not read as any century: the contact is imported without this consent (an opt-out is recorded as of the import)',
  phone_several_numbers:
    'the phone cell holds several numbers: the first valid mobile number was taken, the others are kept in the attribute other_phones',
};

/** The attribute that keeps the other numbers of a phone cell that held several. */
export const OTHER_PHONES_ATTRIBUTE = 'other_phones';

/** What every row of one import shares. Structured-cloneable: it is sent to the worker threads. */
export interface RowContext {
  mapping: HeaderMapping;
  defaultCountry?: CountryCode;
  /** Tags given with the upload, added to every row. */
  tags: string[];
  /** Times after this (ms since epoch) are "in the future". */
  latestAcceptedTime: number;
  /** The zone of consent dates written without one: the upload's timeZone, else the default country's only zone. */
  timeZone?: string;
  /** The upload's dateFormat (see consent-dates.ts). */
  dateFormat?: string;
}

/** Columns of the staging table, in COPY order. */
export const STAGING_COLUMNS = [
  'line',
  'phone',
  'country',
  'name',
  'attributes',
  'tags',
  'consent_kind',
  'consent_at',
  'evidence_ref',
  'wording',
  'reject',
  'fields',
  'warnings',
] as const;

export interface BatchResult {
  /** COPY text, UTF-8 encoded: it crosses from the worker thread by transfer, not by copy. */
  copy: Uint8Array;
  accepted: number;
  rejected: number;
  /** Warnings on accepted rows (a row may have more than one). */
  warnings: number;
  /**
   * The accepted rows' phones as numbers (E.164 digits: at most 15, exact in a double), for the
   * importer to find phones on several rows without another pass over the staging table.
   */
  phones: Float64Array;
}

const utf8 = new TextEncoder();

const YES = new Set(['yes', 'true', '1', 'y', 'ya']);
const NO = new Set(['no', 'false', '0', 'n', 'tidak']);
const NULL = '\\N';
const FIELD = '\0';
const TAG_SPLIT = /[,;|]/;

/**
 * Packs records for a worker thread: `line \0 count \0 field… \0` per record. NUL cannot occur in
 * an accepted file (the upload refuses it), so it is a safe separator; one string crosses the
 * thread boundary far cheaper than an array of arrays.
 */
export class RecordBatcher {
  private parts: string[] = [];
  private count = 0;
  private chars = 0;

  /** A batch is full at `maxRecords` records or `maxChars` characters, whichever comes first. */
  constructor(
    private readonly maxRecords: number,
    private readonly maxChars = 512 * 1024,
  ) {}

  /** Adds a record; returns a full batch when one is ready. */
  add(fields: string[], line: number): string | null {
    const part = `${line}${FIELD}${fields.length}${FIELD}${fields.join(FIELD)}${FIELD}`;
    this.parts.push(part);
    this.chars += part.length;
    if (++this.count < this.maxRecords && this.chars < this.maxChars) return null;
    return this.flush();
  }

  flush(): string | null {
    if (this.count === 0) return null;
    const batch = this.parts.join('');
    this.parts = [];
    this.count = 0;
    this.chars = 0;
    return batch;
  }
}

export function processBatch(batch: string, ctx: RowContext): BatchResult {
  const tokens = batch.split(FIELD);
  const rows = new RowWriter(ctx);
  let out = '';
  let i = 0;
  // The batch ends with a separator, so the last token is empty.
  while (i < tokens.length - 1) {
    const line = Number(tokens[i]);
    const n = Number(tokens[i + 1]);
    const row = rows.write(tokens, i + 2, n, line);
    // endsWith makes V8 flatten the row (a template literal is a tree of string pieces), so the
    // batch is a chain of flat rows: without it, encoding the batch walks and copies a tree of
    // about ten pieces per row: with it, the threads' garbage collection went from 2.0 s back to
    // 1.0 – 1.2 s per thread per 300,000 rows (bench:import, BENCH_ROWS=300000, worker under --cpu-prof).
    if (!row.endsWith('\n')) throw new Error('a staging row ends with a newline');
    out += row;
    i += 2 + n;
  }
  return { copy: utf8.encode(out), accepted: rows.accepted, rejected: rows.rejected, warnings: rows.warnings, phones: Float64Array.from(rows.phones) };
}

/** An accepted row without warnings: its last three columns (reject reason, fields, warnings) are NULL. */
const ACCEPTED_END = `\t${NULL}\t${NULL}\t${NULL}\n`;

/** What separates several numbers in one cell: Google's ` ::: `, or `;`, `|`, a newline. Never `,` or `.` (decimals). */
const SEVERAL_NUMBERS = /\s*(?::::|[;|\n])\s*/;
/** The hot loop's cheap test for the same (no leading `\s*`, which makes a failing search quadratic). */
const MAY_HOLD_SEVERAL = /:::|[;|\n]/;

/**
 * Builds staging rows for one import. This is the hot loop of an import (once per row), so it
 * reads fields by offset in the batch's token array instead of building per-row arrays, and
 * serialises attributes with their keys encoded once.
 */
export class RowWriter {
  private readonly attributeKeys: Array<[number, string]>;
  private readonly dates: ConsentDateReader;
  accepted = 0;
  rejected = 0;
  warnings = 0;
  /** The accepted rows' phones, as numbers (see BatchResult.phones). */
  readonly phones: number[] = [];

  constructor(private readonly ctx: RowContext) {
    this.attributeKeys = ctx.mapping.attributes.map(([index, key]) => [index, escape(JSON.stringify(key))]);
    // One reader per batch, as the rows of one batch share it: a reader kept across batches would
    // keep its last date text alive, and with it the whole previous batch string it was cut from,
    // in the threads' small heaps (16 MB old space; row-pool.ts).
    this.dates = new ConsentDateReader(ctx.timeZone, ctx.dateFormat);
  }

  /** The staging row, in COPY text format, for the record at tokens[start, start + count). */
  write(tokens: string[], start: number, count: number, line: number): string {
    const { mapping, defaultCountry } = this.ctx;
    const reject = (reason: RowRejection) => {
      this.rejected++;
      return rejectedRow(line, reason, tokens.slice(start, start + count));
    };
    // Trailing empty cells past the header (a stray delimiter at the end of a line) are harmless.
    if (count !== mapping.width && !(count > mapping.width && allEmpty(tokens, start + mapping.width, start + count))) {
      return reject('column_count_mismatch');
    }
    const field = (index: number | null) => (index === null ? '' : tokens[start + index].trim());
    let warnings: RowWarning[] | null = null;

    let phoneCell = tokens[start + mapping.phone];
    if (mapping.phoneFallbacks.length > 0) phoneCell = this.firstFilled(phoneCell, tokens, start);
    let otherPhones: string | null = null;
    let phone: NormalisedPhone;
    // The rare cases stay out of this function: a small hot loop is what V8 optimises best.
    if (MAY_HOLD_SEVERAL.test(phoneCell)) {
      const several = pickPhone(phoneCell, defaultCountry);
      phone = several.phone;
      if (phone.ok && several.others) {
        otherPhones = several.others;
        warnings = ['phone_several_numbers'];
      }
    } else {
      phone = normalisePhone(phoneCell, defaultCountry);
    }
    if (!phone.ok) return reject(phone.reason);

    // Consent: with an opt_in column its value decides (empty: no statement); without one, a
    // filled opt_in_at means the person opted in then. A value that cannot be read is a warning:
    // the contact comes in without that statement.
    const flag = field(mapping.consent.flag).toLowerCase();
    const atText = field(mapping.consent.at);
    let kind: 'opt_in' | 'opt_out' | null = null;
    if (flag !== '') {
      if (YES.has(flag)) kind = 'opt_in';
      else if (NO.has(flag)) kind = 'opt_out';
      else (warnings ??= []).push('opt_in_invalid');
    } else if (mapping.consent.flag === null && atText !== '') {
      kind = 'opt_in';
    }
    let at = NULL;
    let source = NULL;
    let wording = NULL;
    if (kind !== null && atText !== '') {
      const time = this.dates.read(atText);
      const problem = typeof time === 'string' ? time : time > this.ctx.latestAcceptedTime ? 'opt_in_at_in_future' : null;
      if (problem) {
        (warnings ??= []).push(problem);
        // An opt-in that cannot be dated is not recorded; an opt-out is, as of the import.
        if (kind === 'opt_in') kind = null;
      } else {
        at = new Date(time as number).toISOString();
      }
    }
    if (kind !== null) {
      const sourceText = field(mapping.consent.source);
      const wordingText = field(mapping.consent.text);
      if (sourceText) source = escape(sourceText);
      if (wordingText) wording = escape(wordingText);
    }

    let tags = '{}';
    if (mapping.tags !== null || this.ctx.tags.length > 0) {
      const set = new Set(this.ctx.tags);
      for (const raw of field(mapping.tags).split(TAG_SPLIT)) {
        const tag = raw.trim();
        if (tag.length > 64) return reject('tag_too_long');
        if (tag) set.add(tag);
      }
      tags = escape(arrayLiteral([...set]));
    }

    let attributes = '{';
    for (const [index, key] of this.attributeKeys) {
      const value = tokens[start + index]?.trim();
      if (!value) continue;
      if (attributes.length > 1) attributes += ',';
      attributes += `${key}:${escape(JSON.stringify(value))}`;
    }
    if (otherPhones !== null) attributes += `${attributes.length > 1 ? ',' : ''}"${OTHER_PHONES_ATTRIBUTE}":${escape(JSON.stringify(otherPhones))}`;
    attributes += '}';

    let name = field(mapping.name);
    if (name === '' && mapping.nameParts.length > 0) name = this.joinedName(tokens, start);
    this.accepted++;
    this.phones.push(Number(phone.e164.slice(1)));
    // One template literal per row (processBatch flattens it).
    const end = warnings === null ? ACCEPTED_END : this.warnedEnd(warnings, tokens, start, count);
    return `${line}\t${phone.e164}\t${phone.country ?? NULL}\t${name ? escape(name) : NULL}\t${attributes}\t${tags}\t${kind ?? NULL}\t${at}\t${source}\t${wording}${end}`;
  }

  /** The phone cell, or the first of the fallback phone columns that is filled (Shopify's Default Address Phone). */
  private firstFilled(cell: string, tokens: string[], start: number): string {
    const fallbacks = this.ctx.mapping.phoneFallbacks;
    for (let f = 0; cell.trim() === '' && f < fallbacks.length; f++) cell = tokens[start + fallbacks[f]];
    return cell;
  }

  /** A name from first, middle and last name columns. */
  private joinedName(tokens: string[], start: number): string {
    let name = '';
    for (const part of this.ctx.mapping.nameParts) {
      const text = tokens[start + part].trim();
      if (text) name = name ? `${name} ${text}` : text;
    }
    return name;
  }

  /** The last three columns of an accepted row with warnings: no rejection, the row as uploaded, the warnings. */
  private warnedEnd(warnings: RowWarning[], tokens: string[], start: number, count: number): string {
    this.warnings += warnings.length;
    return `\t${NULL}\t${escape(arrayLiteral(tokens.slice(start, start + count)))}\t${escape(arrayLiteral(warnings))}\n`;
  }
}

/**
 * A phone cell with several numbers (Google joins them with ` ::: `): the first valid mobile
 * number wins, else the first valid number; the others are kept as written, joined by ` ::: `.
 * When none is valid, the first one's reason rejects the row.
 */
function pickPhone(cell: string, defaultCountry: CountryCode | undefined): { phone: NormalisedPhone; others: string | null } {
  const parts = cell
    .trim()
    .split(SEVERAL_NUMBERS)
    .filter((p) => p !== '');
  const read = parts.map((p) => normalisePhone(p, defaultCountry));
  let chosen = read.findIndex((p) => p.ok && isMobile(p.e164));
  if (chosen === -1) chosen = read.findIndex((p) => p.ok);
  if (chosen === -1) return { phone: read[0] ?? normalisePhone('', defaultCountry), others: null };
  const others = parts.filter((_, i) => i !== chosen);
  return { phone: read[chosen], others: others.length > 0 ? others.join(' ::: ') : null };
}

function isMobile(e164: string): boolean {
  const type = parsePhoneNumberFromString(e164)?.getType();
  return type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE';
}

/** The staging row for one record. */
export function stagingRow(fields: string[], line: number, ctx: RowContext): string {
  return new RowWriter(ctx).write(fields, 0, fields.length, line);
}

function allEmpty(tokens: string[], from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (tokens[i].trim() !== '') return false;
  return true;
}

function rejectedRow(line: number, reason: RowRejection, fields: string[]): string {
  return [String(line), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, reason, escape(arrayLiteral(fields)), NULL].join('\t') + '\n';
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Escapes a value for COPY's text format. */
export function escape(value: string): string {
  return COPY_SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]) : value;
}

/** A PostgreSQL array literal of text values (before COPY escaping). */
export function arrayLiteral(values: string[]): string {
  if (values.length === 0) return '{}';
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}
