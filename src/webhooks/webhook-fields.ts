import type { EntityManager } from 'typeorm';
import type { MessageStatus, MessagesValue } from '../whatsapp/cloud-api.types';
import type { DeliveryContext } from './webhook-context';
import type { ItemGuard } from './webhook-items';

/**
 * The webhook fields Siaran subscribes to, with Meta's names (WhatsApp Business Account webhooks,
 * ../shared/WHATSAPP.md), and what processing does with each change of them:
 * - `applied`: handed to the module that owns the data it changes, as it comes; that module keeps
 *   each item once (an inbound message by wamid, a status by message and status);
 * - `recorded-then-applied`: kept once as an account event (`whatsapp_events`), then, when it was
 *   new, handed to the owning module: a change Meta repeats is applied once;
 * - `recorded-only`: kept once as an account event; no module acts on it yet.
 * A field that is not listed here and arrives anyway is kept as an account event too.
 *
 * Every route of an applied field (WEBHOOK_ROUTES) needs exactly one handler, registered with
 * `@WebhookField` by its owner; the worker does not start otherwise (webhook-field.registry.ts).
 */
export const SUBSCRIBED_FIELDS = {
  /** Users' messages (`messages[]`) and the statuses of ours (`statuses[]`): two routes, two owners. */
  messages: 'applied',
  /** A call from the user opens their customer service window, as a message does. */
  calls: 'recorded-then-applied',
  /** The user stopped or resumed marketing messages inside WhatsApp. */
  user_preferences: 'recorded-then-applied',
  /** A user's business-scoped user id (BSUID) changed. */
  user_id_update: 'recorded-then-applied',
  message_template_status_update: 'recorded-then-applied',
  message_template_quality_update: 'recorded-then-applied',
  template_category_update: 'recorded-then-applied',
  /** Throughput, messaging limit and quality of a business phone number: applied by phone-numbers. */
  phone_number_quality_update: 'recorded-then-applied',
  /** Notices about the WhatsApp Business Account itself: kept; nothing acts on them yet. */
  account_update: 'recorded-only',
} as const satisfies Record<string, FieldHandling>;

export type FieldHandling = 'applied' | 'recorded-then-applied' | 'recorded-only';
export type SubscribedField = keyof typeof SUBSCRIBED_FIELDS;

/** The fields kept as account events and then applied by their owner. */
export type RecordedField = { [F in SubscribedField]: (typeof SUBSCRIBED_FIELDS)[F] extends 'recorded-then-applied' ? F : never }[SubscribedField];

/**
 * What a handler registers for: a recorded field, or one of the two kinds of items a `messages`
 * change carries (`<field>.<array>`, as `messages.errors` is named among account events).
 */
export type WebhookRoute = 'messages.messages' | 'messages.statuses' | RecordedField;

/** Every route that must have a handler in the worker, derived from SUBSCRIBED_FIELDS. */
export const WEBHOOK_ROUTES: readonly WebhookRoute[] = Object.entries(SUBSCRIBED_FIELDS).flatMap(([field, handling]): WebhookRoute[] =>
  field === 'messages' ? ['messages.messages', 'messages.statuses'] : handling === 'recorded-then-applied' ? [field as RecordedField] : [],
);

/** How processing treats a field that arrived: subscribed fields as declared, any other as recorded only. */
export function handlingOf(field: string): FieldHandling {
  return Object.hasOwn(SUBSCRIBED_FIELDS, field) ? SUBSCRIBED_FIELDS[field as SubscribedField] : 'recorded-only';
}

/** One change of a delivery: its field, its value as Meta sent it (unchecked), and where it came from. */
export interface FieldChange<V = unknown> {
  field: string;
  value: V;
  ctx: DeliveryContext;
}

/** A change kept as an account event first: `eventId` is its `whatsapp_events` row (text of a bigint). */
export interface RecordedChange<V = unknown> extends FieldChange<V> {
  eventId: string;
}

/**
 * Applies one change inside the webhook batch's transaction, through the owning module's
 * repositories and services. An item that cannot be read goes to `guard.reject` with a stable
 * code; each item runs in `guard.run` (a savepoint when a failed batch is retried one delivery at a
 * time). Resolves with how many new events the change counts for (webhook_deliveries.events).
 */
export type ChangeHandler<C extends FieldChange> = (tx: EntityManager, change: C, guard: ItemGuard) => Promise<number>;

/** A delivery status as it came, with where it came from. */
export interface StatusItem {
  status: MessageStatus;
  /** The business phone number it is about (`metadata.phone_number_id`). */
  phoneNumberId: string;
  deliveryId: string;
  /** When its delivery reached Siaran: the bound for the status's own time (src/whatsapp/webhook-time.ts). Unset: now. */
  receivedAt?: Date;
}

/**
 * Applies the statuses of a whole claimed batch at once (they are most of the traffic, so they are
 * written set-based), in the batch's transaction. Every item has a string `id` and `status`
 * (processing sets the others aside as `status_malformed`). Resolves with the statuses that were
 * new, each naming its delivery, so that each delivery counts its own. A failure fails them all;
 * processing then retries them one at a time.
 */
export type StatusesHandler = (tx: EntityManager, statuses: StatusItem[]) => Promise<Array<{ deliveryId: string }>>;

/** The handler each route takes. */
export type HandlerOf<R extends WebhookRoute> = [R] extends ['messages.messages']
  ? ChangeHandler<FieldChange<MessagesValue>>
  : [R] extends ['messages.statuses']
    ? StatusesHandler
    : [R] extends [RecordedField]
      ? ChangeHandler<RecordedChange>
      : never;
