/**
 * WhatsApp's two send-rate limits: messages per second per business number (130429) and the
 * (business, user) pair rate (131056). Both are checked first and committed only when the send is
 * accepted, because only accepted sends count.
 */

const WINDOW_MS = 1000;

/** Accepted sends of one number in the last second; also remembers the busiest second seen. */
class SlidingSecond {
  private times: number[] = [];
  private head = 0;
  maxCount = 0;

  count(now: number): number {
    this.prune(now);
    return this.times.length - this.head;
  }

  add(now: number): void {
    this.times.push(now);
    this.maxCount = Math.max(this.maxCount, this.count(now));
  }

  private prune(now: number): void {
    while (this.head < this.times.length && this.times[this.head] <= now - WINDOW_MS) this.head++;
    // Compact now and then so the array holds about one second of entries.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}

export class ThroughputLimiter {
  private readonly windows = new Map<string, SlidingSecond>();

  /** Whether one more send from this number stays within `mps` in the sliding second. */
  allows(phoneNumberId: string, mps: number, now: number): boolean {
    return (this.windows.get(phoneNumberId)?.count(now) ?? 0) < mps;
  }

  record(phoneNumberId: string, now: number): void {
    let window = this.windows.get(phoneNumberId);
    if (!window) {
      window = new SlidingSecond();
      this.windows.set(phoneNumberId, window);
    }
    window.add(now);
  }

  /** The highest number of sends accepted in any one-second window. */
  maxPerSecond(phoneNumberId: string): number {
    return this.windows.get(phoneNumberId)?.maxCount ?? 0;
  }

  clear(): void {
    this.windows.clear();
  }
}

interface Bucket {
  tokens: number;
  /** When the last whole token was added (or the bucket was created). */
  refilledAt: number;
}

/** A token bucket per (sender, recipient): `capacity` sends at once, then one per `refillMs`. */
export class PairRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  allows(key: string, capacity: number, refillMs: number, now: number): boolean {
    const bucket = this.buckets.get(key);
    return !bucket || this.refill(bucket, capacity, refillMs, now) >= 1;
  }

  take(key: string, capacity: number, refillMs: number, now: number): void {
    this.sweep(capacity, refillMs, now);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: capacity, refilledAt: now };
      this.buckets.set(key, bucket);
    }
    this.refill(bucket, capacity, refillMs, now);
    bucket.tokens -= 1;
  }

  clear(): void {
    this.buckets.clear();
  }

  private refill(bucket: Bucket, capacity: number, refillMs: number, now: number): number {
    const whole = Math.floor((now - bucket.refilledAt) / refillMs);
    if (whole > 0) {
      bucket.tokens = Math.min(capacity, bucket.tokens + whole);
      bucket.refilledAt += whole * refillMs;
    }
    if (bucket.tokens >= capacity) bucket.refilledAt = now;
    return bucket.tokens;
  }

  /**
   * Forgets full buckets (a full bucket behaves like a missing one), so that a campaign to a
   * million people does not keep a million buckets. Runs at most once per full-refill period.
   */
  private sweep(capacity: number, refillMs: number, now: number): void {
    if (now - this.lastSweep < capacity * refillMs) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (this.refill(bucket, capacity, refillMs, now) >= capacity) this.buckets.delete(key);
    }
  }
}
