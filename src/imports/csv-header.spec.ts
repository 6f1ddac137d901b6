import { detectDelimiter, excelSeparator, isHeaderProblem, isSeparatorRecord, mapHeader, normaliseColumnName } from './csv-header';

describe('detectDelimiter', () => {
  it.each([
    ['phone,name,city', ','],
    ['phone;name;city', ';'],
    ['phone\tname\tcity', '\t'],
    ['"a;b",c,d', ','],
    ['phone', ','],
    ['phone;"x,y,z"', ';'],
  ])('%j → %j', (line, expected) => expect(detectDelimiter(line)).toBe(expected));
});

describe('normaliseColumnName', () => {
  it.each([
    ['Phone', 'phone'],
    [' First Name ', 'first_name'],
    ['\uFEFFNo. HP', 'no_hp'],
    ['E-mail', 'e_mail'],
    ['Kota/Kabupaten', 'kota_kabupaten'],
    ['Número', 'número'],
    ['__x__', 'x'],
  ])('%j → %j', (raw, expected) => expect(normaliseColumnName(raw)).toBe(expected));
});

describe('mapHeader', () => {
  it('finds the phone column by any of its names, any case, and maps known fields', () => {
    const mapping = mapHeader(['Nama', 'No_HP', 'Kota', 'opt_in', 'Opt In At', 'opt_in_source', 'opt_in_text', 'Tags']);
    if (isHeaderProblem(mapping)) throw new Error(mapping.message);
    expect(mapping.phone).toBe(1);
    expect(mapping.name).toBe(0);
    expect(mapping.tags).toBe(7);
    expect(mapping.consent).toEqual({ flag: 3, at: 4, source: 5, text: 6 });
    expect(mapping.attributes).toEqual([[2, 'kota']]);
    expect(mapping.width).toBe(8);
  });

  it.each(['phone', 'PHONE_NUMBER', 'msisdn', 'Mobile', 'whatsapp', 'WA', 'nomor', 'no_hp', 'telepon'])('recognises %s', (name) => {
    const mapping = mapHeader(['id', name]);
    expect(isHeaderProblem(mapping) ? mapping : mapping.phone).toBe(1);
  });

  it('prefers the first name in its list when several are present', () => {
    const mapping = mapHeader(['mobile', 'phone']);
    expect(!isHeaderProblem(mapping) && mapping.phone).toBe(1);
  });

  it('takes an explicit phone column, by its name as written or normalised', () => {
    for (const given of ['Kontak Utama', 'kontak_utama']) {
      const mapping = mapHeader(['Kontak Utama', 'phone'], given);
      expect(!isHeaderProblem(mapping) && mapping.phone).toBe(0);
    }
    expect(mapHeader(['a', 'b'], 'c')).toMatchObject({ code: 'IMPORT_NO_PHONE_COLUMN' });
  });

  it('refuses a header without a phone column, listing the columns', () => {
    expect(mapHeader(['name', 'email'])).toMatchObject({ code: 'IMPORT_NO_PHONE_COLUMN', columns: ['name', 'email'] });
  });

  it('refuses columns that collide after normalisation', () => {
    expect(mapHeader(['phone', 'City', 'city '])).toMatchObject({ code: 'IMPORT_DUPLICATE_COLUMN', columns: ['city'] });
  });

  it('names unnamed columns by position', () => {
    const mapping = mapHeader(['phone', '', 'x']);
    expect(!isHeaderProblem(mapping) && mapping.attributes).toEqual([
      [1, 'column_2'],
      [2, 'x'],
    ]);
  });
});

describe("Excel's sep= line", () => {
  it.each([
    ['sep=;', ';'],
    ['sep=,', ','],
    ['sep=\t', '\t'],
    ['sep=\\t', '\t'],
    ['\uFEFFsep=;\r', ';'],
    ['SEP=;', ';'],
    ['sep=|', null],
    ['phone;name', undefined],
    ['sep=;;', undefined],
  ])('%j names %j', (line, delimiter) => {
    expect(excelSeparator(line)).toBe(delimiter);
  });

  it('recognises the line as the parser reads it with the delimiter it names', () => {
    expect(isSeparatorRecord(['sep=', ''], ';')).toBe(true);
    expect(isSeparatorRecord(['sep=\\t'], '\t')).toBe(true);
    expect(isSeparatorRecord(['phone', 'name'], ';')).toBe(false);
  });
});


describe('our own rejected.csv uploaded again', () => {
  it('ignores its three report columns, and only them', () => {
    const mapping = mapHeader(['line', 'reason', 'message', 'phone', 'city']);
    expect(isHeaderProblem(mapping) ? mapping : mapping.attributes).toEqual([[4, 'city']]);
  });

  it('keeps a column named line in any other file', () => {
    const mapping = mapHeader(['phone', 'line', 'reason']);
    expect(isHeaderProblem(mapping) ? mapping : mapping.attributes).toEqual([
      [1, 'line'],
      [2, 'reason'],
    ]);
  });
});
