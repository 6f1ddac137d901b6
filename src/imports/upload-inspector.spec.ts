import { DomainError } from '../common/domain-error';
import { UploadInspector } from './upload-inspector';

function inspect(chunks: Array<string | Buffer>, maxLineBytes = 1024) {
  const inspector = new UploadInspector(maxLineBytes);
  for (const chunk of chunks) inspector.inspect(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return inspector.finish();
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  return 'OK';
}

describe('UploadInspector', () => {
  it('reads the header across chunks, with a BOM and CRLF, and detects the delimiter', () => {
    const file = inspect(['\uFEFFpho', 'ne;Na', 'me\r\n0812;A\r\n']);
    expect(file).toMatchObject({ delimiter: ';', header: ['phone', 'Name'] });
    expect(file.bytes).toBe(Buffer.byteLength('\uFEFFphone;Name\r\n0812;A\r\n'));
    expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('parses a quoted header', () => {
    expect(inspect(['"phone","full, name"\n1,2\n']).header).toEqual(['phone', 'full, name']);
  });

  it.each([
    [[''], 'IMPORT_FILE_EMPTY'],
    [['\n\n  \n'], 'IMPORT_FILE_EMPTY'],
    [['phone'], 'IMPORT_NO_ROWS'],
    [['phone\n'], 'IMPORT_NO_ROWS'],
    [['phone\n \r\n\n'], 'IMPORT_NO_ROWS'],
    [[Buffer.from([0x70, 0x68, 0x00, 0x0a])], 'IMPORT_FILE_NOT_TEXT'],
    [[Buffer.from('phone\nJos\xe9\n', 'latin1')], 'IMPORT_FILE_NOT_UTF8'],
    [[Buffer.from([0x70, 0x0a, 0x31, 0xe2, 0x82])], 'IMPORT_FILE_NOT_UTF8'],
    [['phone\n' + 'x'.repeat(2000) + '\n'], 'IMPORT_LINE_TOO_LONG'],
    [['"phone\n1\n'], 'IMPORT_CSV_MALFORMED'],
  ])('refuses %j with %s', (chunks, code) => {
    expect(codeOf(() => inspect(chunks as Array<string | Buffer>))).toBe(code);
  });

  it('accepts a multi-byte character split across chunks', () => {
    const bytes = Buffer.from('phone,nama\n1,Zoë\n');
    const split = bytes.indexOf(0xc3) + 1;
    expect(inspect([bytes.subarray(0, split), bytes.subarray(split)]).header).toEqual(['phone', 'nama']);
  });

  it('measures lines across chunk boundaries', () => {
    expect(codeOf(() => inspect(['phone\n' + 'x'.repeat(600), 'x'.repeat(600) + '\n']))).toBe('IMPORT_LINE_TOO_LONG');
    expect(codeOf(() => inspect(['phone\n' + 'x'.repeat(600), '\n' + 'x'.repeat(600) + '\n']))).toBe('OK');
  });
});

describe('UploadInspector: encodings', () => {
  it('reads UTF-16 LE and BE with a byte order mark, even split mid-character', () => {
    const text = 'phone\tnama\r\n0812\tZoë\r\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const inspector = new UploadInspector(1024);
    inspector.inspect(le.subarray(0, 5));
    inspector.inspect(le.subarray(5));
    expect(inspector.finish()).toMatchObject({ encoding: 'utf-16le', delimiter: '\t', header: ['phone', 'nama'] });
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    expect(inspect([be])).toMatchObject({ encoding: 'utf-16be', header: ['phone', 'nama'] });
  });

  it('decodes a named encoding', () => {
    const inspector = new UploadInspector(1024, 'windows-1252');
    inspector.inspect(Buffer.from('phone,nama\n1,Jos\xe9\n', 'latin1'));
    expect(inspector.finish()).toMatchObject({ encoding: 'windows-1252', header: ['phone', 'nama'] });
  });

  function refusal(chunks: Buffer[]) {
    try {
      inspect(chunks);
    } catch (error) {
      return { code: (error as DomainError).code, details: (error as DomainError).details };
    }
    return undefined;
  }

  it('names the exact line and column of the first byte that is not UTF-8, whatever the chunks', () => {
    const file = Buffer.concat([Buffer.from('phone,nama\n1,a\n2,Zoë J'), Buffer.from([0xe9]), Buffer.from('\n3,x\n')]);
    for (let cut = 1; cut < file.length; cut++) {
      expect([cut, refusal([file.subarray(0, cut), file.subarray(cut)])]).toEqual([cut, { code: 'IMPORT_FILE_NOT_UTF8', details: { line: 3, column: 8 } }]);
    }
    // A sequence cut off by the end of the file.
    expect(refusal([Buffer.from('phone\n1,é'), Buffer.from([0xe2, 0x82])])).toEqual({ code: 'IMPORT_FILE_NOT_UTF8', details: { line: 2, column: 4 } });
  });
});
