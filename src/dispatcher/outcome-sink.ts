import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { safeError } from '../common/log-redaction';
import { ConsentService } from '../contacts/consent.service';
import { ContactsService } from '../contacts/contacts.service';
import { DispatchRepository, RecordedOutcome } from './dispatch.repository';
import { USER_STOPPED_MARKETING } from './send-outcome';

/** Outcomes are written at least this often… */
export const FLUSH_EVERY_MS = 100;
/** …or as soon as this many wait (one UPDATE over unnest per flush). */
const FLUSH_AT = 500;

/**
 * The outcomes of one worker's sends, written set-based: buffered for at most FLUSH_EVERY_MS, then
 * one transaction records them (DispatchRepository.record), teaches contacts the wa_ids WhatsApp
 * answered, and records a marketing opt-out for each 131050. A failed write keeps the outcomes and
 * tries again; if the process dies first, the rows' leases run out and they become `unknown`
 * (never sent twice). Released claims (never sent) go back to pending the same way.
 */
export class OutcomeSink {
  private readonly logger = new Logger(OutcomeSink.name);
  private outcomes: RecordedOutcome[] = [];
  private released: Array<{ campaignId: string; contactId: string }> = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly repository: DispatchRepository,
    private readonly contacts: ContactsService,
    private readonly consent: ConsentService,
  ) {}

  add(outcome: RecordedOutcome): void {
    this.outcomes.push(outcome);
    this.schedule(this.outcomes.length >= FLUSH_AT);
  }

  /** A claimed recipient that was not sent (the campaign paused or the worker is stopping). */
  release(campaignId: string, contactId: string): void {
    this.released.push({ campaignId, contactId });
    this.schedule(false);
  }

  /** Writes everything buffered, waiting for a write in progress; retries until it succeeds or `deadline` passes. */
  async drain(deadline = Date.now() + 10_000): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (Date.now() < deadline) {
      await this.flush();
      if (this.outcomes.length === 0 && this.released.length === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    this.logger.warn({ outcomes: this.outcomes.length, released: this.released.length }, 'Outcomes not written before shutdown: their rows will become unknown when the lease runs out');
  }

  private schedule(now: boolean): void {
    if (now) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, FLUSH_EVERY_MS);
    }
  }

  private flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.outcomes.length > 0 || this.released.length > 0 ? this.flush() : undefined));
    const outcomes = this.outcomes;
    const released = this.released;
    if (outcomes.length === 0 && released.length === 0) return Promise.resolve();
    this.outcomes = [];
    this.released = [];
    this.flushing = this.write(outcomes, released)
      .catch((error) => {
        this.logger.warn({ err: safeError(error), outcomes: outcomes.length }, 'Recording send outcomes failed; trying again');
        this.outcomes.unshift(...outcomes);
        this.released.unshift(...released);
        this.schedule(false);
      })
      .finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(outcomes: RecordedOutcome[], released: Array<{ campaignId: string; contactId: string }>): Promise<void> {
    await this.db.transaction(async (tx) => {
      // Every row this transaction writes, locked first and in key order (see DispatchRepository.lock).
      await this.repository.lock([...outcomes, ...released], tx);
      await this.repository.record(outcomes, tx);
      await this.repository.release(released, tx);
      // A wa_id the contact already holds teaches nothing; working out a wa_id's phone forms costs
      // a libphonenumber parse (about 27 µs), for every message of a campaign to a known audience.
      const waIds = [...new Set(outcomes.flatMap((o) => (o.outcome.state === 'accepted' && !o.waIdKnown ? [o.outcome.waId] : [])))];
      if (waIds.length > 0) await this.contacts.learnWaIds(tx, waIds);
      for (const o of outcomes) {
        if (o.outcome.state !== 'failed' || o.outcome.code !== USER_STOPPED_MARKETING) continue;
        await this.consent.recordWithin(tx, o.contactId, {
          kind: 'opt_out',
          scope: 'marketing',
          source: 'whatsapp_signal',
          wording: 'WhatsApp: the user stopped marketing messages from this business (error 131050, answered to a send)',
          evidence: { campaignId: o.campaignId, errorCode: o.outcome.code },
          occurredAt: o.at,
        });
      }
    });
  }
}
