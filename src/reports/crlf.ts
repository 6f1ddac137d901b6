import { Transform, TransformCallback } from 'node:stream';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Turns the line ends of a CSV stream from LF (PostgreSQL's COPY … CSV) into CRLF (RFC 4180, and
 * every other CSV Siaran writes), leaving LFs inside quoted fields as they are. The quote state is
 * carried across chunks, so a field split between two chunks is handled. Bytes, not characters: in
 * UTF-8 the bytes of `"` and LF never occur inside another character.
 */
export class CsvLineEnds extends Transform {
  private quoted = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let extra = 0;
    let quoted = this.quoted;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === QUOTE) quoted = !quoted;
      else if (b === LF && !quoted) extra++;
    }
    if (extra === 0) {
      this.quoted = quoted;
      return done(null, chunk);
    }
    const out = Buffer.allocUnsafe(chunk.length + extra);
    let o = 0;
    quoted = this.quoted;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === QUOTE) quoted = !quoted;
      else if (b === LF && !quoted) out[o++] = CR;
      out[o++] = b;
    }
    this.quoted = quoted;
    done(null, out);
  }
}
