import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { MessagesValue, UserPreferencesValue, WebhookEnvelope } from '../whatsapp/cloud-api.types';
import { InboundMessagesHandler } from './inbound-messages.handler';
import { MessageStatusesHandler, StatusItem } from './message-statuses.handler';
import { PendingDelivery, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import type { DeliveryContext } from './webhook-context';
import { TEMPLATE_FIELDS, WhatsappEventsHandler } from './whatsapp-events.handler';
import { TemplateEventsHandler } from '../templates/template-events.handler';

const BATCH = 200;
/** A delivery that fails this often is set aside with its error instead of blocking the rest. */
const MAX_ATTEMPTS = 5;

export interface DrainResult {
  deliveries: number;
  events: number;
}

/**
 * Processes stored webhook deliveries. Each batch is one transaction: the deliveries are claimed
 * (SKIP LOCKED, so several workers share the work), every change in every entry is handled, and the
 * deliveries are marked processed — together, so each is processed exactly once. A batch that fails
 * is retried one delivery at a time, so that one bad delivery cannot hold back the others.
 */
@Injectable()
export class WebhookProcessorService {
  private readonly logger = new Logger(WebhookProcessorService.name);

  constructor(
    private readonly db: DataSource,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly inbound: InboundMessagesHandler,
    private readonly statuses: MessageStatusesHandler,
    private readonly events: WhatsappEventsHandler,
    private readonly templateEvents: TemplateEventsHandler,
  ) {}

  /** Processes everything pending. */
  async drain(): Promise<DrainResult> {
    const total: DrainResult = { deliveries: 0, events: 0 };
    for (;;) {
      const batch = await this.processBatch(BATCH);
      total.deliveries += batch.deliveries;
      total.events += batch.events;
      if (batch.deliveries < BATCH) return total;
    }
  }

  private async processBatch(limit: number): Promise<DrainResult> {
    try {
      return await this.db.transaction(async (tx) => {
        const claimed = await this.deliveries.claim(tx, limit);
        if (claimed.length === 0) return { deliveries: 0, events: 0 };
        const done = await this.processAll(tx, claimed);
        await this.deliveries.markProcessed(tx, done);
        return { deliveries: done.length, events: done.reduce((n, d) => n + d.events, 0) };
      });
    } catch (error) {
      if (limit === 1) throw error;
      this.logger.warn(`A webhook batch failed (${(error as Error).message}); processing its deliveries one by one`);
      return this.processOneByOne(limit);
    }
  }

  private async processOneByOne(limit: number): Promise<DrainResult> {
    const total: DrainResult = { deliveries: 0, events: 0 };
    for (let i = 0; i < limit; i++) {
      let claimedId: string | undefined;
      try {
        const one = await this.db.transaction(async (tx) => {
          const [delivery] = await this.deliveries.claim(tx, 1);
          if (!delivery) return undefined;
          claimedId = delivery.id;
          const [done] = await this.processAll(tx, [delivery]);
          await this.deliveries.markProcessed(tx, [done]);
          return done.events;
        });
        if (one === undefined) break;
        total.deliveries++;
        total.events += one;
      } catch (error) {
        if (!claimedId) throw error;
        this.logger.error({ deliveryId: claimedId, err: error }, 'Webhook delivery failed');
        await this.deliveries.markFailed(claimedId, (error as Error).message, MAX_ATTEMPTS);
      }
    }
    return total;
  }

  /**
   * Handles every change of every entry of the deliveries; returns how many new events each had.
   * Statuses, most of the traffic, are gathered across the whole batch and written set-based.
   */
  private async processAll(tx: EntityManager, deliveries: PendingDelivery[]): Promise<Array<{ id: string; events: number }>> {
    const counts = new Map<string, number>(deliveries.map((d) => [d.id, 0]));
    const add = (id: string, n: number) => counts.set(id, (counts.get(id) ?? 0) + n);
    const statuses: StatusItem[] = [];
    for (const delivery of deliveries) {
      const envelope = JSON.parse(delivery.body) as WebhookEnvelope;
      for (const entry of envelope.entry ?? []) {
        const ctx: DeliveryContext = { deliveryId: delivery.id, wabaId: String(entry.id), entryTime: typeof entry.time === 'number' ? entry.time : undefined };
        for (const change of entry.changes ?? []) {
          if (change.field === 'messages') {
            const value = change.value as MessagesValue;
            add(delivery.id, await this.inbound.handle(tx, value, ctx));
            for (const status of value.statuses ?? []) statuses.push({ status, phoneNumberId: value.metadata.phone_number_id, deliveryId: delivery.id });
          } else if (change.field === 'user_preferences') {
            // Recorded once, then applied: a preference Meta repeats is one consent event.
            if ((await this.events.record(tx, change.field, change.value, ctx)) !== undefined) {
              add(delivery.id, await this.inbound.handlePreferences(tx, change.value as UserPreferencesValue, ctx));
            }
          } else {
            const eventId = await this.events.record(tx, change.field, change.value, ctx);
            if (eventId === undefined) continue;
            add(delivery.id, 1);
            if ((TEMPLATE_FIELDS as readonly string[]).includes(change.field)) {
              await this.templateEvents.apply(tx, change.field, change.value, { id: eventId, wabaId: ctx.wabaId });
            }
          }
        }
      }
    }
    for (const fresh of await this.statuses.handle(tx, statuses)) add(fresh.deliveryId, 1);
    return [...counts].map(([id, events]) => ({ id, events }));
  }
}
