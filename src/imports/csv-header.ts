/**
 * How an uploaded CSV's header line maps to contact fields. Pure functions: the API runs them on
 * the upload to refuse a bad file at once, and the worker runs them again on the stored file.
 */

export type Delimiter = ',' | ';' | '\t';

/**
 * Built-in column names (compared after `normaliseColumnName`: any case, spaces and punctuation as
 * `_`). They cover our own names, common Indonesian headers, and the contact and customer exports
 * of the tools shops use, as those tools write them:
 * - Google Contacts ("Google CSV"): `Name`, `Given Name`/`Family Name` (older) or `First Name`/
 *   `Middle Name`/`Last Name` (newer), `Phone 1 - Type` or `Phone 1 - Label`, `Phone 1 - Value`;
 *   several values in one cell joined by ` ::: ` (Google's own multi-value separator, as read by
 *   contact converters such as phuchungbhutia/cheatsheets' Google Contacts notes and the `getcol`
 *   readers of Google CSV found in public code).
 * - Outlook ("Outlook CSV", Microsoft's import/export header): `First Name`, `Middle Name`,
 *   `Last Name`, `Mobile Phone`, `Business Phone`, `Home Phone`, `Primary Phone`, `E-mail Address`
 *   (michalbe/csv2vcard lists the full Outlook CSV schema).
 * - Shopify customers export: `First Name`, `Last Name`, `Email`, `Accepts Email Marketing`,
 *   `Default Address Phone`, `Phone`, `Accepts SMS Marketing`, `Tags` (one comma-separated cell),
 *   per Shopify's customer CSV description (Phone: "The customer's phone number"; Accepts SMS
 *   Marketing: "agrees to subscribe to SMS marketing").
 * - WooCommerce customer exports: `billing_first_name`, `billing_last_name`, `billing_phone`,
 *   `billing_email`, `shipping_phone` (the order meta keys `_billing_phone` etc.).
 *
 * Email and SMS marketing consent (`Accepts Email Marketing`, `Accepts SMS Marketing`) is not a
 * WhatsApp opt-in: no alias maps such a column to `opt_in`; it stays an attribute. A `columns`
 * mapping may still name it, deliberately.
 */

/** Column names that hold the phone number, in order of preference. */
export const PHONE_COLUMNS = [
  'phone',
  'phone_number',
  'msisdn',
  'mobile',
  'whatsapp',
  'wa',
  'nomor',
  'no_hp',
  'telepon',
  'mobile_number',
  'whatsapp_number',
  'wa_number',
  'nomor_hp',
  'nomor_wa',
  'no_wa',
  'no_telp',
  'handphone',
  'nomor_whatsapp',
  'no_whatsapp',
  'nomor_handphone',
  'no_handphone',
  'nomor_telepon',
  'no_telepon',
  'nomor_telp',
  'telp',
  'hp',
  'mobile_phone',
  'phone_1_value',
  'billing_phone',
  'default_address_phone',
  'shipping_phone',
  'primary_phone',
  'business_phone',
  'home_phone',
] as const;

export const NAME_COLUMNS = [
  'name',
  'full_name',
  'nama',
  'nama_lengkap',
  'nama_pelanggan',
  'nama_customer',
  'nama_kontak',
  'customer_name',
  'contact_name',
  'display_name',
] as const;
/** Without a name column, the name is these parts joined by spaces (first, middle, last: the first column found of each). */
export const NAME_PART_COLUMNS = [
  ['first_name', 'given_name', 'billing_first_name', 'nama_depan'],
  ['middle_name', 'additional_name'],
  ['last_name', 'family_name', 'billing_last_name', 'nama_belakang'],
] as const;
export const TAGS_COLUMNS = ['tags', 'tag'] as const;
export const CONSENT_COLUMNS = {
  flag: ['opt_in', 'setuju_promo', 'setuju_wa', 'setuju_whatsapp', 'whatsapp_opt_in', 'wa_opt_in'],
  at: ['opt_in_at', 'tanggal_setuju', 'waktu_setuju', 'opt_in_date'],
  source: ['opt_in_source', 'sumber_setuju'],
  text: ['opt_in_text', 'teks_setuju'],
} as const;

/** The fields a `columns` mapping may name, besides `attributes.<key>`. `ignore` drops the column. */
export const COLUMN_TARGETS = [
  'phone',
  'name',
  'first_name',
  'middle_name',
  'last_name',
  'tags',
  'opt_in',
  'opt_in_at',
  'opt_in_source',
  'opt_in_text',
  'ignore',
] as const;
export type ColumnTarget = (typeof COLUMN_TARGETS)[number] | `attributes.${string}`;

/** An attribute key a mapping may give: what normaliseColumnName would make of a column. */
const ATTRIBUTE_KEY = /^[\p{L}\p{N}]+(?:_[\p{L}\p{N}]+)*$/u;

