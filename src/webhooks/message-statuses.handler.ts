import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { rows } from '../database/sql';
import type { MessageStatus } from '../whatsapp/cloud-api.types';
import { advancesSql, isTrackedStatus } from '../whatsapp/delivery-status';
import type { DeliveryContext } from './webhook-context';

const ADVANCES = advancesSql('m.status', 'EXCLUDED.status');

/** A status that was new to us (not a repeat of one already recorded). */
export interface NewStatus {
  wamid: string;
  status: string;
  occurredAt: Date;
  callbackData: string | null;
  errorCode: number | null;
}

/**
 * Delivery statuses. Each distinct (message, status) is recorded once, however often Meta repeats
 * it, and the message's current status moves only forward. Campaign recipients (a later module)
 * are updated from the statuses this returns as new, matched by biz_opaque_callback_data.
 */
@Injectable()
export class MessageStatusesHandler {
  async handle(tx: EntityManager, statuses: MessageStatus[], phoneNumberId: string, ctx: DeliveryContext): Promise<NewStatus[]> {
    const valid = statuses.filter((s) => typeof s.id === 'string' && typeof s.status === 'string');
    if (valid.length === 0) return [];
    const at = valid.map((s) => new Date(Number(s.timestamp) * 1000 || Date.now()));
    const fresh = await rows<{ wamid: string; status: string; occurredAt: Date; callbackData: string | null; errorCode: number | null }>(
      tx,
      `INSERT INTO message_status_events (wamid, status, occurred_at, recipient, callback_data, errors, pricing, phone_number_id, delivery_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[], $8::text[], $9::bigint[])
       ON CONFLICT (wamid, status) DO NOTHING
       RETURNING wamid, status, occurred_at AS "occurredAt", callback_data AS "callbackData", (errors -> 0 ->> 'code')::int AS "errorCode"`,
      [
        valid.map((s) => s.id),
        valid.map((s) => s.status),
        at,
        valid.map((s) => s.recipient_id ?? s.recipient_user_id ?? null),
        valid.map((s) => s.biz_opaque_callback_data ?? null),
        valid.map((s) => (s.errors ? JSON.stringify(s.errors) : null)),
        valid.map((s) => (s.pricing ? JSON.stringify(s.pricing) : null)),
        valid.map(() => phoneNumberId),
        valid.map(() => ctx.deliveryId),
      ],
    );
    const tracked = fresh.filter((s) => isTrackedStatus(s.status));
    if (tracked.length > 0) {
      // Several statuses of one message may arrive in one batch: apply them in order of rank, so
      // that the forward-only rule sees each one (ON CONFLICT may not touch a row twice).
      for (const rank of ['sent', 'delivered', 'read', 'failed']) {
        const step = tracked.filter((s) => s.status === rank);
        if (step.length > 0) await this.advance(tx, step, valid, phoneNumberId);
      }
    }
    return fresh;
  }

  private async advance(tx: EntityManager, step: NewStatus[], source: MessageStatus[], phoneNumberId: string): Promise<void> {
    const byKey = new Map(source.map((s) => [`${s.id} ${s.status}`, s]));
    const full = step.map((s) => ({ s, raw: byKey.get(`${s.wamid} ${s.status}`) }));
    await tx.query(
      `INSERT INTO message_statuses AS m (wamid, status, status_at, recipient, callback_data, error_code, errors, pricing, phone_number_id)
       SELECT DISTINCT ON (wamid) * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[], $9::text[])
              AS x(wamid, status, status_at, recipient, callback_data, error_code, errors, pricing, phone_number_id)
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
        full.map(({ s }) => s.wamid),
        full.map(({ s }) => s.status),
        full.map(({ s }) => s.occurredAt),
        full.map(({ raw }) => raw?.recipient_id ?? raw?.recipient_user_id ?? null),
        full.map(({ s }) => s.callbackData),
        full.map(({ s }) => s.errorCode),
        full.map(({ raw }) => (raw?.errors ? JSON.stringify(raw.errors) : null)),
        full.map(({ raw }) => (raw?.pricing ? JSON.stringify(raw.pricing) : null)),
        full.map(() => phoneNumberId),
      ],
    );
  }
}
