/**
 * The phones that are on several accepted rows of a file, found as the row threads' results come
 * back (each result lists its rows' phones as numbers: E.164 digits, at most 15, exact in a double).
 * The merge handles these phones' rows apart (import-merge.ts REPEATS); finding them in SQL took two
 * passes over the staging table (1.4 s per million rows).
 *
 * The phones seen are kept in an open-addressing hash table over a Float64Array, not a Set: a
 * million numbers in a Set are a million heap objects that every major garbage collection of the
 * importer's thread (the CSV parser's, the import's bottleneck) has to mark. With a Set, the load
 * phase of npm run bench:import (1,000,000 rows) took 13.9 – 16.8 s against 12.8 – 13.1 s in the
 * runs just before it, on a noisy machine. The table is one buffer the collector skips.
 */
export class RepeatedPhones {
  /** 0 marks an empty slot (no phone is 0). Capacity is a power of two, kept at most half full. */
  private slots = new Float64Array(1 << 16);
  private size = 0;
  private readonly repeated = new Set<number>();

  /** The batches' phones, kept as they came (8 bytes a row) and looked at once, at the end. */
  private readonly batches: Float64Array[] = [];

  /** Records a batch's phones. */
  add(phones: Float64Array): void {
    this.batches.push(phones);
  }

  /**
   * E.164 of each phone seen more than once, in no particular order. The table is filled here, in
   * one loop after the file is read, not between batches while the CSV parser (the load's
   * bottleneck) runs. Measured with --cpu-prof on 300,000 rows: 367 ms on the parser's thread
   * between batches, 230 ms here at the end (a million inserts alone take about 0.25 s).
   */
  list(): string[] {
    for (const phones of this.batches.splice(0)) {
      for (const phone of phones) {
        if (!this.insert(phone)) this.repeated.add(phone);
      }
    }
    return [...this.repeated].map((phone) => `+${phone}`);
  }

  /** Adds a phone; false when it was there already. */
  private insert(phone: number): boolean {
    if (this.size * 2 >= this.slots.length) this.grow();
    const mask = this.slots.length - 1;
    for (let i = slotOf(phone, mask); ; i = (i + 1) & mask) {
      const held = this.slots[i];
      if (held === 0) {
        this.slots[i] = phone;
        this.size++;
        return true;
      }
      if (held === phone) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Float64Array(old.length * 2);
    const mask = this.slots.length - 1;
    for (const phone of old) {
      if (phone === 0) continue;
      let i = slotOf(phone, mask);
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = phone;
    }
  }
}

/**
 * A slot for a phone: its low and high 26-bit halves combined and mixed with MurmurHash3's
 * finaliser, so that every bit of the phone reaches the low bits the mask keeps (phones of one
 * file are often consecutive numbers).
 */
function slotOf(phone: number, mask: number): number {
  const low = phone % 0x4000000;
  const high = (phone - low) / 0x4000000;
  let h = Math.imul(low, 0x9e3779b1) ^ Math.imul(high + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & mask;
}