/** Whether `target` is a field a `columns` mapping may name. */
export function isColumnTarget(target: string): target is ColumnTarget {
  if ((COLUMN_TARGETS as readonly string[]).includes(target)) return true;
  return target.startsWith('attributes.') && ATTRIBUTE_KEY.test(target.slice('attributes.'.length)) && target.length <= 128;
}

export interface HeaderMapping {
  /** Number of columns every row must have. */
  width: number;
  phone: number;
  /** Recognised phone columns read, in order, when the phone column's cell is empty (only without phoneColumn/columns). */
  phoneFallbacks: number[];
  name: number | null;
  /** First, middle and last name columns, joined when there is no name column (or its cell is empty). */
  nameParts: number[];
  tags: number | null;
  consent: { flag: number | null; at: number | null; source: number | null; text: number | null };
  /** Every other column: [index, attribute key]. */
  attributes: Array<[number, string]>;
}

export type HeaderProblem = {
  code:
    | 'IMPORT_NO_PHONE_COLUMN'
    | 'IMPORT_DUPLICATE_COLUMN'
    | 'IMPORT_COLUMNS_UNKNOWN_COLUMN'
    | 'IMPORT_COLUMNS_UNKNOWN_FIELD'
    | 'IMPORT_COLUMNS_FIELD_TWICE';
  message: string;
  columns: string[];
};

/**
 * Excel's first line `sep=;` (also `sep=,`, and `sep=` with a tab or a written `\t`) names the
 * file's delimiter; it is not the header. Returns the delimiter it names, undefined when the line is
 * no such line, or null when it names one Siaran does not read.
 */
export function excelSeparator(line: string): Delimiter | null | undefined {
  const match = /^sep=(\\t|.)$/i.exec(line.replace(/^\uFEFF/, '').replace(/\r$/, ''));
  if (!match) return undefined;
  const named = match[1] === '\\t' ? '\t' : match[1];
  return named === ',' || named === ';' || named === '\t' ? named : null;
}

/** Whether a parsed record is Excel's `sep=` line (parsed with the delimiter it names, it is `sep=` and an empty field). */
export function isSeparatorRecord(record: string[], delimiter: Delimiter): boolean {
  return excelSeparator(record.join(delimiter)) !== undefined;
}

/**
 * Picks the delimiter that occurs most often outside quotes in the header line; comma when none
 * occurs (a one-column file).
 */
export function detectDelimiter(headerLine: string): Delimiter {
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === ',' || ch === ';' || ch === '\t')) counts[ch]++;
  }
  const best = (Object.entries(counts) as Array<[Delimiter, number]>).sort((a, b) => b[1] - a[1])[0];
  return best[1] > 0 ? best[0] : ',';
}

/** `"First Name "` → `first_name`; `E-mail` → `e_mail`; letters of any script are kept. */
export function normaliseColumnName(name: string): string {
  return name
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '');
}

/** The first columns of the rejected-rows report (imports.service.ts `writeRejected`), in its order. */
export const REPORT_COLUMNS = ['line', 'reason', 'message'] as const;

/**
 * Maps a header to fields. `columns` (the upload's mapping, file column → field) comes first; a
 * column it names is never matched by the built-in names, and a field it fills is not looked for
 * among them. `phoneColumn` is the older way to name the phone column alone. Everything not
 * mapped becomes an attribute under its normalised name (our own report columns excepted).
 * Problems: IMPORT_COLUMNS_UNKNOWN_COLUMN (the file has no such column), IMPORT_COLUMNS_UNKNOWN_FIELD
 * (not a field: see COLUMN_TARGETS), IMPORT_COLUMNS_FIELD_TWICE (two columns for one field),
 * IMPORT_DUPLICATE_COLUMN, IMPORT_NO_PHONE_COLUMN.
 */
