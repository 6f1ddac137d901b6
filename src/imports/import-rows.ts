import type { CountryCode } from 'libphonenumber-js/max';
import type { HeaderMapping } from './csv-header';
import { normalisePhone, PhoneRejection } from '../contacts/phone';

/**
 * Turning parsed CSV records into rows of the import's staging table, in PostgreSQL's COPY text
 * format. This runs in worker threads (see row-pool.ts), so everything here is plain data in, plain
 * text out.
 */

export type RowRejection =
  | PhoneRejection
  | 'column_count_mismatch'
  | 'opt_in_invalid'
  | 'opt_in_at_invalid'
  | 'opt_in_at_in_future'
  | 'tag_too_long';

export const REJECTION_MESSAGES: Record<RowRejection, string> = {
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

/** What every row of one import shares. Structured-cloneable: it is sent to the worker threads. */
export interface RowContext {
  mapping: HeaderMapping;
  defaultCountry?: CountryCode;
  /** Tags given with the upload, added to every row. */
  tags: string[];
  /** Times after this (ms since epoch) are "in the future". */
  latestAcceptedTime: number;
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
] as const;

export interface BatchResult {
  /** COPY text, UTF-8 encoded: it crosses from the worker thread by transfer, not by copy. */
  copy: Uint8Array;
  accepted: number;
  rejected: number;
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
  let accepted = 0;
  let rejected = 0;
  let i = 0;
  // The batch ends with a separator, so the last token is empty.
  while (i < tokens.length - 1) {
    const line = Number(tokens[i]);
    const n = Number(tokens[i + 1]);
    const row = rows.write(tokens, i + 2, n, line);
    if (row.endsWith(ACCEPTED_END)) accepted++;
    else rejected++;
    out += row;
    i += 2 + n;
  }
  return { copy: utf8.encode(out), accepted, rejected };
}

/** An accepted row's last two columns (reject reason, rejected fields) are NULL. */
const ACCEPTED_END = `\t${NULL}\t${NULL}\n`;

/**
 * Builds staging rows for one import. This is the hot loop of an import (once per row), so it
 * reads fields by offset in the batch's token array instead of building per-row arrays, and
 * serialises attributes with their keys encoded once.
 */
export class RowWriter {
  private readonly attributeKeys: Array<[number, string]>;
  private lastTimeText = '';
  private lastTime: number | null = null;

  constructor(private readonly ctx: RowContext) {
    this.attributeKeys = ctx.mapping.attributes.map(([index, key]) => [index, escape(JSON.stringify(key))]);
  }

  /** The staging row, in COPY text format, for the record at tokens[start, start + count). */
  write(tokens: string[], start: number, count: number, line: number): string {
    const { mapping, defaultCountry } = this.ctx;
    const reject = (reason: RowRejection) => rejectedRow(line, reason, tokens.slice(start, start + count));
    // Trailing empty cells past the header (a stray delimiter at the end of a line) are harmless.
    if (count !== mapping.width && !(count > mapping.width && allEmpty(tokens, start + mapping.width, start + count))) {
      return reject('column_count_mismatch');
    }
    const field = (index: number | null) => (index === null ? '' : tokens[start + index].trim());

    const phone = normalisePhone(tokens[start + mapping.phone], defaultCountry);
    if (!phone.ok) return reject(phone.reason);

    // Consent: with an opt_in column its value decides (empty: no statement); without one, a
    // filled opt_in_at means the person opted in then.
    const flag = field(mapping.consent.flag).toLowerCase();
    const atText = field(mapping.consent.at);
    let kind: 'opt_in' | 'opt_out' | null = null;
    if (flag !== '') {
      if (YES.has(flag)) kind = 'opt_in';
      else if (NO.has(flag)) kind = 'opt_out';
      else return reject('opt_in_invalid');
    } else if (mapping.consent.flag === null && atText !== '') {
      kind = 'opt_in';
    }
    let at = NULL;
    let source = NULL;
    let wording = NULL;
    if (kind !== null) {
      if (atText !== '') {
        const time = this.timestamp(atText);
        if (time === null) return reject('opt_in_at_invalid');
        if (time > this.ctx.latestAcceptedTime) return reject('opt_in_at_in_future');
        at = new Date(time).toISOString();
      }
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
    attributes += '}';

    const name = field(mapping.name);
    return `${line}\t${phone.e164}\t${phone.country ?? NULL}\t${name ? escape(name) : NULL}\t${attributes}\t${tags}\t${kind ?? NULL}\t${at}\t${source}\t${wording}${ACCEPTED_END}`;
  }

  /** Files repeat the same time often (an export date, a campaign day): parse each text once. */
  private timestamp(text: string): number | null {
    if (text !== this.lastTimeText) {
      this.lastTimeText = text;
      this.lastTime = parseTimestamp(text);
    }
    return this.lastTime;
  }
}

/** The staging row for one record. */
export function stagingRow(fields: string[], line: number, ctx: RowContext): string {
  return new RowWriter(ctx).write(fields, 0, fields.length, line);
}

function allEmpty(tokens: string[], from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (tokens[i].trim() !== '') return false;
  return true;
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * ISO 8601 dates and date-times (`2025-03-01`, `2025-03-01 14:30`, `2025-03-01T14:30:00+07:00`).
 * Without a zone a time is read as UTC. Returns ms since epoch, or null when not a real date.
 */
export function parseTimestamp(text: string): number | null {
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  let time = Date.UTC(year, month - 1, day, hour, minute, second, Math.floor(Number(`0.${frac}`) * 1000));
  if (new Date(time).getUTCDate() !== day) return null; // 2025-02-30
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    if (offset > 14 * 60) return null;
    time -= sign * offset * 60_000;
  }
  return time;
}

function rejectedRow(line: number, reason: RowRejection, fields: string[]): string {
  return [String(line), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, reason, escape(arrayLiteral(fields))].join('\t') + '\n';
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
