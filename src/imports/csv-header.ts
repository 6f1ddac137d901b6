/**
 * How an uploaded CSV's header line maps to contact fields. Pure functions: the API runs them on
 * the upload to refuse a bad file at once, and the worker runs them again on the stored file.
 */

export type Delimiter = ',' | ';' | '\t';

/** Column names that hold the phone number, in order of preference (after normalisation). */
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
] as const;

export const NAME_COLUMNS = ['name', 'full_name', 'nama', 'nama_lengkap'] as const;
export const TAGS_COLUMNS = ['tags'] as const;
export const CONSENT_COLUMNS = {
  flag: 'opt_in',
  at: 'opt_in_at',
  source: 'opt_in_source',
  text: 'opt_in_text',
} as const;

export interface HeaderMapping {
  /** Number of columns every row must have. */
  width: number;
  phone: number;
  name: number | null;
  tags: number | null;
  consent: { flag: number | null; at: number | null; source: number | null; text: number | null };
  /** Every other column: [index, attribute key]. */
  attributes: Array<[number, string]>;
}

export type HeaderProblem =
  | { code: 'IMPORT_NO_PHONE_COLUMN'; message: string; columns: string[] }
  | { code: 'IMPORT_DUPLICATE_COLUMN'; message: string; columns: string[] };

/**
 * Picks the delimiter that occurs most often outside quotes in the header line; comma when none
 * occurs (a one-column file).
 */
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

export function mapHeader(header: string[], phoneColumn?: string): HeaderMapping | HeaderProblem {
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
  const indexOf = (n: string) => {
    const i = names.indexOf(n);
    return i === -1 ? null : i;
  };
  const firstOf = (candidates: readonly string[]) => {
    for (const c of candidates) {
      const i = indexOf(c);
      if (i !== null) return i;
    }
    return null;
  };

  let phone: number | null;
  if (phoneColumn !== undefined) {
    const byRaw = header.findIndex((h) => h.replace(/^\uFEFF/, '').trim() === phoneColumn.trim());
    phone = byRaw !== -1 ? byRaw : indexOf(normaliseColumnName(phoneColumn));
    if (phone === null) {
      return {
        code: 'IMPORT_NO_PHONE_COLUMN',
        message: `The file has no column "${phoneColumn}"; its columns are: ${header.join(', ')}`,
        columns: header,
      };
    }
  } else {
    phone = firstOf(PHONE_COLUMNS);
    if (phone === null) {
      return {
        code: 'IMPORT_NO_PHONE_COLUMN',
        message: `No phone column: name one of ${PHONE_COLUMNS.slice(0, 9).join(', ')} (any case), or pass phoneColumn. The file's columns are: ${header.join(', ')}`,
        columns: header,
      };
    }
  }

  const name = firstOf(NAME_COLUMNS);
  const tags = firstOf(TAGS_COLUMNS);
  const consent = {
    flag: indexOf(CONSENT_COLUMNS.flag),
    at: indexOf(CONSENT_COLUMNS.at),
    source: indexOf(CONSENT_COLUMNS.source),
    text: indexOf(CONSENT_COLUMNS.text),
  };
  const known = new Set([phone, name, tags, consent.flag, consent.at, consent.source, consent.text].filter((i) => i !== null));
  // Our own rejected.csv, fixed and uploaded again: its report columns are not the contact's data.
  if (REPORT_COLUMNS.every((column, i) => names[i] === column)) REPORT_COLUMNS.forEach((_, i) => known.add(i));
  const attributes = names.map((n, i) => [i, n] as [number, string]).filter(([i]) => !known.has(i));
  return { width: header.length, phone, name, tags, consent, attributes };
}

export function isHeaderProblem(value: HeaderMapping | HeaderProblem): value is HeaderProblem {
  return 'code' in value;
}