export function mapHeader(header: string[], phoneColumn?: string, columns?: Record<string, string>): HeaderMapping | HeaderProblem {
  const names = header.map((raw, i) => normaliseColumnName(raw) || `column_${i + 1}`);
  const seen = new Map<string, number>();
  const duplicates = new Set<string>();
  names.forEach((n) => (seen.has(n) ? duplicates.add(n) : seen.set(n, seen.size)));
  if (duplicates.size > 0) {
    return {
      code: 'IMPORT_DUPLICATE_COLUMN',
      message: `Columns that mean the same after normalisation: ${[...duplicates].join(', ')}`,
      columns: [...duplicates],
    };
  }
  /** A column as the client names it: as written, else by its normalised name. */
  const findColumn = (given: string) => {
    const byRaw = header.findIndex((h) => h.replace(/^\uFEFF/, '').trim() === given.trim());
    if (byRaw !== -1) return byRaw;
    const i = names.indexOf(normaliseColumnName(given));
    return i === -1 ? null : i;
  };

  // The explicit mapping: field → column, and the columns it took.
  const explicit = new Map<string, number>();
  const attributeNames = new Map<number, string>();
  const taken = new Set<number>();
  const unknownColumns: string[] = [];
  const unknownFields: string[] = [];
  const twice = new Set<string>();
  const claim = (field: string, index: number) => {
    if (field === 'ignore') return;
    if (explicit.has(field) && explicit.get(field) !== index) twice.add(field);
    else explicit.set(field, index);
  };
  for (const [column, target] of Object.entries(columns ?? {})) {
    const index = findColumn(column);
    if (index === null) unknownColumns.push(column);
    if (!isColumnTarget(target)) unknownFields.push(target);
    if (index === null || !isColumnTarget(target)) continue;
    if (taken.has(index)) twice.add(`${header[index]} (named twice)`);
    taken.add(index);
    if (target.startsWith('attributes.')) {
      const key = target.slice('attributes.'.length);
      if ([...attributeNames.values()].includes(key)) twice.add(target);
      attributeNames.set(index, key);
    } else {
      claim(target, index);
    }
  }
  if (phoneColumn !== undefined) {
    const index = findColumn(phoneColumn);
    if (index === null) {
      return {
        code: 'IMPORT_NO_PHONE_COLUMN',
        message: `The file has no column "${phoneColumn}"; its columns are: ${header.join(', ')}`,
        columns: header,
      };
    }
    taken.add(index);
    claim('phone', index);
  }
  if (unknownColumns.length > 0) {
    return {
      code: 'IMPORT_COLUMNS_UNKNOWN_COLUMN',
      message: `columns names columns the file does not have: ${unknownColumns.join(', ')}. The file's columns are: ${header.join(', ')}`,
      columns: unknownColumns,
    };
  }
  if (unknownFields.length > 0) {
    return {
      code: 'IMPORT_COLUMNS_UNKNOWN_FIELD',
      message: `columns maps to fields that do not exist: ${unknownFields.join(', ')}. Fields: ${COLUMN_TARGETS.join(', ')}, attributes.<key>`,
      columns: unknownFields,
    };
  }
  if (twice.size > 0) {
    return {
      code: 'IMPORT_COLUMNS_FIELD_TWICE',
      message: `Two columns are mapped to one field: ${[...twice].join(', ')}`,
      columns: [...twice],
    };
  }

  // Built-in names, for the fields the mapping left open, among the columns it did not name.
  const free = (i: number) => !taken.has(i);
  const found = (candidates: readonly string[]) => {
    for (const c of candidates) {
      const i = names.indexOf(c);
      if (i !== -1 && free(i)) return i;
    }
    return null;
  };
  const field = (name: string, candidates: readonly string[]) => (explicit.has(name) ? explicit.get(name)! : found(candidates));

  const phone = field('phone', PHONE_COLUMNS);
  if (phone === null) {
    return {
      code: 'IMPORT_NO_PHONE_COLUMN',
      message: `No phone column: name one of ${PHONE_COLUMNS.slice(0, 9).join(', ')} (any case), or pass phoneColumn or columns. The file's columns are: ${header.join(', ')}`,
      columns: header,
    };
  }
  const phoneFallbacks = explicit.has('phone')
    ? []
    : PHONE_COLUMNS.map((c) => names.indexOf(c)).filter((i) => i !== -1 && i !== phone && free(i));
  const name = field('name', NAME_COLUMNS);
  const parts = (['first_name', 'middle_name', 'last_name'] as const).map((part, i) => field(part, NAME_PART_COLUMNS[i]));
  const nameParts = parts.filter((i): i is number => i !== null);
  const tags = field('tags', TAGS_COLUMNS);
  const consent = {
    flag: field('opt_in', CONSENT_COLUMNS.flag),
    at: field('opt_in_at', CONSENT_COLUMNS.at),
    source: field('opt_in_source', CONSENT_COLUMNS.source),
    text: field('opt_in_text', CONSENT_COLUMNS.text),
  };
  const known = new Set(
    [phone, name, tags, consent.flag, consent.at, consent.source, consent.text, ...nameParts].filter((i) => i !== null),
  );
  for (const [column, target] of Object.entries(columns ?? {})) if (target === 'ignore') known.add(findColumn(column)!);
  // Our own rejected.csv, fixed and uploaded again: its report columns are not the contact's data.
  if (REPORT_COLUMNS.every((column, i) => names[i] === column)) REPORT_COLUMNS.forEach((_, i) => known.add(i));
  const attributes = names
    .map((n, i) => [i, attributeNames.get(i) ?? n] as [number, string])
    .filter(([i]) => attributeNames.has(i) || !known.has(i));
  return { width: header.length, phone, phoneFallbacks, name, nameParts, tags, consent, attributes };
}

export function isHeaderProblem(value: HeaderMapping | HeaderProblem): value is HeaderProblem {
  return 'code' in value;
}
