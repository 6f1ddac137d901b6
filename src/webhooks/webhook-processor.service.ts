import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { MessagesValue, WebhookEnvelope } from '../whatsapp/cloud-api.types';
import { AccountEventsRepository } from './account-events.repository';
import { PendingDelivery, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import type { DeliveryContext } from './webhook-context';
import { WebhookFieldRegistry } from './webhook-field.registry';
import { handlingOf, RecordedField, StatusItem } from './webhook-fields';
import { ItemGuard, parseDelivery } from './webhook-items';

const BATCH = 200;
/**
 * A delivery that fails as a whole (the database, not one of its items: see webhook-items.ts) is
 * retried after 2 s, 8 s, 32 s, … (×4, at most an hour apart), and set aside with its error after
 * this many attempts: about five hours, longer than any database outage we would ride out without
 * an operator.
 */
export const MAX_ATTEMPTS = 10;
export function retryDelayMs(attempts: number): number {
  return Math.min(2000 * 4 ** Math.max(0, attempts - 1), 3_600_000);
}

export interface DrainResult {
  deliveries: number;
  events: number;
}

/**
 * Processes stored webhook deliveries. Each batch is one transaction: the deliveries are claimed
 * (SKIP LOCKED, so several workers share the work), every item of every change is handled, and the
 * deliveries are marked processed — together, so each is processed exactly once. A malformed item
 * is set aside with its error and the rest of its delivery is processed. A batch that fails is
 * retried one delivery at a time with each item in a savepoint, so that one bad item can hold back
 * neither its delivery nor the others; a delivery that still fails is retried with backoff.
 */
/** The parts of a `messages` change that WhatsApp sends as lists (Cloud API webhook reference, messages field). */
const MESSAGES_LISTS = ['messages', 'statuses', 'contacts', 'errors'] as const;

@Injectable()
export class WebhookProcessorService {
  private readonly logger = new Logger(WebhookProcessorService.name);

  constructor(
    private readonly db: DataSource,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly events: AccountEventsRepository,
    private readonly fields: WebhookFieldRegistry,
  ) {}

  /** Processes everything pending (and due, for deliveries waiting to be retried). */
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
        const done = await this.processAll(tx, claimed, new ItemGuard(tx, false));
        await this.deliveries.markProcessed(tx, done);
        return { deliveries: done.length, events: done.reduce((n, d) => n + d.events, 0) };
      });
    } catch (error) {
      this.logger.warn(`A webhook batch failed (${(error as Error).message}); processing its deliveries one by one`);
      return this.processOneByOne(limit);
    }
  }

  private async processOneByOne(limit: number): Promise<DrainResult> {
    const total: DrainResult = { deliveries: 0, events: 0 };
    for (let i = 0; i < limit; i++) {
      let claimed: PendingDelivery | undefined;
      try {
        const one = await this.db.transaction(async (tx) => {
          [claimed] = await this.deliveries.claim(tx, 1);
          if (!claimed) return undefined;
          const [done] = await this.processAll(tx, [claimed], new ItemGuard(tx, true));
          await this.deliveries.markProcessed(tx, [done]);
          return done.events;
        });
        if (one === undefined) break;
        total.deliveries++;
        total.events += one;
      } catch (error) {
        if (!claimed) throw error;
        this.logger.error({ deliveryId: claimed.id, attempts: claimed.attempts + 1, err: error }, 'Webhook delivery failed; it will be retried');
        await this.deliveries.markFailed(claimed.id, (error as Error).message, MAX_ATTEMPTS, retryDelayMs(claimed.attempts + 1));
      }
    }
    return total;
  }

  /**
   * Handles every change of every entry of the deliveries, in order, each by the module that owns
   * its field (webhook-fields.ts); returns how many new events each delivery had. Statuses, most
   * of the traffic, are gathered across the whole batch and handed over at once.
   */
  private async processAll(tx: EntityManager, deliveries: PendingDelivery[], guard: ItemGuard): Promise<Array<{ id: string; events: number }>> {
    const counts = new Map<string, number>(deliveries.map((d) => [d.id, 0]));
    const add = (id: string, n: number) => counts.set(id, (counts.get(id) ?? 0) + n);
    const statuses: StatusItem[] = [];
    for (const delivery of deliveries) {
      const envelope = parseDelivery(delivery.body) as WebhookEnvelope;
      if (!Array.isArray(envelope?.entry)) {
        guard.reject({ deliveryId: delivery.id, field: 'entry', itemKind: 'delivery', item: undefined }, 'delivery_malformed', 'a delivery needs an `entry` list');
      }
      for (const entry of Array.isArray(envelope?.entry) ? envelope.entry : []) {
        const ctx: DeliveryContext = { deliveryId: delivery.id, wabaId: String(entry?.id), entryTime: typeof entry?.time === 'number' ? entry.time : undefined, receivedAt: delivery.receivedAt };
        if (!Array.isArray(entry?.changes)) {
          guard.reject({ deliveryId: delivery.id, field: 'entry', itemKind: 'entry', item: entry }, 'entry_malformed', 'an entry needs a `changes` list');
          continue;
        }
        for (const change of entry.changes) {
          const where = { deliveryId: delivery.id, field: String(change?.field), itemKind: 'change', item: change };
          const field: unknown = change?.field;
          if (typeof field !== 'string') {
            guard.reject(where, 'change_malformed', 'a change needs a `field`');
          } else if (field === 'messages') {
            const given = change.value as MessagesValue;
            if (typeof given?.metadata?.phone_number_id !== 'string') {
              guard.reject(where, 'metadata_missing', 'a messages change without metadata.phone_number_id');
              continue;
            }
            // Each list that is there must be a list; one that is not is set aside and the rest of
            // the change (and of the delivery) goes on.
            const value = { ...given };
            for (const list of MESSAGES_LISTS) {
              if (value[list] === undefined || value[list] === null || Array.isArray(value[list])) continue;
              guard.reject({ ...where, itemKind: list, item: value[list] }, 'change_malformed', `\`${list}\` must be a list`);
              delete value[list];
            }
            const handled = await guard.run(where, () => this.fields.handlerOf('messages.messages')(tx, { field, value, ctx }, guard));
            add(delivery.id, handled ?? 0);
            for (const status of Array.isArray(value.statuses) ? value.statuses : []) {
              if (typeof status?.id === 'string' && typeof status.status === 'string') {
                statuses.push({ status, phoneNumberId: value.metadata.phone_number_id, deliveryId: delivery.id, receivedAt: delivery.receivedAt });
              } else {
                guard.reject({ ...where, itemKind: 'status', item: status }, 'status_malformed', 'a status needs `id` (wamid) and `status`');
              }
            }
            // Value-level errors (Meta could not deliver something to us): kept as an event.
            if (Array.isArray(value.errors) && value.errors.length > 0) {
              const recorded = await guard.run(where, () => this.events.record(tx, 'messages.errors', { metadata: value.metadata, errors: value.errors }, ctx));
              if (recorded !== undefined) add(delivery.id, 1);
            }
          } else if (handlingOf(field) === 'recorded-then-applied') {
            // Recorded once, then applied by its owner: a change Meta repeats is applied once.
            const apply = this.fields.handlerOf(field as RecordedField);
            await guard.run(where, async () => {
              const eventId = await this.events.record(tx, field, change.value, ctx);
              if (eventId !== undefined) add(delivery.id, await apply(tx, { field, value: change.value, ctx, eventId }, guard));
            });
          } else {
            // Recorded only: a subscribed field no module applies yet, or one we do not subscribe to.
            const eventId = await guard.run(where, () => this.events.record(tx, field, change.value, ctx));
            if (eventId !== undefined) add(delivery.id, 1);
          }
        }
      }
    }
    await this.handleStatuses(tx, statuses, guard, add);
    await guard.flush();
    return [...counts].map(([id, events]) => ({ id, events }));
  }

  /** Statuses set-based, by their owner; isolated per status when retrying a failed delivery. */
  private async handleStatuses(tx: EntityManager, statuses: StatusItem[], guard: ItemGuard, add: (id: string, n: number) => void): Promise<void> {
    const handle = this.fields.handlerOf('messages.statuses');
    const groups = guard.isolate ? statuses.map((s) => [s]) : [statuses];
    for (const group of groups) {
      if (group.length === 0) continue;
      const where = { deliveryId: group[0].deliveryId, field: 'messages', itemKind: 'status', item: group[0].status };
      await guard.run(where, async () => {
        for (const s of await handle(tx, group)) add(s.deliveryId, 1);
      });
    }
  }
}
