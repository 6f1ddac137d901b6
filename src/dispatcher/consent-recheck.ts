import type { DispatchRepository } from './dispatch.repository';

/** A recipient about to be sent, and the consent scope its message needs. */
export interface RecheckItem {
  contactId: string;
  marketing: boolean;
}

/**
 * The last look before a send (issue 12, section 4: "no message to that person is sent after the
 * webhook that carried the STOP was stored"). The claim re-checks consent, but a claimed row waits
 * for its slot for up to `aheadMs` (500 ms); a STOP recorded meanwhile must still stop it. So each
 * row is checked again just before its slot (leadMs(): 15 ms, more when the database answers
 * slowly), against the contact's consent state now.
 *
 * Checks are batched: those asked within COALESCE_MS of each other, and those asked while a query
 * runs, go in one query (`DispatchRepository.notSendable`). At 1,000 messages a second that is at
 * most a few hundred small index reads a second per lane, instead of one per message.
 */
export class ConsentRecheck {
  private queue: Array<{ item: RecheckItem; resolve: (allowed: boolean) => void; reject: (error: unknown) => void }> = [];
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Recent answer time of a check (asked to answered, ms), smoothed. */
  private answerMs = 0;

  /**
   * How long before its slot a row should be checked, in milliseconds: long enough for the check
   * to answer before the slot (twice its recent answer time, and the coalescing wait), at least
   * RECHECK_LEAD_MS, at most MAX_LEAD_MS. On a loaded database the look is taken earlier rather
   * than the send made late: a late slot is given up (the gate's rule), and checks that always
   * answered after the slot would give every slot up.
   */
  leadMs(): number {
    return Math.min(MAX_LEAD_MS, Math.max(RECHECK_LEAD_MS, Math.ceil(2 * this.answerMs + this.coalesceMs)));
  }

  constructor(
    private readonly repository: Pick<DispatchRepository, 'notSendable'>,
    private readonly coalesceMs = COALESCE_MS,
  ) {}

  /** Whether the contact may still be sent this message (consent for the scope, not erased, not merged). Rejects when the database cannot say. */
  allows(item: RecheckItem): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running && !this.timer) this.timer = setTimeout(() => this.flush(), this.coalesceMs);
    });
  }

  private flush(): void {
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const asked = Date.now();
    this.running = this.repository
      .notSendable(batch.map((b) => b.item))
      .then(
        (refused) => {
          this.answerMs = 0.8 * this.answerMs + 0.2 * (Date.now() - asked);
          batch.forEach((b) => b.resolve(!refused.has(b.item.contactId)));
        },
        (error) => batch.forEach((b) => b.reject(error)),
      )
      .finally(() => {
        this.running = undefined;
        // Asked while the query ran: at once (they have waited already).
        if (this.queue.length > 0) this.flush();
      });
  }
}

/** The least time before its slot a row's consent is read again, in milliseconds (leadMs() adapts it to the database's answer time). */
export const RECHECK_LEAD_MS = 15;
/** The most: the claim itself re-checked consent at most AHEAD_MS (500 ms) before. */
const MAX_LEAD_MS = 250;
/** Checks asked within this many milliseconds share one query. */
const COALESCE_MS = 3;
