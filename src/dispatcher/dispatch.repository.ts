import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { affected, Db, rows } from '../database/sql';
import type { ConcreteScope } from '../contacts/consent';
import { advancesSql } from '../whatsapp/delivery-status';
import type { Sends } from './campaign-message';
import type { RecipientOutcome } from './send-outcome';

/**
 * The dispatcher's reads and writes of campaign_recipients (migrations/1795800000000-Dispatch.ts):
 * the claim, outcomes, leases, completion and the deferred recipients' release. PostgreSQL is the
 * source of truth: a recipient is sent only after its claim (send_state `sending`, with a lease)
 * has committed, and every write that can race is conditioned on the state it expects.
 */

/** A campaign the dispatcher sends, as the claim needs it. */
export interface ClaimTarget {
  campaignId: string;
  phoneNumberId: string;
  /** The consent scope the campaign's session message needs (null for template campaigns). */
  sessionScope: ConcreteScope | null;
}

/** A recipient claimed for sending: the row is `sending` with a lease, and these are its facts now. */
export interface ClaimedRecipient {
  campaignId: string;
  contactId: string;
  sends: Sends;
  /** The category of what goes (SERVICE for a session message): with `sends`, the consent scope it needs. */
  category: string | null;
  attempts: number;
  phone: string | null;
  name: string | null;
  country: string | null;
  attributes: Record<string, unknown>;
  tags: string[];
  /** The wa_id the contact holds (contacts.wa_id: what WhatsApp answered for its phone before), null when none. */
  waId: string | null;
}

/** Why a claimed recipient was not sent after all (campaign_recipients.skip_reason): what changed since the snapshot. */
export const SKIP_REASONS = ['opted_out', 'no_opt_in', 'window_closed', 'contact_erased', 'contact_merged', 'campaign_cancelled'] as const;

/** An outcome to record, with what was sent (accepted and unknown ones). */
export interface RecordedOutcome {
  campaignId: string;
  contactId: string;
  outcome: RecipientOutcome;
  /** When the answer came (accepted: the sent time). */
  at: Date;
  /**
   * When the request left for WhatsApp, for an outcome of a request (not of a release): becomes
   * attempted_at, which the claim set to the claim's time. The compliance invariants judge a send
   * by it: an opt-out recorded after the request left could not have stopped it.
   */
  requestAt?: Date;
  /** The content sent, without the recipient (what the report shows they received). */
  message?: unknown;
  /**
   * Accepted, and the contact already holds the wa_id WhatsApp answered: there is nothing to learn
   * (ContactsService.learnWaIds would change no row), so its forms are not worked out again.
   */
  waIdKnown?: boolean;
}

/** Rows whose lease ran out turned `unknown` per statement (expireLeases). */
const EXPIRE_BATCH = 1000;

