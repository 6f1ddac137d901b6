import { Injectable } from '@nestjs/common';
import { webhookTime } from '../whatsapp/webhook-time';
import { Db, rows } from '../database/sql';
import type { StatusItem } from '../webhooks/webhook-fields';
import { advancesSql, DELIVERY_STATUSES } from '../whatsapp/delivery-status';

const ADVANCES = advancesSql('m.status', 'EXCLUDED.status');

/** A status that was new to us (not a repeat of one already recorded). */
export interface NewStatus {
  wamid: string;
  status: string;
  occurredAt: Date;
  callbackData: string | null;
  errorCode: number | null;
  deliveryId: string;
  /** `recipient_id` (a wa_id), or `recipient_user_id` (a BSUID) when there is none. */
  recipient: string | null;
  /** `recipient_user_id` (the recipient's BSUID), when the status gave one besides or instead of a wa_id. */
  recipientUserId?: string | null;
  phoneNumberId: string;
}

/** A new status as recorded, with the columns the message's current status takes from it. */
export type RecordedStatus = NewStatus & { errors: unknown; pricing: unknown };

/** What a statement returns of a recorded status (the BSUID is taken from the item, not stored twice). */
type InsertedStatus = Omit<RecordedStatus, 'recipientUserId'>;

/**
 * Delivery statuses of the messages we send: every distinct (message, status) once in
 * `message_status_events`, however often Meta repeats it, and each message's current status in
 * `message_statuses`, which moves only forward (src/whatsapp/delivery-status.ts). A whole batch of
 * webhook deliveries is written in a few statements.
 */
@Injectable()
export class MessageStatusesRepository {
  /**
   * Records the statuses (items without a string `id` and `status` are skipped) and moves each
   * message's current status forward. Resolves with the statuses that were new to us.
   */
  async record(db: Db, items: StatusItem[]): Promise<RecordedStatus[]> {
    const valid = items.filter(({ status: s }) => typeof s?.id === 'string' && typeof s.status === 'string');
    if (valid.length === 0) return [];
    const inserted = await rows<InsertedStatus>(
      db,
      `INSERT INTO message_status_events AS e (wamid, status, occurred_at, recipient, callback_data, errors, pricing, phone_number_id, delivery_id)
       SELECT DISTINCT ON (wamid, status) *
         FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[], $8::text[], $9::bigint[])
              AS x(wamid, status, occurred_at, recipient, callback_data, errors, pricing, phone_number_id, delivery_id)
       ON CONFLICT (wamid, status) DO NOTHING
       RETURNING wamid, status, occurred_at AS "occurredAt", recipient, callback_data AS "callbackData", errors, pricing,
                 phone_number_id AS "phoneNumberId", delivery_id::text AS "deliveryId", (errors -> 0 ->> 'code')::int AS "errorCode"`,
      [
        valid.map((v) => v.status.id),
        valid.map((v) => v.status.status),
        // An unreadable or impossible time is the receipt time (webhook-time.ts): it dates a 131050
        // opt-out, which a time of 1970 would let every later opt-in outrank, and one of 2100 none.
        valid.map((v) => webhookTime(v.status.timestamp, v.receivedAt ?? new Date()).at),
        valid.map((v) => v.status.recipient_id ?? v.status.recipient_user_id ?? null),
        valid.map((v) => v.status.biz_opaque_callback_data ?? null),
        valid.map((v) => (v.status.errors ? JSON.stringify(v.status.errors) : null)),
        valid.map((v) => (v.status.pricing ? JSON.stringify(v.status.pricing) : null)),
        valid.map((v) => v.phoneNumberId),
        valid.map((v) => v.deliveryId),
      ],
    );
    const userIds = new Map(valid.map((v) => [`${v.status.id}\u0000${v.status.status}`, v.status.recipient_user_id]));
    const fresh: RecordedStatus[] = inserted.map((s) => {
      const userId = userIds.get(`${s.wamid}\u0000${s.status}`);
      return { ...s, recipientUserId: typeof userId === 'string' && userId.length > 0 ? userId : null };
    });
    const current = furthestPerMessage(fresh);
    if (current.length > 0) await this.advance(db, current);
    return fresh;
  }

