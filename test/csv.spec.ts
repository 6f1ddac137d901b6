import { parse } from 'csv-parse/sync';
import { csvField, csvLine, neutraliseCell, restoreCell } from '../src/common/csv';

/** The one CSV writer (src/common/csv.ts): RFC 4180 and OWASP's rule against formula injection. */
describe('CSV writer', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","click")', `"'=HYPERLINK(""http://evil.example"",""click"")"`],
    ['@SUM(1+1)', "'@SUM(1+1)"],
    ["+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"],
    ['-2+3', "'-2+3"],
    ['\t=1+1', "'\t=1+1"],
    ['\r=1+1', `"'\r=1+1"`],
    ["'=already", "''=already"],
    ["''@twice", "'''@twice"],
    ['+62 812 3456 7890', "'+62 812 3456 7890"],
    ['-', "'-"],
  ])('neutralises %j as %j', (value, written) => {
    expect(csvField(value)).toBe(written);
  });

  it.each([['plain'], ['Jakarta Selatan'], ["it's"], ["'quoted"], ['a=b'], ['1-2'], ['email@example.com'], [''], ['0812-3456']])(
    'leaves %j alone',
    (value) => expect(neutraliseCell(value)).toBe(value),
  );

  it('quotes what RFC 4180 requires and ends lines with CRLF', () => {
    expect(csvLine(['a,b', 'say "hi"', 'two\nlines', 'x'])).toBe('"a,b","say ""hi""","two\nlines",x\r\n');
  });

  it('can always be undone: parse, then remove one leading quote from neutralised cells', () => {
    const values = ['=1', "'=1", "''=1", '+', '-5', '@x', '\tx', '\rx', "'", "'x", 'plain', '', 'a,b', '"q"', "'\t", '=a\nb'];
    const parsed = parse(csvLine(values), { relax_quotes: true }) as string[][];
    expect(parsed[0].map(restoreCell)).toEqual(values);
  });
});