@Injectable()
export class DispatchRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Claims up to `limit` pending eligible recipients of a running campaign, in contact order,
   * skipping rows other workers hold (FOR UPDATE SKIP LOCKED) and people who have a message in
   * flight in any campaign (one at a time per person). In the same statement it re-checks what
   * may have changed since the snapshot: the person's consent for the message's scope now, the
   * 24-hour window for session messages, erasure and merges; those who fail are `cancelled` with
   * the skip_reason, the others become `sending` with a lease of `leaseMs` and are returned. A
   * campaign that is not running claims nothing. The outside-window flag is set from the window
   * as it is now (the messaging limit counts it).
   */
  async claim(target: ClaimTarget, limit: number, leaseMs: number): Promise<{ claimed: ClaimedRecipient[]; skipped: number }> {
    const found = await rows<ClaimedRecipient & { skip: string | null }>(
      this.db,
      `WITH picked AS (
         SELECT r.campaign_id, r.contact_id, r.sends, r.category
           FROM campaign_recipients r
          WHERE r.campaign_id = $1 AND r.send_state = 'pending' AND r.decision = 'eligible'
            AND (r.not_before IS NULL OR r.not_before <= now())
            AND NOT EXISTS (SELECT 1 FROM campaign_recipients o WHERE o.contact_id = r.contact_id AND o.send_state = 'sending')
            AND EXISTS (SELECT 1 FROM campaigns k WHERE k.id = $1 AND k.status = 'running')
          ORDER BY r.contact_id
          LIMIT $2
          FOR UPDATE OF r SKIP LOCKED
       ), checked AS (
         SELECT p.campaign_id, p.contact_id, w.contact_id IS NOT NULL AS window_open,
                c.phone, c.name, c.country, c.attributes, c.tags, c.wa_id,
                CASE
                  WHEN c.deleted_at IS NOT NULL THEN 'contact_erased'
                  WHEN c.merged_into IS NOT NULL THEN 'contact_merged'
                  WHEN s.consent = 'opted_out' THEN 'opted_out'
                  WHEN s.consent IS DISTINCT FROM 'opted_in' THEN 'no_opt_in'
                  WHEN p.sends = 'session' AND w.contact_id IS NULL THEN 'window_closed'
                END AS skip
           FROM picked p
           JOIN contacts c ON c.id = p.contact_id
           LEFT JOIN contact_windows w ON w.contact_id = c.id AND w.phone_number_id = $3 AND w.last_inbound_at > now() - interval '24 hours'
           CROSS JOIN LATERAL (
             -- The scope eligibility decided on (eligibility.repository.ts consentColumn): a MARKETING
             -- template's marketing, a session message's its campaign's, any other template's utility.
             SELECT CASE WHEN p.category = 'MARKETING' OR (p.sends = 'session' AND $4::text = 'marketing') THEN c.marketing_consent ELSE c.utility_consent END AS consent
           ) s
       )
       UPDATE campaign_recipients r
          SET send_state = CASE WHEN k.skip IS NULL THEN 'sending' ELSE 'cancelled' END,
              skip_reason = k.skip,
              lease_until = CASE WHEN k.skip IS NULL THEN now() + make_interval(secs => $5::double precision / 1000) END,
              attempts = r.attempts + CASE WHEN k.skip IS NULL THEN 1 ELSE 0 END,
              attempted_at = CASE WHEN k.skip IS NULL THEN now() ELSE r.attempted_at END,
              outside_window = NOT k.window_open,
              not_before = NULL
         FROM checked k
        WHERE r.campaign_id = k.campaign_id AND r.contact_id = k.contact_id
       RETURNING r.campaign_id AS "campaignId", r.contact_id::text AS "contactId", r.sends, r.category, r.attempts, k.skip,
                 k.phone, k.name, k.country, k.attributes, k.tags, k.wa_id AS "waId"`,
      [target.campaignId, limit, target.phoneNumberId, target.sessionScope, leaseMs],
    );
    const claimed = found.filter((r) => r.skip === null);
    return { claimed, skipped: found.length - claimed.length };
  }

  /**
   * Of these contacts about to be sent, those that may no longer be: the consent state for the
   * message's scope is not opted in, or the contact was erased or merged since the claim (the
   * claim's own checks, on the contact's row as it is now). ConsentRecheck calls it just before sends.
   */
  async notSendable(items: ReadonlyArray<{ contactId: string; marketing: boolean }>): Promise<Set<string>> {
    if (items.length === 0) return new Set();
    const found = await rows<{ id: string }>(
      this.db,
      `SELECT u.id::text AS id
         FROM unnest($1::bigint[], $2::boolean[]) AS u(id, marketing)
         JOIN contacts c ON c.id = u.id
        WHERE c.deleted_at IS NOT NULL OR c.merged_into IS NOT NULL
           OR (CASE WHEN u.marketing THEN c.marketing_consent ELSE c.utility_consent END) IS DISTINCT FROM 'opted_in'`,
      [items.map((i) => i.contactId), items.map((i) => i.marketing)],
    );
    return new Set(found.map((r) => r.id));
  }

  /**
   * Locks these recipients' rows in key order, in the caller's transaction. Every transaction that
   * writes several recipients' rows (the outcome writer, a webhook batch's statuses) takes its
   * locks this way first, so two of them wait for each other instead of deadlocking (an UPDATE …
   * FROM unnest locks rows in whatever order its plan reads them: measured in bench:dispatch,
   * webhook batches failed with "deadlock detected" against outcome writes).
   */
  async lock(keys: ReadonlyArray<{ campaignId: string; contactId: string }>, db: Db): Promise<void> {
    await lockRecipients(db, keys);
  }

  /**
   * Records outcomes in one statement. Only rows still `sending` (or turned `unknown` by a lease
   * that ran out before the answer was recorded, or `accepted` by a status webhook that came first)
   * change: an answer is the truth about the send.
   * accepted: wamid, wa_id, sent_at, what was sent; failed: the code; unknown: kept for status
   * webhooks; pending: back in the queue after `delayMs` (a hold does not count as an attempt).
   */
  async record(outcomes: RecordedOutcome[], db: Db = this.db): Promise<void> {
    if (outcomes.length === 0) return;
    const o = outcomes.map((x) => x.outcome);
    await db.query(
      `UPDATE campaign_recipients r
          SET send_state = u.state,
              lease_until = NULL,
              wamid = coalesce(u.wamid, r.wamid),
              wa_id = coalesce(u.wa_id, r.wa_id),
              -- Accepted: an earlier attempt's error (a 130429 retried) goes; a delivery failure a
              -- status webhook recorded before this answer stays.
              error_code = CASE WHEN u.state <> 'accepted' THEN u.code WHEN r.delivery_state = 'failed' THEN r.error_code END,
              error_title = CASE WHEN u.state <> 'accepted' THEN u.title WHEN r.delivery_state = 'failed' THEN r.error_title END,
              -- The answer's time (ms) over a status webhook's that came first (whole seconds).
              sent_at = CASE WHEN u.state = 'accepted' THEN u.at ELSE r.sent_at END,
              sent_message = coalesce(u.message, r.sent_message),
              attempted_at = coalesce(u.request_at, r.attempted_at),
              not_before = CASE WHEN u.state = 'pending' THEN u.at + make_interval(secs => u.delay_ms::double precision / 1000) END,
              attempts = r.attempts - CASE WHEN u.uncounted THEN 1 ELSE 0 END
         FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::timestamptz[], $9::jsonb[], $10::int[], $11::boolean[], $12::timestamptz[])
              AS u(campaign_id, contact_id, state, wamid, wa_id, code, title, at, message, delay_ms, uncounted, request_at)
        WHERE r.campaign_id = u.campaign_id AND r.contact_id = u.contact_id
          -- A status webhook may have made it accepted before the answer was recorded.
          AND (r.send_state IN ('sending', 'unknown') OR (u.state = 'accepted' AND r.send_state = 'accepted'))`,
      [
        outcomes.map((x) => x.campaignId),
        outcomes.map((x) => x.contactId),
        o.map((x) => x.state),
        o.map((x) => (x.state === 'accepted' ? x.wamid : null)),
        o.map((x) => (x.state === 'accepted' ? x.waId : null)),
        o.map((x) => (x.state === 'accepted' ? null : x.code)),
        o.map((x) => (x.state === 'accepted' ? null : x.title)),
        outcomes.map((x) => x.at),
        outcomes.map((x) => (x.message === undefined ? null : JSON.stringify(x.message))),
        o.map((x) => (x.state === 'pending' ? x.delayMs : 0)),
        o.map((x) => x.state === 'pending' && !x.counted),
        outcomes.map((x) => x.requestAt ?? null),
      ],
    );
  }

  /**
   * Claimed recipients that were never sent (paused, stopping): pending again, the attempt not
   * counted; cancelled with campaign_cancelled when their campaign was cancelled meanwhile.
   */
  async release(keys: Array<{ campaignId: string; contactId: string }>, db: Db = this.db): Promise<void> {
    if (keys.length === 0) return;
    await db.query(
      `UPDATE campaign_recipients r
          SET send_state = CASE WHEN k.status = 'cancelled' THEN 'cancelled' ELSE 'pending' END,
              skip_reason = CASE WHEN k.status = 'cancelled' THEN 'campaign_cancelled' END,
              lease_until = NULL, attempts = greatest(r.attempts - 1, 0)
         FROM unnest($1::uuid[], $2::bigint[]) AS u(campaign_id, contact_id), campaigns k
        WHERE r.campaign_id = u.campaign_id AND r.contact_id = u.contact_id AND r.send_state = 'sending' AND k.id = u.campaign_id`,
      [keys.map((k) => k.campaignId), keys.map((k) => k.contactId)],
    );
  }

  /**
   * Rows left in `sending` past their lease (a worker died between claim and outcome): `unknown`,
   * never pending, since the message may have gone. A status webhook carrying their callback data
   * resolves them later (applyStatuses). Returns how many.
   *
   * Taken EXPIRE_BATCH at a time in lease order, until fewer are left, so that PostgreSQL reads
   * `campaign_recipients_leases` with a plain index scan: every row that left `sending` leaves a
   * dead entry in that partial index until vacuum, and a plain index scan marks the entries it
   * finds dead so the next look skips them, where the bitmap scan the planner chose for the
   * unbounded UPDATE read them all again every time (measured during bench:dispatch: 318,600 dead
   * entries, 33,000 heap pages, 224 ms every 2 s per worker, against 4.5 ms once marked). A row
   * locked by an outcome being written is left to the outcome (SKIP LOCKED), as before it waited
   * for it and then no longer matched.
   */
  async expireLeases(): Promise<number> {
    let total = 0;
    for (;;) {
      const expired = await affected(
        this.db,
        `UPDATE campaign_recipients r SET send_state = 'unknown', lease_until = NULL,
                error_title = 'no outcome recorded before the lease ran out (the worker stopped): the message may have been sent'
           FROM (SELECT campaign_id, contact_id FROM campaign_recipients
                  WHERE send_state = 'sending' AND lease_until < now()
                  ORDER BY lease_until LIMIT $1 FOR UPDATE SKIP LOCKED) x
          WHERE r.campaign_id = x.campaign_id AND r.contact_id = x.contact_id`,
        [EXPIRE_BATCH],
      );
      total += expired;
      if (expired < EXPIRE_BATCH) return total;
    }
  }

  /** Whether the campaign has recipients still to send: pending (eligible or deferred) or sending. */
  async hasWork(campaignId: string): Promise<{ pending: boolean; sending: boolean; deferred: boolean }> {
    const [row] = await rows<{ pending: boolean; sending: boolean; deferred: boolean }>(
      this.db,
      `SELECT EXISTS (SELECT 1 FROM campaign_recipients WHERE campaign_id = $1 AND send_state = 'pending' AND decision = 'eligible') AS pending,
              EXISTS (SELECT 1 FROM campaign_recipients WHERE send_state = 'sending' AND campaign_id = $1) AS sending,
              EXISTS (SELECT 1 FROM campaign_recipients WHERE campaign_id = $1 AND send_state = 'pending' AND decision = 'deferred') AS deferred`,
      [campaignId],
    );
    return row;
  }

  /** running → completed, when nothing is pending, sending or deferred (checked in the statement). */
  async complete(campaignId: string): Promise<boolean> {
    const n = await affected(
      this.db,
      `UPDATE campaigns SET status = 'completed', status_reason = NULL, finished_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'running'
          AND NOT EXISTS (SELECT 1 FROM campaign_recipients WHERE campaign_id = $1 AND send_state IN ('pending', 'sending'))`,
      [campaignId],
    );
    return n > 0;
  }

  /** Deferred recipients (messaging_limit) made eligible, up to `count`, in contact order. Returns how many. */
  releaseDeferred(campaignId: string, count: number): Promise<number> {
    if (count <= 0) return Promise.resolve(0);
    return affected(
      this.db,
      `UPDATE campaign_recipients r SET decision = 'eligible', reason = NULL
         FROM (SELECT contact_id FROM campaign_recipients
                WHERE campaign_id = $1 AND decision = 'deferred' AND send_state = 'pending'
                ORDER BY contact_id LIMIT $2 FOR UPDATE SKIP LOCKED) d
        WHERE r.campaign_id = $1 AND r.contact_id = d.contact_id`,
      [campaignId, count],
    );
  }
}

