import type { CountryCode } from 'libphonenumber-js/max';
import { FieldProblem, isStorableText, UNSTORABLE_TEXT, validationFailed } from '../common/validation';
import { CONSENT_SCOPES, ConsentScope } from '../contacts/consent';
import { isCountryCode } from '../contacts/phone';
import { canonicalTimeZone, isDateFormat } from './consent-dates';

/**
 * The encodings an upload may name (WHATWG labels, which Node's TextDecoder reads). Without one, a
 * file is UTF-8, or UTF-16 when it starts with a UTF-16 byte order mark (Excel's "Unicode Text").
 * `iso-8859-1` is read as windows-1252, as browsers and the WHATWG Encoding standard do.
 */
export const IMPORT_ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'iso-8859-1'] as const;
export type ImportEncoding = (typeof IMPORT_ENCODINGS)[number];

/** The form fields that may come with an upload. */
export interface ImportOptions {
  defaultCountry?: CountryCode;
  tags: string[];
  optInScope: ConsentScope;
  phoneColumn?: string;
  /** The file's encoding, when the upload names it. */
  encoding?: ImportEncoding;
  /** IANA zone of consent dates written without one (canonical spelling). */
  timeZone?: string;
  /** How day/month consent dates are written (consent-dates.ts DATE_FORMAT). */
  dateFormat?: string;
  /** File column → field (csv-header.ts COLUMN_TARGETS, or attributes.<key>). */
  columns?: Record<string, string>;
}

const KNOWN = new Set(['defaultCountry', 'tags', 'optInScope', 'phoneColumn', 'encoding', 'timeZone', 'dateFormat', 'columns']);

/**
 * Validates the multipart fields of an upload. `tags` may be repeated or comma-separated.
 * The default consent scope for `opt_in` columns is marketing: what a campaign manager's audiences
 * are mostly for, and the narrower promise. `columns` is checked here as JSON (an object of
 * strings); whether its columns and fields exist is mapHeader's (csv-header.ts), with the file.
 */
export function parseImportOptions(fields: Array<[string, string]>): ImportOptions {
  const problems: FieldProblem[] = [];
  const single = new Map<string, string>();
  const tags: string[] = [];
  for (const [name, value] of fields) {
    if (!isStorableText(name) || !isStorableText(value)) {
      // The same rule as every JSON and query input (RequestValidationPipe): text PostgreSQL can store.
      problems.push({ field: isStorableText(name) ? name : 'field name', problems: [UNSTORABLE_TEXT] });
    } else if (!KNOWN.has(name)) {
      problems.push({ field: name, problems: [`unknown field; expected file, ${[...KNOWN].join(', ')}`] });
    } else if (name === 'tags') {
      tags.push(...value.split(',').map((t) => t.trim()).filter(Boolean));
    } else if (single.has(name)) {
      problems.push({ field: name, problems: ['given more than once'] });
    } else {
      single.set(name, value.trim());
    }
  }

  // Any case: `id` is Indonesia, as in the contacts API.
  const defaultCountry = single.get('defaultCountry')?.toUpperCase() || undefined;
  if (defaultCountry !== undefined && !isCountryCode(defaultCountry)) {
    problems.push({ field: 'defaultCountry', problems: ['must be an ISO 3166-1 alpha-2 country code such as ID'] });
  }
  const optInScope = (single.get('optInScope') || 'marketing') as ConsentScope;
  if (!CONSENT_SCOPES.includes(optInScope)) {
    problems.push({ field: 'optInScope', problems: [`must be one of ${CONSENT_SCOPES.join(', ')}`] });
  }
  const uniqueTags = [...new Set(tags)];
  if (uniqueTags.length > 100 || uniqueTags.some((t) => t.length > 64)) {
    problems.push({ field: 'tags', problems: ['at most 100 tags of at most 64 characters'] });
  }
  const phoneColumn = single.get('phoneColumn') || undefined;
  if (phoneColumn !== undefined && phoneColumn.length > 256) {
    problems.push({ field: 'phoneColumn', problems: ['at most 256 characters'] });
  }
  const encoding = parseEncoding(single.get('encoding'));
  if (encoding === null) problems.push({ field: 'encoding', problems: [`must be one of ${IMPORT_ENCODINGS.join(', ')}`] });
  let timeZone: string | undefined;
  const zoneText = single.get('timeZone') || undefined;
  if (zoneText !== undefined) {
    timeZone = canonicalTimeZone(zoneText);
    if (!timeZone) problems.push({ field: 'timeZone', problems: ['must be an IANA time zone name such as Asia/Jakarta (not an offset)'] });
  }
  const dateFormat = single.get('dateFormat') || undefined;
  if (dateFormat !== undefined && !isDateFormat(dateFormat)) {
    problems.push({
      field: 'dateFormat',
      problems: ['must be DD/MM/YYYY, MM/DD/YYYY or YYYY-MM-DD (separator /, . or -; D and M for one digit), optionally followed by HH:mm or HH:mm:ss'],
    });
  }
  const columns = parseColumns(single.get('columns'), problems);
  if (problems.length > 0) throw validationFailed(problems);
  return {
    defaultCountry: defaultCountry as CountryCode | undefined,
    tags: uniqueTags,
    optInScope,
    phoneColumn,
    encoding: encoding ?? undefined,
    timeZone,
    dateFormat,
    columns,
  };
}

/** A named encoding (any case); undefined when none is named, null when it is not one we read. */
export function parseEncoding(value: string | undefined): ImportEncoding | null | undefined {
  if (value === undefined || value === '') return undefined;
  const label = value.trim().toLowerCase().replace(/^utf8$/, 'utf-8');
  return (IMPORT_ENCODINGS as readonly string[]).includes(label) ? (label as ImportEncoding) : null;
}

function parseColumns(text: string | undefined, problems: FieldProblem[]): Record<string, string> | undefined {
  if (text === undefined || text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    problems.push({ field: 'columns', problems: ['must be a JSON object: {"File column": "field", ...}'] });
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    problems.push({ field: 'columns', problems: ['must be a JSON object whose values are field names: {"Nomor HP": "phone"}'] });
    return undefined;
  }
  const entries = Object.entries(value as Record<string, string>);
  if (entries.length > 500) problems.push({ field: 'columns', problems: ['at most 500 columns'] });
  return Object.fromEntries(entries.map(([k, v]) => [k, v.trim()]));
}
