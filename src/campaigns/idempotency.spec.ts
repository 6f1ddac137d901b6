import { DomainError } from '../common/domain-error';
import { canonicalJson, parseIdempotencyKey, requestHash } from './idempotency';

describe('idempotency keys', () => {
  it('hashes a request whatever the order of its keys, at every level', () => {
    const a = { name: 'x', audience: { tags: { any: ['a', 'b'] }, countries: ['ID'] }, at: new Date('2026-03-01T02:00:00Z') };
    const b = { at: new Date('2026-03-01T09:00:00+07:00'), audience: { countries: ['ID'], tags: { any: ['a', 'b'] } }, name: 'x' };
    expect(canonicalJson(a)).toBe('{"at":"2026-03-01T02:00:00.000Z","audience":{"countries":["ID"],"tags":{"any":["a","b"]}},"name":"x"}');
    expect(requestHash(a)).toBe(requestHash(b));
    expect(requestHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('tells apart requests that differ in a value, in the order of a list, or in a field left out', () => {
    const base = { name: 'x', ids: ['1', '2'] };
    expect(requestHash({ ...base, name: 'y' })).not.toBe(requestHash(base));
    expect(requestHash({ ...base, ids: ['2', '1'] })).not.toBe(requestHash(base));
    expect(requestHash({ ...base, maxMps: 10 })).not.toBe(requestHash(base));
    expect(requestHash({ ...base, maxMps: undefined })).toBe(requestHash(base));
  });

  it.each(['a', 'k'.repeat(255), '6f1c2a7e-3b4d-4c5e-8f90-123456789abc', 'order:42/retry#1'])('takes the key %p', (key) => {
    expect(parseIdempotencyKey(key)).toBe(key);
  });

  it('takes no key as none', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
  });

  it.each(['', 'k'.repeat(256), 'two words', 'a, b', 'kunci-ü', 'tab\there'])('refuses %p with 400 VALIDATION_FAILED naming the header', (key) => {
    let error: unknown;
    try {
      parseIdempotencyKey(key);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'Idempotency-Key' }] });
  });
});
