import { createHash, Hash } from 'node:crypto';
import { TextDecoder } from 'node:util';
import { parse } from 'csv-parse/sync';
import { DomainError } from '../common/domain-error';
import { Delimiter, detectDelimiter, excelSeparator } from './csv-header';
import type { ImportEncoding } from './import-options';

export interface InspectedFile {
  bytes: number;
  sha256: string;
  delimiter: Delimiter;
  header: string[];
  /** How the file is decoded: as named by the upload, else UTF-16 for a UTF-16 BOM, else UTF-8. */
  encoding: ImportEncoding;
}

const NEWLINE = 0x0a;
const CANNOT_DECODE = `save it as "CSV UTF-8", or name its encoding in the field encoding (utf-8, utf-16le, utf-16be, windows-1252, iso-8859-1)`;

/**
 * Looks at an upload as it streams past, so that a file that can never import is refused at once,
 * with nothing stored: empty, binary (NUL bytes), not UTF-8 (with the line and column of the first
 * byte that is not), a physical line longer than the limit, a header that is not CSV, or a header
 * without data rows. What needs parsing the whole file (an unclosed quote, a bad row) is the
 * worker's job.
 *
 * Encodings: a file is UTF-8 unless the upload names another encoding, or it starts with a UTF-16
 * byte order mark (Excel's "Unicode Text"), in which case it is UTF-16 LE or BE. Other encodings
 * are decoded as they stream and checked as their UTF-8 text; the file is stored as uploaded.
 */
export class UploadInspector {
  private bytes = 0;
  private line = 1;
  private lineBytes = 0;
  /** Characters of the current line in earlier chunks (for the column of a bad byte). */
  private lineChars = 0;
  /** The start of a UTF-8 sequence that the previous chunk ended in the middle of. */
  private tail: Buffer = Buffer.alloc(0);
  private encoding: ImportEncoding | undefined;
  private decoder: TextDecoder | undefined;
  private headerParts: Buffer[] | null = [];
  private headerText = '';
  /** The delimiter named by Excel's `sep=` first line, if the file has one. */
  private separator: Delimiter | undefined;
  private sawData = false;
  private readonly hash: Hash = createHash('sha256');

  /** `encoding`: as the upload names it; undefined to detect (UTF-16 BOM, else UTF-8). */
  constructor(
    private readonly maxLineBytes: number,
    encoding?: ImportEncoding,
  ) {
    this.encoding = encoding;
  }

  inspect(chunk: Buffer): void {
    this.hash.update(chunk);
    if (this.encoding === undefined) this.encoding = sniff(chunk);
    this.decoder ??= new TextDecoder(this.encoding, { fatal: true });
    const utf8 = this.encoding === 'utf-8';
    let text = chunk;
    if (utf8) {
      if (chunk.indexOf(0) !== -1) throw this.notText();
      try {
        this.decoder.decode(chunk, { stream: true });
      } catch {
        throw this.notUtf8In(chunk);
      }
    } else {
      // Checked as the UTF-8 text it decodes to: lines, NULs and the header read the same way.
      let decoded: string;
      try {
        decoded = this.decoder.decode(chunk, { stream: true });
      } catch {
        throw notDecodable(this.encoding, this.line);
      }
      if (decoded.includes('\0')) throw this.notText();
      text = Buffer.from(decoded, 'utf8');
    }
    let start = 0;
    for (let nl = text.indexOf(NEWLINE); nl !== -1; nl = text.indexOf(NEWLINE, start)) {
      this.segment(text, start, nl);
      this.endLine();
      start = nl + 1;
    }
    this.segment(text, start, text.length);
    if (utf8) {
      this.lineChars += countChars(text, start, text.length);
      this.tail = incompleteTail(this.tail.length > 0 && chunk.length < 4 ? Buffer.concat([this.tail, chunk]) : chunk);
    }
    this.bytes += chunk.length;
  }

  finish(): InspectedFile {
    const encoding = this.encoding ?? 'utf-8';
    try {
      this.decoder?.decode();
    } catch {
      // A sequence cut off by the end of the file: its first byte was counted as a character.
      throw encoding === 'utf-8' ? notUtf8(this.line, Math.max(1, this.lineChars), this.tail[0]) : notDecodable(encoding, this.line);
    }
    if (this.headerParts) this.endLine(); // a file without a newline is all header
    if (this.headerText.trim() === '') throw new DomainError('IMPORT_FILE_EMPTY', 'The file is empty');
    const delimiter = this.separator ?? detectDelimiter(this.headerText);
    let header: string[];
    try {
      const records = parse(this.headerText, { delimiter, relax_quotes: true, to: 1 }) as string[][];
      header = records[0] ?? [];
    } catch (error) {
      throw new DomainError('IMPORT_CSV_MALFORMED', `The header line is not CSV: ${(error as Error).message}`, { line: 1 });
    }
    if (!this.sawData) throw new DomainError('IMPORT_NO_ROWS', 'The file has a header line and no rows');
    return { bytes: this.bytes, sha256: this.hash.digest('hex'), delimiter, header, encoding };
  }

  private notText(): DomainError {
    return new DomainError('IMPORT_FILE_NOT_TEXT', `The file is binary, not CSV text (a NUL byte near line ${this.line})`);
  }

