import { canonicalTimeZone, ConsentDateReader, countryTimeZone, isDateFormat, luxonFormats } from './consent-dates';

const iso = (result: number | string) => (typeof result === 'number' ? new Date(result).toISOString() : result);

describe('ConsentDateReader', () => {
  it.each([
    ['2025-06-01T10:00:00Z', '2025-06-01T10:00:00.000Z'],
    ['2025-06-01T10:00:00+07:00', '2025-06-01T03:00:00.000Z'],
    ['2025-06-01T10:00:00.5-0130', '2025-06-01T11:30:00.500Z'],
    ['2025-06-01 10:00 +07', '2025-06-01T03:00:00.000Z'],
  ])('takes %s with its offset as written, with or without an import zone', (text, expected) => {
    expect(iso(new ConsentDateReader(undefined, undefined).read(text))).toBe(expected);
    expect(iso(new ConsentDateReader('America/New_York', 'DD/MM/YYYY').read(text))).toBe(expected);
  });

  it.each([
    ['2025-06-01', '2025-05-31T17:00:00.000Z'],
    ['2025-06-01 10:00', '2025-06-01T03:00:00.000Z'],
    ['2026-03-01T08:00:00', '2026-03-01T01:00:00.000Z'],
  ])('reads zoneless %s in the import zone', (text, expected) => {
    expect(iso(new ConsentDateReader('Asia/Jakarta', undefined).read(text))).toBe(expected);
  });

  it('never reads a zoneless date as UTC: without a zone it is a problem', () => {
    const reader = new ConsentDateReader(undefined, 'DD/MM/YYYY');
    expect(reader.read('2026-03-01 08:00')).toBe('opt_in_at_no_time_zone');
    expect(reader.read('27/04/2024')).toBe('opt_in_at_no_time_zone');
  });

  it('reads day/month dates only with dateFormat, never guessing', () => {
    const guessless = new ConsentDateReader('Asia/Jakarta', undefined);
    for (const text of ['03/11/2025', '27/04/2024', '04/27/2024', '27.04.2024', '3-11-2025 08:00']) {
      expect(guessless.read(text)).toBe('opt_in_at_needs_date_format');
    }
    const dayFirst = new ConsentDateReader('Asia/Jakarta', 'DD/MM/YYYY');
    expect(iso(dayFirst.read('03/11/2025'))).toBe('2025-11-02T17:00:00.000Z');
    expect(iso(dayFirst.read('3/11/2025 8:05'))).toBe('2025-11-03T01:05:00.000Z');
    expect(iso(dayFirst.read('27/04/2024 08:00:30'))).toBe('2024-04-27T01:00:30.000Z');
    expect(dayFirst.read('04/27/2024')).toBe('opt_in_at_invalid');
    const monthFirst = new ConsentDateReader('Asia/Jakarta', 'MM/DD/YYYY HH:mm');
    expect(iso(monthFirst.read('03/11/2025'))).toBe('2025-03-10T17:00:00.000Z');
    expect(iso(new ConsentDateReader('Asia/Jakarta', 'DD.MM.YYYY').read('27.04.2024'))).toBe('2024-04-26T17:00:00.000Z');
  });

  it.each(['0024-04-27T10:00:00Z', '0099-01-01 00:00', '1899-12-31T00:00:00Z'])('refuses %s: no year before 1900, and none is moved to 19xx', (text) => {
    expect(new ConsentDateReader('Asia/Jakarta', undefined).read(text)).toBe('opt_in_at_year_out_of_range');
  });

  it('refuses a two-digit year and dates that do not exist', () => {
    const reader = new ConsentDateReader('Asia/Jakarta', 'DD/MM/YYYY');
    for (const text of ['27/04/24', '31/02/2025', '2025-02-30', '2025-13-01', '2025-06-01T25:00', '2025-06-01T10:00+15:00', 'yesterday', '45123']) {
      expect(reader.read(text)).toBe('opt_in_at_invalid');
    }
  });
});

describe('dateFormat', () => {
  it.each(['DD/MM/YYYY', 'D/M/YYYY', 'MM/DD/YYYY', 'YYYY-MM-DD', 'DD.MM.YYYY', 'DD-MM-YYYY HH:mm', 'MM/DD/YYYY HH:mm:ss'])('accepts %s', (f) =>
    expect(isDateFormat(f)).toBe(true),
  );
  it.each(['DD/MM/YY', 'DD/MM-YYYY', 'YYYY/DD/MM', 'dd/mm/yyyy', 'DD/MM/YYYY hh:mm a', '', 'DD/MM/YYYY HH'])('refuses %j', (f) =>
    expect(isDateFormat(f)).toBe(false),
  );
  it('becomes Luxon formats with and without a time', () => {
    expect(luxonFormats('DD/MM/YYYY HH:mm')).toEqual(['d/M/yyyy', 'd/M/yyyy H:mm', 'd/M/yyyy H:mm:ss']);
  });
});

describe('zones', () => {
  it('canonicalises IANA names and refuses offsets and unknown names', () => {
    expect(canonicalTimeZone('asia/jakarta')).toBe('Asia/Jakarta');
    expect(canonicalTimeZone('Asia/Jakarta')).toBe('Asia/Jakarta');
    for (const bad of ['+07:00', 'UTC+7', 'Asia/Nowhere', 'WIB', '']) expect(canonicalTimeZone(bad)).toBeUndefined();
  });

  it('derives a zone only for a country that has exactly one', () => {
    expect(countryTimeZone('ID')).toBeUndefined();
    expect(countryTimeZone('US')).toBeUndefined();
    expect(countryTimeZone('SG')).toBe('Asia/Singapore');
    expect(countryTimeZone('TH')).toBe('Asia/Bangkok');
    expect(countryTimeZone(null)).toBeUndefined();
  });
});
