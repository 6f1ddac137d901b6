import { createHash, Hash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { DomainError } from '../common/domain-error';
import { Delimiter, detectDelimiter, excelSeparator } from './csv-header';

export interface InspectedFile {
  bytes: number;
  sha256: string;
  delimiter: Delimiter;
  header: string[];
}

const NEWLINE = 0x0a;

/**
 * Looks at an upload as it streams past, so that a file that can never import is refused at once,
 * with nothing stored: empty, binary (NUL bytes), not UTF-8, a physical line longer than the limit,
 * a header that is not CSV, or a header without data rows. What needs parsing the whole file (an
 * unclosed quote, a bad row) is the worker's job.
 */
export class UploadInspector {
  private bytes = 0;
  private line = 1;
  private lineBytes = 0;
  private headerParts: Buffer[] | null = [];
  private headerText = '';
  /** The delimiter named by Excel's `sep=` first line, if the file has one. */
  private separator: Delimiter | undefined;
  private sawData = false;
  private readonly hash: Hash = createHash('sha256');
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly maxLineBytes: number) {}

  inspect(chunk: Buffer): void {
    this.hash.update(chunk);
    if (chunk.indexOf(0) !== -1) {
      throw new DomainError('IMPORT_FILE_NOT_TEXT', `The file is binary, not CSV text (a NUL byte near line ${this.line})`);
    }
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      throw notUtf8(this.line);
    }
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      this.segment(chunk, start, nl);
      this.endLine();
      start = nl + 1;
    }
    this.segment(chunk, start, chunk.length);
    this.bytes += chunk.length;
  }

  finish(): InspectedFile {
    try {
      this.decoder.decode();
    } catch {
      throw notUtf8(this.line);
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
    return { bytes: this.bytes, sha256: this.hash.digest('hex'), delimiter, header };
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
  }
}

function notUtf8(line: number): DomainError {
  return new DomainError('IMPORT_FILE_NOT_UTF8', `The file is not UTF-8 text (near line ${line}); save it as "CSV UTF-8"`, { line });
}
