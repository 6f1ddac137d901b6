import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { one } from '../database/sql';
import type { DeliveryContext } from './webhook-context';

/**
 * Account events: every change of a field other than `messages` (templates, phone-number quality,
 * user preferences, any field we do not handle yet), and the value-level `errors` of a `messages`
 * change (as `messages.errors`), each kept once in `whatsapp_events`. Nothing a webhook says is
 * dropped; the fields that are applied are applied by their owning module after the event is kept
 * (webhook-fields.ts).
 */
@Injectable()
export class AccountEventsRepository {
  /** Keeps a change; resolves with the new event's id, or undefined when the same change was kept before. */
  async record(tx: EntityManager, field: string, value: unknown, ctx: DeliveryContext): Promise<string | undefined> {
    const payload = JSON.stringify(value ?? null);
    const row = await one<{ id: string }>(
      tx,
      `INSERT INTO whatsapp_events (waba_id, field, event_key, payload, delivery_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (event_key) DO NOTHING RETURNING id::text AS id`,
      [ctx.wabaId, field, eventKey(field, payload, ctx), payload, ctx.deliveryId],
    );
    return row?.id;
  }
}

/**
 * What makes a change the same change. A template's status value carries no time, so APPROVED,
 * PAUSED and APPROVED again would look like a repeat: Meta's `entry.time` tells them apart. Without
 * one, the delivery does (a retried delivery repeats its bytes and is stored once anyway). User
 * preferences carry their own timestamps, and Meta re-batches them, so their value alone decides.
 */
function eventKey(field: string, payload: string, ctx: DeliveryContext): string {
  const when = field === 'user_preferences' ? '' : String(ctx.entryTime ?? `delivery:${ctx.deliveryId}`);
  return createHash('sha256').update(field).update('\n').update(when).update('\n').update(payload).digest('hex');
}
