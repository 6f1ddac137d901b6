import { canonicalLocale, canonicalTimeZone, isStorableText, parseIsoTimestamp, unstorableInput } from './validation';

describe('input PostgreSQL can store', () => {
  it('refuses NUL and unpaired surrogates, keeps paired ones (emoji)', () => {
    expect(isStorableText('Ana 😀 Wijaya')).toBe(true);
    for (const text of ['\u0000', 'a\u0000', '\ud800', 'x\udc00', '\udc00\ud800']) expect(isStorableText(text)).toBe(false);
  });

  it('names every bad string and key by its path, and refuses deep nesting without recursion', () => {
    expect(unstorableInput({ name: 'a\u0000', attributes: { ['k\u0000']: 'v', ok: ['x', '\ud800'] } }, '')).toEqual(
      expect.arrayContaining([
        { field: 'name', problems: [expect.any(String)] },
        { field: 'attributes.k\u0000', problems: [expect.stringContaining('key')] },
        { field: 'attributes.ok.1', problems: [expect.any(String)] },
      ]),
    );
    expect(unstorableInput('\u0000', 'cursor')).toEqual([{ field: 'cursor', problems: [expect.any(String)] }]);
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unstorableInput({ a: deep }, '')[0].problems[0]).toMatch(/nested more than/);
  });
});

describe('ISO 8601 timestamps', () => {
  it.each([
    ['2025-03-01', '2025-03-01T00:00:00.000Z'],
    ['2025-03-01T10:00', '2025-03-01T10:00:00.000Z'],
    ['2025-03-01T10:00:00+07:00', '2025-03-01T03:00:00.000Z'],
    ['2026-03-01 10:00:00.123456+00', '2026-03-01T10:00:00.123Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59Z', '9999-12-31T23:59:59.000Z'],
  ])('%s is %s', (text, iso) => {
    expect(parseIsoTimestamp(text)?.toISOString()).toBe(iso);
  });

  it.each(['2026-13-45 99:99:99+00', '2025-02-29', '2025-02-30T00:00:00Z', '0000-01-01', '-271821-04-20T00:00:00Z', '+010000-01-01T00:00:00Z', '2025-03-01T24:00:00Z', '2025-03-01T10:00:00+16:00', 'yesterday', ''])(
    '%s names no storable instant',
    (text) => {
      expect(parseIsoTimestamp(text)).toBeNull();
    },
  );
});

describe('time zones and locales, as Intl decides', () => {
  it('accepts IANA names and the aliases Intl accepts, in canonical form', () => {
    expect(canonicalTimeZone('asia/jakarta')).toBe('Asia/Jakarta');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Etc/GMT+7')).toBe('Etc/GMT+7');
    expect(canonicalTimeZone('Asia/Calcutta')).not.toBeNull();
    for (const zone of ['Mars/Olympus', '', '+07:00', 'Asia/Jakarta\u0000', 'x'.repeat(65)]) expect(canonicalTimeZone(zone)).toBeNull();
  });

  it('accepts well-formed BCP 47 tags only', () => {
    expect(canonicalLocale('EN-us')).toBe('en-US');
    expect(canonicalLocale('id')).toBe('id');
    for (const locale of ['tr-!!', 'en_US', '', 'x'.repeat(65)]) expect(canonicalLocale(locale)).toBeNull();
  });
});
