/**
 * An append-only list that keeps the newest `capacity` entries, so that a long benchmark does not
 * grow the simulator's memory without bound. Old entries are dropped in chunks (amortised O(1)).
 */
export class BoundedLog<T> {
  private items: T[] = [];

  constructor(private readonly capacity: () => number) {}

  push(item: T): void {
    this.items.push(item);
    const capacity = this.capacity();
    if (this.items.length > capacity + Math.max(1, capacity >> 3)) this.items.splice(0, this.items.length - capacity);
  }

  /** A copy, oldest first. */
  all(): T[] {
    const capacity = this.capacity();
    return this.items.length > capacity ? this.items.slice(-capacity) : this.items.slice();
  }

  clear(): void {
    this.items = [];
  }
}
