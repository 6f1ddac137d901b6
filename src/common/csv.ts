/**
 * The one CSV writer: every CSV file Siaran produces is written with `csvLine`.
 *
 * - RFC 4180: fields separated by commas, every line ends with CRLF; a field holding a comma, a
 *   double quote, CR or LF is enclosed in double quotes, its double quotes doubled.
 * - Formula injection (OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection):
 *   a spreadsheet that opens the file runs a cell starting with `=`, `+`, `-`, `@`, tab or carriage
 *   return as a formula (`=HYPERLINK(…)`, `@SUM(1+1)`, `+cmd|' /C calc'!A0`). Following OWASP, such
 *   a cell is written with a single quote `'` in front: `=SUM(1+1)` becomes `'=SUM(1+1)`, which a
 *   spreadsheet shows as text. A cell that already starts with quotes before one of those
 *   characters gets one more (`'=x` is written `''=x`), so the rule can always be undone exactly:
 *   **remove one leading `'` from every cell that matches `^'+[=+\-@\t\r]`** (`restoreCell`).
 *
 * OWASP's rule is followed as written, so it also marks negative numbers (`-5` is written `'-5`)
 * and phone numbers in international format (`+62 812…` is written `'+62 812…`). These files are
 * read by people in spreadsheets, where a formula is the greater risk; a program that reads them
 * back applies `restoreCell`.
 */

/** A cell a spreadsheet would evaluate, possibly behind quotes this writer added before. */
const FORMULA_START = /^'*[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** The cell as a spreadsheet will show it: a `'` in front of anything that would be a formula. */
export function neutraliseCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** The original value of a cell written by `neutraliseCell` (the exact inverse). */
export function restoreCell(cell: string): string {
  return /^'+[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

/** One field: neutralised, then quoted when RFC 4180 requires it. */
export function csvField(value: string): string {
  const cell = neutraliseCell(value);
  return NEEDS_QUOTES.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** One CSV line (RFC 4180, CRLF-terminated) of neutralised fields. */
export function csvLine(values: readonly string[]): string {
  return values.map(csvField).join(',') + '\r\n';
}