/** A status webhook's news for a campaign recipient, found by its callback data. */
export interface RecipientStatus {
  campaignId: string;
  contactId: string;
  wamid: string;
  status: string;
  occurredAt: Date;
  errorCode: number | null;
  errorTitle: string | null;
  pricingCategory: string | null;
  recipient: string | null;
}

const ADVANCES = advancesSql('r.delivery_state', 'u.status');

/**
 * Moves recipients' delivery state forward (sent < delivered < read; failed final), in the webhook
 * batch's transaction, one rank at a time as message_statuses does. A status proves WhatsApp
 * accepted the message: a recipient still `sending` or `unknown` (its answer was lost) becomes
 * `accepted` with the wamid, and its sent time is the status's when none is known.
 */
export async function applyRecipientStatuses(db: Db, statuses: RecipientStatus[]): Promise<void> {
  if (statuses.length === 0) return;
  await lockRecipients(db, statuses);
  for (const rank of ['sent', 'delivered', 'read', 'failed']) {
    const step = statuses.filter((s) => s.status === rank);
    if (step.length === 0) continue;
    await db.query(
      `UPDATE campaign_recipients r
          SET delivery_state = CASE WHEN ${ADVANCES} THEN u.status ELSE r.delivery_state END,
              delivery_at = CASE WHEN ${ADVANCES} THEN u.at ELSE r.delivery_at END,
              error_code = CASE WHEN u.status = 'failed' AND ${ADVANCES} THEN u.code ELSE r.error_code END,
              error_title = CASE WHEN u.status = 'failed' AND ${ADVANCES} THEN u.title ELSE r.error_title END,
              pricing_category = coalesce(u.pricing, r.pricing_category),
              send_state = CASE WHEN r.send_state IN ('sending', 'unknown') THEN 'accepted' ELSE r.send_state END,
              lease_until = CASE WHEN r.send_state IN ('sending', 'unknown') THEN NULL ELSE r.lease_until END,
              wamid = coalesce(r.wamid, u.wamid),
              wa_id = coalesce(r.wa_id, u.recipient),
              sent_at = coalesce(r.sent_at, u.at)
         FROM (SELECT DISTINCT ON (campaign_id, contact_id) *
                 FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[], $6::int[], $7::text[], $8::text[], $9::text[])
                      AS x(campaign_id, contact_id, wamid, status, at, code, title, pricing, recipient)) u
        WHERE r.campaign_id = u.campaign_id AND r.contact_id = u.contact_id AND r.decision <> 'excluded'`,
      [
        step.map((s) => s.campaignId),
        step.map((s) => s.contactId),
        step.map((s) => s.wamid),
        step.map((s) => s.status),
        step.map((s) => s.occurredAt),
        step.map((s) => s.errorCode),
        step.map((s) => s.errorTitle),
        step.map((s) => s.pricingCategory),
        step.map((s) => s.recipient),
      ],
    );
  }
}

/** DispatchRepository.lock: the rows of these recipients locked in (campaign_id, contact_id) order. */
async function lockRecipients(db: Db, keys: ReadonlyArray<{ campaignId: string; contactId: string }>): Promise<void> {
  if (keys.length === 0) return;
  await db.query(
    `SELECT 1 FROM campaign_recipients r
       JOIN unnest($1::uuid[], $2::bigint[]) AS u(campaign_id, contact_id) ON r.campaign_id = u.campaign_id AND r.contact_id = u.contact_id
      ORDER BY r.campaign_id, r.contact_id
        FOR UPDATE OF r`,
    [keys.map((k) => k.campaignId), keys.map((k) => k.contactId)],
  );
}