  /**
   * The exact place of the first byte in `chunk` (or the sequence the previous chunk ended with)
   * that is not UTF-8: lines are counted up to it, not up to the chunk it came in.
   */
  private notUtf8In(chunk: Buffer): DomainError {
    const view = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
    const bad = firstInvalidUtf8(view);
    if (bad === -1) return notUtf8(this.line, null, undefined); // cannot happen: the decoder refused it
    let line = this.line;
    let lineStart = -1;
    for (let nl = view.indexOf(NEWLINE); nl !== -1 && nl < bad; nl = view.indexOf(NEWLINE, nl + 1)) {
      line++;
      lineStart = nl;
    }
    // Characters before it on its line; the tail's first byte was counted already in lineChars.
    const before = lineStart === -1 ? this.lineChars - (this.tail.length > 0 ? 1 : 0) + countChars(view, 0, bad) : countChars(view, lineStart + 1, bad);
    return notUtf8(line, before + 1, view[bad]);
  }

  private segment(chunk: Buffer, start: number, end: number): void {
    const length = end - start;
    if (length === 0) return;
    this.lineBytes += length;
    if (this.lineBytes > this.maxLineBytes) {
      throw new DomainError(
        'IMPORT_LINE_TOO_LONG',
        `Line ${this.line} is longer than ${this.maxLineBytes} bytes; is this a CSV file?`,
        { line: this.line, maxLineBytes: this.maxLineBytes },
      );
    }
    if (this.headerParts) this.headerParts.push(chunk.subarray(start, end));
    else if (!this.sawData && /[^\s]/.test(chunk.toString('utf8', start, end))) this.sawData = true;
  }

  private endLine(): void {
    if (this.headerParts) {
      this.headerText = Buffer.concat(this.headerParts).toString('utf8').replace(/^\uFEFF/, '').replace(/\r$/, '');
      const separator = this.separator === undefined ? excelSeparator(this.headerText) : undefined;
      if (separator === null) {
        throw new DomainError('IMPORT_CSV_MALFORMED', `The first line "${this.headerText.slice(0, 10)}" names a delimiter Siaran does not read (comma, semicolon or tab)`, {
          line: this.line,
        });
      }
      if (separator !== undefined) {
        // Excel's `sep=;` line: it names the delimiter, and the header is the next line.
        this.separator = separator;
        this.headerText = '';
        this.headerParts = [];
      } else {
        // Blank lines before the header are skipped, as the parser skips them.
        this.headerParts = this.headerText.trim() === '' ? [] : null;
      }
    }
    this.line++;
    this.lineBytes = 0;
    this.lineChars = 0;
  }
}

function notUtf8(line: number, column: number | null, byte: number | undefined): DomainError {
  const where = column === null ? `near line ${line}` : `line ${line}, column ${column}`;
  const what = byte === undefined ? '' : ` (byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')})`;
  return new DomainError('IMPORT_FILE_NOT_UTF8', `The file is not UTF-8 text: the first byte that is not is at ${where}${what}; ${CANNOT_DECODE}`, {
    line,
    column,
  });
}

function notDecodable(encoding: ImportEncoding, line: number): DomainError {
  return new DomainError('IMPORT_FILE_NOT_UTF8', `The file is not valid ${encoding} text (near line ${line}); ${CANNOT_DECODE}`, {
    line,
    encoding,
  });
}

/** UTF-16 byte order marks (Excel's "Unicode Text" writes UTF-16 LE with one); anything else is UTF-8. */
function sniff(chunk: Buffer): ImportEncoding {
  if (chunk.length >= 2 && chunk[0] === 0xff && chunk[1] === 0xfe) return 'utf-16le';
  if (chunk.length >= 2 && chunk[0] === 0xfe && chunk[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/** Characters in bytes[from, to) of valid UTF-8: the bytes that are not continuation bytes. */
function countChars(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if ((bytes[i] & 0xc0) !== 0x80) n++;
  return n;
}

/** The length of the sequence a UTF-8 lead byte starts (0: not a lead byte). */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** The bytes at the end of valid UTF-8 that start a sequence the next chunk completes (a copy). */
function incompleteTail(bytes: Buffer): Buffer {
  for (let k = bytes.length - 1; k >= 0 && k >= bytes.length - 3; k--) {
    if ((bytes[k] & 0xc0) === 0x80) continue;
    return k + sequenceLength(bytes[k]) > bytes.length ? Buffer.from(bytes.subarray(k)) : Buffer.alloc(0);
  }
  return Buffer.alloc(0);
}

/**
 * The index of the first byte of the first ill-formed UTF-8 sequence (the WHATWG decoder's rules:
 * no overlong forms, surrogates or code points past U+10FFFF), or -1 when there is none (an
 * incomplete sequence at the very end is not yet ill-formed).
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i];
    const length = sequenceLength(lead);
    if (length === 0) return i;
    if (length === 1) {
      i++;
      continue;
    }
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k < length; k++) {
      if (i + k >= bytes.length) return -1;
      const b = bytes[i + k];
      if (b < (k === 1 ? low : 0x80) || b > (k === 1 ? high : 0xbf)) return i;
    }
    i += length;
  }
  return -1;
}
