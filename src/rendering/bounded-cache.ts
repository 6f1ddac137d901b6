/**
 * A small least-recently-used cache: at most `capacity` entries; when full, the entry read or
 * written least recently is evicted. Every cache keyed by input (a locale, a time zone, a pattern
 * from a binding, a value from a contact) must be bounded, or distinct values from requests grow it
 * without end: 2,000 previews with distinct time zones once took the API from 98 MB to 1.45 GB.
 *
 * Reads are on the rendering hot path, so a read only stamps its entry; the least recent entry is
 * found by a scan when an insert overflows, which happens on a miss (and a miss builds an Intl
 * formatter, far costlier than scanning a few hundred entries).
 */
export class BoundedCache<K, V> {
  private readonly entries = new Map<K, { value: V; used: number }>();
  private clock = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error('capacity must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    entry.used = ++this.clock;
    return entry.value;
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  set(key: K, value: V): void {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      entry.value = value;
      entry.used = ++this.clock;
      return;
    }
    if (this.entries.size >= this.capacity) this.evictLeastRecent();
    this.entries.set(key, { value, used: ++this.clock });
  }

  /** The cached value, or `make(key)`, stored first. */
  getOrSet(key: K, make: (key: K) => V): V {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      entry.used = ++this.clock;
      return entry.value;
    }
    const value = make(key);
    this.set(key, value);
    return value;
  }

  private evictLeastRecent(): void {
    let oldestKey: K | undefined;
    let oldest = Infinity;
    for (const [key, entry] of this.entries) {
      if (entry.used < oldest) {
        oldest = entry.used;
        oldestKey = key;
      }
    }
    this.entries.delete(oldestKey as K);
  }
}
