import { BoundedCache } from './bounded-cache';

describe('BoundedCache', () => {
  it('never holds more than its capacity, evicting the least recently used', () => {
    const cache = new BoundedCache<string, number>(3);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('d', 4);
    expect(cache.has('b')).toBe(false);
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4]);
    for (let i = 0; i < 10_000; i++) cache.getOrSet(`k${i}`, () => i);
    expect(cache.size).toBe(3);
  });

  it('caches a computed value once, null included', () => {
    const cache = new BoundedCache<string, number | null>(2);
    let made = 0;
    const make = () => {
      made++;
      return null;
    };
    expect(cache.getOrSet('x', make)).toBeNull();
    expect(cache.getOrSet('x', make)).toBeNull();
    expect(made).toBe(1);
  });
});
