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

describe('built-in names of exports and Indonesian headers', () => {
  const map = (header: string[], phoneColumn?: string, columns?: Record<string, string>) => {
    const mapping = mapHeader(header, phoneColumn, columns);
    if (isHeaderProblem(mapping)) throw new Error(mapping.message);
    return mapping;
  };

  it('reads a Google Contacts header: Phone 1 - Value, Name, the rest attributes', () => {
    const m = map(['Name', 'Given Name', 'Family Name', 'Group Membership', 'Phone 1 - Type', 'Phone 1 - Value', 'Phone 2 - Type', 'Phone 2 - Value']);
    expect({ phone: m.phone, name: m.name, parts: m.nameParts }).toEqual({ phone: 5, name: 0, parts: [1, 2] });
    expect(m.attributes.map(([, k]) => k)).toEqual(['group_membership', 'phone_1_type', 'phone_2_type', 'phone_2_value']);
  });

  it('prefers Outlook Mobile Phone, joins first and last names, and falls back to Shopify Default Address Phone', () => {
    const outlook = map(['First Name', 'Last Name', 'Business Phone', 'Mobile Phone']);
    expect({ phone: outlook.phone, fallbacks: outlook.phoneFallbacks, name: outlook.name, parts: outlook.nameParts }).toEqual({
      phone: 3,
      fallbacks: [2],
      name: null,
      parts: [0, 1],
    });
    const shopify = map(['First Name', 'Accepts Email Marketing', 'Default Address Phone', 'Phone', 'Accepts SMS Marketing', 'Tags']);
    expect({ phone: shopify.phone, fallbacks: shopify.phoneFallbacks, tags: shopify.tags, consent: shopify.consent.flag }).toEqual({
      phone: 3,
      fallbacks: [2],
      tags: 5,
      consent: null,
    });
  });

  it('never takes an email or SMS marketing column as the WhatsApp opt-in', () => {
    const m = map(['phone', 'Accepts Email Marketing', 'Accepts SMS Marketing', 'email_opt_in']);
    expect(m.consent).toEqual({ flag: null, at: null, source: null, text: null });
    expect(m.attributes.map(([, k]) => k)).toEqual(['accepts_email_marketing', 'accepts_sms_marketing', 'email_opt_in']);
  });

  it.each([
    [['Nama Pelanggan', 'No HP', 'Setuju Promo'], { name: 0, phone: 1, flag: 2 }],
    [['nama', 'nomor whatsapp', 'setuju promo', 'tanggal setuju'], { name: 0, phone: 1, flag: 2 }],
    [['Nama', 'no_wa'], { name: 0, phone: 1, flag: null }],
    [['nama', 'Telepon'], { name: 0, phone: 1, flag: null }],
  ])('reads %j', (header, expected) => {
    const m = map(header);
    expect({ name: m.name, phone: m.phone, flag: m.consent.flag }).toEqual(expected);
  });
});

describe('columns mapping', () => {
  it('maps named columns first; the built-in names fill what it leaves open', () => {
    const m = mapHeader(['Pelanggan', 'Kontak', 'phone', 'Setuju', 'Kota', 'x'], undefined, {
      pelanggan: 'name',
      Kontak: 'phone',
      Setuju: 'opt_in',
      Kota: 'attributes.city',
      x: 'ignore',
    });
    if (isHeaderProblem(m)) throw new Error(m.message);
    expect({ name: m.name, phone: m.phone, fallbacks: m.phoneFallbacks, flag: m.consent.flag }).toEqual({ name: 0, phone: 1, fallbacks: [], flag: 3 });
    expect(m.attributes).toEqual([
      [2, 'phone'],
      [4, 'city'],
    ]);
  });

  it.each([
    [{ Nope: 'phone' }, 'IMPORT_COLUMNS_UNKNOWN_COLUMN'],
    [{ Kontak: 'mobile' }, 'IMPORT_COLUMNS_UNKNOWN_FIELD'],
    [{ Kontak: 'attributes.' }, 'IMPORT_COLUMNS_UNKNOWN_FIELD'],
    [{ Kontak: 'phone', Lain: 'phone' }, 'IMPORT_COLUMNS_FIELD_TWICE'],
    [{ Kontak: 'attributes.a', Lain: 'attributes.a' }, 'IMPORT_COLUMNS_FIELD_TWICE'],
    [{ Kontak: 'phone', kontak: 'name' }, 'IMPORT_COLUMNS_FIELD_TWICE'],
  ])('refuses %j with %s', (columns, code) => {
    expect(mapHeader(['Kontak', 'Lain'], undefined, columns)).toMatchObject({ code });
  });

  it('refuses phoneColumn naming another column than the mapping', () => {
    expect(mapHeader(['Kontak', 'Lain'], 'Lain', { Kontak: 'phone' })).toMatchObject({ code: 'IMPORT_COLUMNS_FIELD_TWICE' });
  });
});
