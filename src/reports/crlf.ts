import { Transform, TransformCallback } from 'node:stream';

const QUOTE = 0x22;
const LF = 0x0a;
const CRLF = Buffer.from('\r\n');

/**
 * Turns the line ends of a CSV stream from LF (PostgreSQL's COPY … CSV) into CRLF (RFC 4180, and
 * every other CSV Siaran writes), leaving LFs inside quoted fields as they are. The quote state is
 * carried across chunks, so a field split between two chunks is handled. Bytes, not characters: in
 * UTF-8 the bytes of `"` and LF never occur inside another character. It jumps from quote to
 * quote and line end to line end with Buffer.indexOf (native) rather than looking at every byte in
 * JavaScript: a million-row report is a few hundred megabytes.
 */
export class CsvLineEnds extends Transform {
  private quoted = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const parts: Buffer[] = [];
    let from = 0;
    let pos = 0;
    let quoted = this.quoted;
    while (pos < chunk.length) {
      if (quoted) {
        const close = chunk.indexOf(QUOTE, pos);
        if (close === -1) break;
        quoted = false;
        pos = close + 1;
        continue;
      }
      const lf = chunk.indexOf(LF, pos);
      const open = chunk.indexOf(QUOTE, pos);
      if (open !== -1 && (lf === -1 || open < lf)) {
        quoted = true;
        pos = open + 1;
      } else if (lf !== -1) {
        parts.push(chunk.subarray(from, lf), CRLF);
        from = pos = lf + 1;
      } else break;
    }
    this.quoted = quoted;
    if (parts.length === 0) return done(null, chunk);
    if (from < chunk.length) parts.push(chunk.subarray(from));
    done(null, Buffer.concat(parts));
  }
}
