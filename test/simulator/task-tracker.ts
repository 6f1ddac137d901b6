/**
 * Timers and asynchronous work that will produce webhooks, counted so that tests can wait until
 * everything scheduled has happened (idle()) and stop() can cancel what has not.
 */
export class TaskTracker {
  private readonly timers = new Set<NodeJS.Timeout>();
  private pending = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Runs fn after delayMs; pending until fn returns (work fn schedules meanwhile keeps it pending). */
  after(delayMs: number, fn: () => void): void {
    this.pending++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      try {
        fn();
      } catch (error) {
        this.onError(error);
      } finally {
        this.settle();
      }
    }, delayMs);
    this.timers.add(timer);
  }

  /** Marks a piece of asynchronous work as pending; call the returned function once it is over. */
  hold(): () => void {
    this.pending++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.settle();
    };
  }

  /** Resolves once nothing is pending. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Cancels every timer that has not fired (held work ends on its own). */
  cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.pending -= this.timers.size;
    this.timers.clear();
    this.notifyIfIdle();
  }

  private settle(): void {
    this.pending--;
    this.notifyIfIdle();
  }

  private notifyIfIdle(): void {
    if (this.pending > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
