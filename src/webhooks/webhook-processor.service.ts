import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ConsentService } from '../contacts/consent.service';
import { ContactIdentitiesRepository } from '../contacts/contact-identities.repository';
import { readWaId } from '../contacts/wa-id';
import type { MessagesValue, UserPreferencesValue, WebhookEnvelope } from '../whatsapp/cloud-api.types';
import { InboundMessagesHandler } from './inbound-messages.handler';
import { MessageStatusesHandler, NewStatus, StatusItem } from './message-statuses.handler';
import { PendingDelivery, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import type { DeliveryContext } from './webhook-context';
import { ItemGuard, parseDelivery } from './webhook-items';
import { TEMPLATE_FIELDS, WhatsappEventsHandler } from './whatsapp-events.handler';
import { TemplateEventsHandler } from '../templates/template-events.handler';

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

/** How many recent status recipients a worker remembers (then it starts again): about 1 MB. */
const RECENT_RECIPIENTS = 20_000;

/** `statuses[].errors[].code` 131050: "user stopped marketing messages from this business". */
const USER_STOPPED_MARKETING = 131050;

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
@Injectable()
export class WebhookProcessorService {
  private readonly logger = new Logger(WebhookProcessorService.name);
  /**
   * Fields about people, kept as account events and then applied by the inbound handler; each
   * returns how many events the change counts for: a user_preferences change one per consent event
   * it recorded, the others one.
   */
  private readonly appliers = new Map<string, (tx: EntityManager, value: unknown, ctx: DeliveryContext, guard: ItemGuard) => Promise<number>>([
    ['user_preferences', (tx, value, ctx, guard) => this.inbound.handlePreferences(tx, value as UserPreferencesValue, ctx, guard)],
    [
      'user_id_update',
      async (tx, value, ctx, guard) => {
        await this.inbound.handleUserIdUpdates(tx, value as never, ctx, guard);
        return 1;
      },
    ],
    [
      // A user's call opens their window, as a message does.
      'calls',
      async (tx, value, ctx, guard) => {
        await this.inbound.handleCalls(tx, value as never, ctx, guard);
        return 1;
      },
    ],
  ]);
  /** Status recipients whose wa_id this worker looked up lately (see afterStatuses). */
  private readonly recentRecipients = new Set<string>();

  constructor(
    private readonly db: DataSource,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly inbound: InboundMessagesHandler,
    private readonly statuses: MessageStatusesHandler,
    private readonly events: WhatsappEventsHandler,
    private readonly templateEvents: TemplateEventsHandler,
    private readonly identities: ContactIdentitiesRepository,
    private readonly consent: ConsentService,
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
   * Handles every change of every entry of the deliveries; returns how many new events each had.
   * Statuses, most of the traffic, are gathered across the whole batch and written set-based.
   */
  private async processAll(tx: EntityManager, deliveries: PendingDelivery[], guard: ItemGuard): Promise<Array<{ id: string; events: number }>> {
    const counts = new Map<string, number>(deliveries.map((d) => [d.id, 0]));
    const add = (id: string, n: number) => counts.set(id, (counts.get(id) ?? 0) + n);
    const statuses: StatusItem[] = [];
    for (const delivery of deliveries) {
      const envelope = parseDelivery(delivery.body) as WebhookEnvelope;
      for (const entry of Array.isArray(envelope?.entry) ? envelope.entry : []) {
        const ctx: DeliveryContext = { deliveryId: delivery.id, wabaId: String(entry?.id), entryTime: typeof entry?.time === 'number' ? entry.time : undefined };
        for (const change of Array.isArray(entry?.changes) ? entry.changes : []) {
          const where = { deliveryId: delivery.id, field: String(change?.field), itemKind: 'change', item: change };
          if (change?.field === 'messages') {
            const value = change.value as MessagesValue;
            if (typeof value?.metadata?.phone_number_id !== 'string') {
              guard.reject(where, 'metadata_missing', 'a messages change without metadata.phone_number_id');
              continue;
            }
            add(delivery.id, await this.inbound.handle(tx, value, ctx, guard));
            for (const status of Array.isArray(value.statuses) ? value.statuses : []) {
              if (typeof status?.id === 'string' && typeof status.status === 'string') {
                statuses.push({ status, phoneNumberId: value.metadata.phone_number_id, deliveryId: delivery.id });
              } else {
                guard.reject({ ...where, itemKind: 'status', item: status }, 'status_malformed', 'a status needs `id` (wamid) and `status`');
              }
            }
            // Value-level errors (Meta could not deliver something to us): kept as an event.
            if (Array.isArray(value.errors) && value.errors.length > 0) {
              const recorded = await guard.run(where, () => this.events.record(tx, 'messages.errors', { metadata: value.metadata, errors: value.errors }, ctx));
              if (recorded !== undefined) add(delivery.id, 1);
            }
          } else if (typeof change?.field === 'string' && this.appliers.has(change.field)) {
            // Recorded once, then applied: a change Meta repeats is applied once.
            const apply = this.appliers.get(change.field)!;
            const eventId = await guard.run(where, () => this.events.record(tx, change.field, change.value, ctx));
            if (eventId !== undefined) add(delivery.id, await apply(tx, change.value, ctx, guard));
          } else if (typeof change?.field === 'string') {
            await guard.run(where, async () => {
              const eventId = await this.events.record(tx, change.field, change.value, ctx);
              if (eventId === undefined) return;
              add(delivery.id, 1);
              if ((TEMPLATE_FIELDS as readonly string[]).includes(change.field)) {
                await this.templateEvents.apply(tx, change.field, change.value, { id: eventId, wabaId: ctx.wabaId, entryTime: ctx.entryTime });
              }
            });
          } else {
            guard.reject(where, 'change_malformed', 'a change needs a `field`');
          }
        }
      }
    }
    await this.handleStatuses(tx, statuses, guard, add);
    await guard.flush();
    return [...counts].map(([id, events]) => ({ id, events }));
  }

  /** Statuses set-based; isolated per status when retrying a failed delivery. */
  private async handleStatuses(tx: EntityManager, statuses: StatusItem[], guard: ItemGuard, add: (id: string, n: number) => void): Promise<void> {
    const groups = guard.isolate ? statuses.map((s) => [s]) : [statuses];
    for (const group of groups) {
      if (group.length === 0) continue;
      const where = { deliveryId: group[0].deliveryId, field: 'messages', itemKind: 'status', item: group[0].status };
      await guard.run(where, async () => {
        const fresh = await this.statuses.handle(tx, group);
        for (const s of fresh) add(s.deliveryId, 1);
        await this.afterStatuses(tx, fresh);
      });
    }
  }

  /**
   * What new statuses tell about people: the wa_id WhatsApp uses for the phone we sent to, and a
   * 131050 failure ("user stopped marketing messages from this business"), which is a marketing
   * opt-out (../shared/WHATSAPP.md, error table) recorded from `whatsapp_signal`.
   */
  private async afterStatuses(tx: EntityManager, fresh: NewStatus[]): Promise<void> {
    // Each recipient once per worker while it is recent: every message has several statuses
    // (sent, delivered, read), and one look-up of its forms is enough.
    const waIds: string[] = [];
    for (const status of fresh) {
      const waId = readWaId(status.recipient);
      if (waId === undefined || this.recentRecipients.has(waId)) continue;
      if (this.recentRecipients.size >= RECENT_RECIPIENTS) this.recentRecipients.clear();
      this.recentRecipients.add(waId);
      waIds.push(waId);
    }
    if (waIds.length > 0) await this.identities.learnWaIds(tx, waIds);
    for (const s of fresh) {
      if (s.status !== 'failed' || s.errorCode !== USER_STOPPED_MARKETING) continue;
      const waId = readWaId(s.recipient) ?? null;
      const bsuid = waId ? null : (s.recipient ?? null);
      const contactId = await this.identities.resolve(tx, { waId, bsuid, profileName: null }, s.occurredAt, true);
      if (!contactId) continue;
      await this.consent.recordWithin(tx, contactId, {
        kind: 'opt_out',
        scope: 'marketing',
        source: 'whatsapp_signal',
        wording: 'WhatsApp: the user stopped marketing messages from this business (error 131050)',
        evidence: { messageId: s.wamid, status: s.status, errorCode: s.errorCode, phoneNumberId: s.phoneNumberId, deliveryId: s.deliveryId },
        occurredAt: s.occurredAt,
      });
    }
  }
}
