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
 * row is checked again RECHECK_LEAD_MS before its slot, against the contact's consent state now.
 *
 * Checks are batched: those asked within COALESCE_MS of each other, and those asked while a query
 * runs, go in one query (`DispatchRepository.notSendable`). At 1,000 messages a second that is at
 * most a few hundred small index reads a second per lane, instead of one per message.
 */
export class ConsentRecheck {
  private queue: Array<{ item: RecheckItem; resolve: (allowed: boolean) => void; reject: (error: unknown) => void }> = [];
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

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
    this.running = this.repository
      .notSendable(batch.map((b) => b.item))
      .then(
        (refused) => batch.forEach((b) => b.resolve(!refused.has(b.item.contactId))),
        (error) => batch.forEach((b) => b.reject(error)),
      )
      .finally(() => {
        this.running = undefined;
        // Asked while the query ran: at once (they have waited already).
        if (this.queue.length > 0) this.flush();
      });
  }
}

/** How long before its slot a row's consent is read again, in milliseconds: the query has that long to answer, so the send is not delayed. */
export const RECHECK_LEAD_MS = 15;
/** Checks asked within this many milliseconds share one query. */
const COALESCE_MS = 3;