  /**
   * One row per message, in wamid order, in one statement: two workers' batches then take the
   * rows' locks in the same order and cannot deadlock (they did when each status rank was its own
   * statement: one batch held a message's row from its `sent` step while waiting for a row the
   * other held from its own, 2 deadlocks a run in bench:dispatch with two workers).
   */
  private async advance(db: Db, step: RecordedStatus[]): Promise<void> {
    await db.query(
      `INSERT INTO message_statuses AS m (wamid, status, status_at, recipient, callback_data, error_code, errors, pricing, phone_number_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[], $9::text[])
       ON CONFLICT (wamid) DO UPDATE
          SET status     = CASE WHEN ${ADVANCES} THEN EXCLUDED.status ELSE m.status END,
              status_at  = CASE WHEN ${ADVANCES} THEN EXCLUDED.status_at ELSE m.status_at END,
              error_code = CASE WHEN ${ADVANCES} THEN EXCLUDED.error_code ELSE m.error_code END,
              errors     = CASE WHEN ${ADVANCES} THEN EXCLUDED.errors ELSE m.errors END,
              -- What any status tells about the message is kept, whatever its order.
              recipient = coalesce(m.recipient, EXCLUDED.recipient),
              callback_data = coalesce(m.callback_data, EXCLUDED.callback_data),
              pricing = coalesce(m.pricing, EXCLUDED.pricing),
              updated_at = now()`,
      [
        step.map((s) => s.wamid),
        step.map((s) => s.status),
        step.map((s) => s.occurredAt),
        step.map((s) => s.recipient),
        step.map((s) => s.callbackData),
        step.map((s) => s.errorCode),
        step.map((s) => (s.errors === null ? null : JSON.stringify(s.errors))),
        step.map((s) => (s.pricing === null ? null : JSON.stringify(s.pricing))),
        step.map((s) => s.phoneNumberId),
      ],
    );
  }
}

/**
 * Several statuses of one message may be new in one batch (sent and delivered, say). Applied one
 * by one in rank order, the forward-only rule would keep the furthest; so one row per message
 * carries the furthest (its status, time and error), and what any of them tells about the message
 * (recipient, callback data, pricing) from the first that has it in rank order, as the one-by-one
 * application did. Statuses outside DELIVERY_STATUSES are left out. Sorted by wamid (see advance()).
 */
export function furthestPerMessage(fresh: readonly RecordedStatus[]): RecordedStatus[] {
  const rank = (status: string) => DELIVERY_STATUSES.indexOf(status as (typeof DELIVERY_STATUSES)[number]);
  const byMessage = new Map<string, RecordedStatus[]>();
  for (const s of fresh) {
    // Only the statuses a message's current status is made of (others are kept as events only).
    if (rank(s.status) < 0) continue;
    const list = byMessage.get(s.wamid);
    if (list) list.push(s);
    else byMessage.set(s.wamid, [s]);
  }
  const merged: RecordedStatus[] = [];
  for (const list of byMessage.values()) {
    if (list.length === 1) {
      merged.push(list[0]);
      continue;
    }
    const ordered = [...list].sort((a, b) => rank(a.status) - rank(b.status));
    const first = <K extends 'recipient' | 'callbackData' | 'pricing'>(key: K) => ordered.find((s) => s[key] !== null && s[key] !== undefined)?.[key] ?? null;
    merged.push({ ...ordered[ordered.length - 1], recipient: first('recipient'), callbackData: first('callbackData'), pricing: first('pricing') });
  }
  return merged.sort((a, b) => (a.wamid < b.wamid ? -1 : a.wamid > b.wamid ? 1 : 0));
}
