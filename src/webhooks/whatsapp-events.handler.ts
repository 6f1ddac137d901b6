import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { one } from '../database/sql';
import type { DeliveryContext } from './webhook-context';

/** Template status, quality and category changes: what the templates module applies. */
export const TEMPLATE_FIELDS = ['message_template_status_update', 'message_template_quality_update', 'template_category_update'] as const;

/**
 * Account-level changes (templates, phone-number quality, and any field we do not handle yet) are
 * kept once each in `whatsapp_events`, for the module that owns them: the templates module applies
 * template events; nothing a webhook says is dropped.
 */
@Injectable()
export class WhatsappEventsHandler {
  /** Returns whether the change was new. */
  async record(tx: EntityManager, field: string, value: unknown, ctx: DeliveryContext): Promise<boolean> {
    const payload = JSON.stringify(value ?? null);
    const key = createHash('sha256').update(field).update('\n').update(payload).digest('hex');
    const row = await one<{ id: string }>(
      tx,
      `INSERT INTO whatsapp_events (waba_id, field, event_key, payload, delivery_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (event_key) DO NOTHING RETURNING id::text AS id`,
      [ctx.wabaId, field, key, payload, ctx.deliveryId],
    );
    return row !== undefined;
  }
}
