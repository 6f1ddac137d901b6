import { ListContactsQuery } from '../contacts/dto/list-contacts.query';
import { CreateContactDto } from '../contacts/dto/create-contact.dto';
import { UpdateContactDto } from '../contacts/dto/update-contact.dto';
import { DomainError } from './domain-error';
import { canonicalLocale, canonicalTimeZone, FieldProblem, isStorableText, parseIsoDateTime, parseIsoTimestamp, unstorableInput, validationPipe } from './validation';

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

  it('refuses numbers that are not finite (JSON 1e400 is Infinity, stored as null), and keeps huge finite ones', () => {
    const body = JSON.parse('{"a": 1e400, "b": [-1e400, 1e308], "c": {"d": 1e16}, "e": 8.640000000000001e15}');
    expect(unstorableInput(body, '')).toEqual([
      { field: 'b.0', problems: [expect.stringMatching(/finite/)] },
      { field: 'a', problems: [expect.stringMatching(/finite/)] },
    ]);
    expect(unstorableInput(Number.POSITIVE_INFINITY, 'limit')).toEqual([{ field: 'limit', problems: [expect.stringMatching(/finite/)] }]);
  });

  it('refuses the keys __proto__, constructor and prototype, which would be dropped or change the prototype', () => {
    const body = JSON.parse('{"attributes": {"__proto__": {"x": 1}, "constructor": "y", "prototype": 1, "city": "Medan"}}');
    expect(unstorableInput(body, '').map((p) => p.field).sort()).toEqual(['attributes.__proto__', 'attributes.constructor', 'attributes.prototype']);
    expect(unstorableInput({ attributes: { proto: 1, Constructor: 2 } }, '')).toEqual([]);
  });
});

describe('the validation pipe: one coherent problem per field', () => {
  async function problemsOf(value: unknown, metatype: new () => object, type: 'body' | 'query' = 'body'): Promise<FieldProblem[]> {
    try {
      await validationPipe.transform(value, { type, metatype });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'VALIDATION_FAILED') return error.details as FieldProblem[];
      throw error;
    }
    throw new Error('expected VALIDATION_FAILED');
  }

  it('names the kind a value must be, without the checks that contradict it', async () => {
    expect(await problemsOf({ phone: 6281234567890 }, CreateContactDto)).toEqual([{ field: 'phone', problems: ['phone must be a string'] }]);
    expect(await problemsOf({ phone: '+6281234567890', tags: 'vip' }, CreateContactDto)).toEqual([{ field: 'tags', problems: ['tags must be an array'] }]);
    expect(await problemsOf({ limit: '1.5' }, ListContactsQuery, 'query')).toEqual([{ field: 'limit', problems: ['limit must be an integer number'] }]);
    expect(await problemsOf({ limit: '900' }, ListContactsQuery, 'query')).toEqual([{ field: 'limit', problems: ['limit must not be greater than 500'] }]);
  });

  it('says a query parameter given twice must be given once, and still checks the others', async () => {
    expect(await problemsOf({ limit: ['1', '2'] }, ListContactsQuery, 'query')).toEqual([{ field: 'limit', problems: ['limit must be given once'] }]);
    expect(await problemsOf({ limit: ['1', '2'], country: 'Indonesia' }, ListContactsQuery, 'query')).toEqual([
      { field: 'limit', problems: ['limit must be given once'] },
      { field: 'country', problems: [expect.stringMatching(/ISO 3166/)] },
    ]);
    // a list parameter may repeat
    await expect(validationPipe.transform({ tag: ['vip', 'new'] }, { type: 'query', metatype: ListContactsQuery })).resolves.toMatchObject({ tag: ['vip', 'new'] });
    // a single named parameter too
    await expect(validationPipe.transform(['a', 'b'], { type: 'query', metatype: String, data: 'cursor' })).rejects.toMatchObject({
      details: [{ field: 'cursor', problems: ['cursor must be given once'] }],
    });
  });

  it('refuses null where null means nothing, naming the field; keeps it where it clears (name)', async () => {
    expect(await problemsOf({ name: null, tags: null, attributes: null }, UpdateContactDto)).toEqual([
      { field: 'attributes', problems: [expect.stringMatching(/^attributes must not be null/)] },
      { field: 'tags', problems: [expect.stringMatching(/^tags must not be null/)] },
    ]);
    await expect(validationPipe.transform({ name: null }, { type: 'body', metatype: UpdateContactDto })).resolves.toMatchObject({ name: null });
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

  it('tells a wall-clock time from one with a zone', () => {
    expect(parseIsoDateTime('2026-03-05')).toEqual({ date: new Date('2026-03-05T00:00:00Z'), zoned: false });
    expect(parseIsoDateTime('2026-03-05 10:00')).toEqual({ date: new Date('2026-03-05T10:00:00Z'), zoned: false });
    expect(parseIsoDateTime('2026-03-05T10:00+07')).toEqual({ date: new Date('2026-03-05T03:00:00Z'), zoned: true });
    expect(parseIsoDateTime('2025-02-30')).toBeNull();
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

  it('refuses a tag Intl has no data for, which it would silently format in English', () => {
    for (const locale of ['zz', 'und', 'qaa', 'zz-ZZ']) expect(canonicalLocale(locale)).toBeNull();
    for (const locale of ['id', 'ms', 'en-US', 'id-ID', 'ms-MY', 'pt-BR', 'fil', 'en-US-u-nu-latn']) expect(canonicalLocale(locale)).toBe(locale);
  });
});
