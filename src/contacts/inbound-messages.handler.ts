import { Injectable } from '@nestjs/common';
import { webhookTime, type WebhookTime } from '../whatsapp/webhook-time';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { WebhookField } from '../webhooks/webhook-field.decorator';
import type { FieldChange, RecordedChange } from '../webhooks/webhook-fields';
import type { DeliveryContext } from '../webhooks/webhook-context';
import type { ItemGuard } from '../webhooks/webhook-items';
import type { InboundMessage, MessagesValue, UserPreferencesValue, WebhookContact } from '../whatsapp/cloud-api.types';
import { ConsentService } from './consent.service';
import { ContactIdentitiesRepository, UserIdentity } from './contact-identities.repository';
import { InboundMessagesRepository } from './inbound-messages.repository';
import { StopKeywordMatcher, StopScope } from './stop-keywords';
import { readWaId } from './wa-id';

/** What a `system` message carries (Meta's system messages webhook reference). */
interface SystemNotice {
  type?: string;
  body?: string;
  /** user_changed_number: the new wa_id. */
  wa_id?: string;
  /** customer_changed_number (before Graph v12): the new wa_id. */
  new_wa_id?: string;
  /** user_changed_user_id: the new BSUID. */
  user_id?: string;
  new_user_id?: string;
  previous_user_id?: string;
}

/** One entry of a `user_id_update` change: a user's BSUID changed. */
interface UserIdUpdate {
  wa_id?: string;
  user_id?: string;
  previous_user_id?: string;
  detail?: { previous?: string | { user_id?: string }; current?: string | { user_id?: string } };
  timestamp?: string | number;
}

/**
 * Which inbound messages open (or restart) the 24-hour customer service window with the business
 * number they were sent to. Meta: "Whenever a WhatsApp user messages you or calls you, a 24-hour
 * timer called a customer service window starts, or refreshes" (Cloud API, "Customer service
 * windows"). A message from the user is any `messages[]` item they sent 1:1, whatever its type,
 * reactions and `unsupported` ones included (they are messages the user wrote to us). These are not:
 * - `system` notices (a number or BSUID change: WhatsApp's, not the user's; Meta's system messages
 *   reference);
 * - a message in a group (`group_id`): it opens the group's window, not the member's 1:1 window
 *   (Groups API);
 * - `request_welcome` (the user opened the chat and wrote nothing): we do not count it; the safe
 *   side, since a closed window only means a template is used.
 */
export function opensWindow(message: Pick<InboundMessage, 'type'> & { group_id?: unknown }): boolean {
  if (message.group_id !== undefined && message.group_id !== null) return false;
  return message.type !== 'system' && message.type !== 'request_welcome';
}

/**
 * What WhatsApp users send and do, from the webhook fields the contacts module owns
 * (src/webhooks/webhook-fields.ts): `messages[]` of a `messages` change, `calls`,
 * `user_preferences` and `user_id_update`. Inbound messages are kept once (by wamid), attached to
 * the person who sent them, whatever identifier WhatsApp used (contact-identities.repository.ts); a
 * message or a call from the user opens their window with the number it was sent to; a stop
 * keyword or stop button records an opt-out with the message as evidence; system notices and
 * `user_id_update` move a person to a new number or BSUID. Each runs in the webhook batch's
 * transaction; an item that cannot be read is set aside with its error (ItemGuard), never dropped
 * silently.
 */
@Injectable()
export class InboundMessagesHandler {
  private readonly keywords: StopKeywordMatcher;
  private readonly payloads: Set<string>;

  constructor(
    config: AppConfig,
    private readonly identities: ContactIdentitiesRepository,
    private readonly inbound: InboundMessagesRepository,
    private readonly consent: ConsentService,
  ) {
    this.keywords = new StopKeywordMatcher(config.whatsapp.stopKeywords);
    this.payloads = new Set(config.whatsapp.stopPayloads.map((p) => p.toUpperCase()));
  }

  /** `messages[]` of a `messages` change. Resolves with how many new messages it processed (repeats are skipped). */
  @WebhookField('messages.messages')
  async handleMessages(tx: EntityManager, { value, ctx }: FieldChange<MessagesValue>, guard: ItemGuard): Promise<number> {
    const phoneNumberId = value.metadata.phone_number_id;
    const contacts = Array.isArray(value.contacts) ? value.contacts : [];
    let processed = 0;
    for (const message of value.messages ?? []) {
      const where = { deliveryId: ctx.deliveryId, field: 'messages', itemKind: 'message', item: message };
      const problem = messageProblem(message);
      if (problem) {
        guard.reject(where, problem.code, problem.message);
        continue;
      }
      const sender = senderOf(message, contacts);
      if (!sender) {
        guard.reject(where, 'sender_unreadable', 'the message has neither a readable wa_id in `from` nor a `from_user_id`');
        continue;
      }
      // An unreadable or impossible time is recorded, and the message still processed (a STOP in it
      // must apply) with the delivery's receipt time, opening no window (webhook-time.ts).
      const time = webhookTime(message.timestamp, ctx.receivedAt);
      if (time.problem) guard.reject(where, time.problem.code, time.problem.message);
      const fresh = await guard.run(where, () => this.handleMessage(tx, message, sender, phoneNumberId, ctx, time));
      if (fresh) processed++;
    }
    return processed;
  }

  private async handleMessage(tx: EntityManager, message: InboundMessage, sender: UserIdentity, phoneNumberId: string, ctx: DeliveryContext, time: WebhookTime): Promise<boolean> {
    const at = time.at;
    const groupId = typeof message.group_id === 'string' ? message.group_id : null;
    const system = message.type === 'system' ? (message.system as SystemNotice | undefined) : undefined;
    // A notice changes who the person is; it is applied once, so it is recorded first.
    const contactId = system ? undefined : await this.identities.resolve(tx, sender, at, true);
    // The message, once (by wamid), and the window it opens, in one statement: the window moves
    // only for a message seen for the first time.
    const fresh = await this.inbound.record(tx, {
      wamid: message.id,
      phoneNumberId,
      wabaId: ctx.wabaId,
      fromWaId: sender.waId,
      fromUserId: sender.bsuid,
      contactId: contactId ?? null,
      type: message.type,
      textBody: message.text?.body ?? null,
      replyId: replyIdOf(message),
      sentAt: at,
      deliveryId: ctx.deliveryId,
      groupId,
      opensWindow: time.trusted && opensWindow(message),
    });
    if (!fresh) return false; // seen before
    if (system) {
      const moved = await this.applyNotice(tx, message, system, sender, at, ctx);
      if (moved) await this.inbound.assignContact(tx, message.id, moved);
      return true;
    }
    await this.honourStop(tx, contactId!, message, phoneNumberId, at);
    return true;
  }

  /** `user_changed_number`, `user_changed_user_id` (and the older `customer_changed_number`). */
  private async applyNotice(tx: EntityManager, message: InboundMessage, system: SystemNotice, sender: UserIdentity, at: Date, ctx: DeliveryContext): Promise<string | undefined> {
    const evidence = { messageId: message.id, deliveryId: ctx.deliveryId, notice: system.type ?? null };
    if (system.type === 'user_changed_number' || system.type === 'customer_changed_number') {
      const to = readWaId(system.wa_id ?? system.new_wa_id);
      if (sender.waId && to) return this.identities.changeNumber(tx, sender.waId, to, at, evidence);
    }
    if (system.type === 'user_changed_user_id') {
      const to = system.user_id ?? system.new_user_id;
      const from = system.previous_user_id ?? (sender.bsuid !== to ? sender.bsuid : null);
      if (isBsuid(to)) return this.identities.changeBsuid(tx, { fromBsuid: from ?? null, toBsuid: to, waId: sender.waId }, at, evidence);
    }
    return this.identities.resolve(tx, sender, at, false);
  }

  /**
   * `user_preferences`: the user stopped or resumed marketing messages inside WhatsApp. Resolves
   * with how many consent events it recorded (the change counts for those).
   */
  @WebhookField('user_preferences')
  async handlePreferences(tx: EntityManager, change: RecordedChange, guard: ItemGuard): Promise<number> {
    const value = change.value as UserPreferencesValue;
    const ctx = change.ctx;
    let recorded = 0;
    const contacts = Array.isArray(value.contacts) ? value.contacts : [];
    for (const preference of value.user_preferences ?? []) {
      if (preference.category !== 'marketing_messages' || (preference.value !== 'stop' && preference.value !== 'resume')) continue;
      const where = { deliveryId: ctx.deliveryId, field: 'user_preferences', itemKind: 'user_preference', item: preference };
      const time = webhookTime(preference.timestamp, ctx.receivedAt);
      if (time.problem) guard.reject(where, time.problem.code, time.problem.message);
      const at = time.at;
      const sender = senderOf({ from: preference.wa_id, from_user_id: preference.user_id }, contacts);
      if (!sender) {
        guard.reject(where, 'sender_unreadable', 'the preference has neither a readable wa_id nor a user_id');
        continue;
      }
      const done = await guard.run(where, async () => {
        // Not an inbound message: it does not open the customer service window.
        await this.consent.recordFromWhatsapp(tx, sender, {
          kind: preference.value === 'stop' ? 'opt_out' : 'opt_in',
          scope: 'marketing',
          source: 'whatsapp_signal',
          wording: `WhatsApp: the user ${preference.value === 'stop' ? 'stopped' : 'resumed'} marketing messages${preference.detail ? ` (${preference.detail})` : ''}`,
          evidence: { phoneNumberId: value.metadata.phone_number_id, wabaId: ctx.wabaId, deliveryId: ctx.deliveryId },
          occurredAt: at,
        });
        return true;
      });
      if (done) recorded++;
    }
    return recorded;
  }

  /**
   * `calls` (Cloud API Calling): a call the user made to a business number opens or restarts the
   * customer service window with that number, as a message does ("a WhatsApp user messages you or
   * calls you"). Business-initiated calls and other call events open nothing. The change counts
   * for one event, whatever it held.
   */
  @WebhookField('calls')
  async handleCalls(tx: EntityManager, change: RecordedChange, guard: ItemGuard): Promise<number> {
    const value = change.value as { metadata?: { phone_number_id?: string }; contacts?: WebhookContact[]; calls?: unknown[] } | null;
    const ctx = change.ctx;
    const phoneNumberId = value?.metadata?.phone_number_id;
    if (typeof phoneNumberId !== 'string') return 1;
    const contacts = Array.isArray(value?.contacts) ? value.contacts : [];
    for (const call of Array.isArray(value?.calls) ? value.calls : []) {
      const c = call as { from?: unknown; from_user_id?: unknown; direction?: unknown; event?: unknown; timestamp?: unknown };
      if (c?.direction !== 'USER_INITIATED' || c.event !== 'connect') continue;
      const where = { deliveryId: ctx.deliveryId, field: 'calls', itemKind: 'call', item: call };
      const sender = senderOf(c, contacts);
      if (!sender) {
        guard.reject(where, 'sender_unreadable', 'the call has neither a readable wa_id in `from` nor a `from_user_id`');
        continue;
      }
      const time = webhookTime(c.timestamp, ctx.receivedAt);
      if (time.problem) {
        // When the person called cannot be told: no window is opened for it.
        guard.reject(where, time.problem.code, time.problem.message);
        continue;
      }
      const at = time.at;
      await guard.run(where, async () => {
        const contactId = (await this.identities.resolve(tx, sender, at, true))!;
        await this.inbound.openWindow(tx, contactId, phoneNumberId, at);
      });
    }
    return 1;
  }

  /** `user_id_update`: a user's BSUID changed. The change counts for one event, whatever it held. */
  @WebhookField('user_id_update')
  async handleUserIdUpdates(tx: EntityManager, change: RecordedChange, guard: ItemGuard): Promise<number> {
    const value = change.value as { user_id_update?: UserIdUpdate[] } | null;
    const ctx = change.ctx;
    for (const update of Array.isArray(value?.user_id_update) ? value.user_id_update : []) {
      const where = { deliveryId: ctx.deliveryId, field: 'user_id_update', itemKind: 'user_id_update', item: update };
      const previous = idOf(update.detail?.previous) ?? update.previous_user_id ?? null;
      const current = idOf(update.detail?.current) ?? update.user_id;
      if (!isBsuid(current) || (previous !== null && !isBsuid(previous))) {
        guard.reject(where, 'user_id_update_malformed', 'expected the previous and current user_id of the user');
        continue;
      }
      const time = webhookTime(update.timestamp, ctx.receivedAt);
      if (time.problem) guard.reject(where, time.problem.code, time.problem.message);
      await guard.run(where, () =>
        this.identities.changeBsuid(tx, { fromBsuid: previous, toBsuid: current, waId: readWaId(update.wa_id) ?? null }, time.at, {
          deliveryId: ctx.deliveryId,
          field: 'user_id_update',
        }),
      );
    }
    return 1;
  }

  private async honourStop(tx: EntityManager, contactId: string, message: InboundMessage, phoneNumberId: string, at: Date): Promise<void> {
    const evidence = { messageId: message.id, phoneNumberId };
    if (message.type === 'text') {
      const scope = this.keywords.match(message.text?.body);
      if (scope) await this.consent.recordWithin(tx, contactId, { kind: 'opt_out', scope, source: 'keyword', wording: message.text!.body, evidence, occurredAt: at });
      return;
    }
    const reply = replyIdOf(message);
    const title = message.button?.text ?? titleOf(message);
    const scope = this.stopScopeOfReply(reply, title);
    if (scope) {
      await this.consent.recordWithin(tx, contactId, { kind: 'opt_out', scope, source: 'button', wording: title ?? reply ?? '', evidence, occurredAt: at });
    }
  }

  /**
   * A tap on a stop button: its payload is one of our stop payloads (marketing), or the payload or
   * the button's text is a stop keyword: a quick-reply button defined without a payload sends its
   * text as the payload (Meta, template components reference), as WhatsApp Manager's own "Stop
   * promotions" button does.
   */
  private stopScopeOfReply(reply: string | null, title: string | undefined): StopScope | undefined {
    if (reply && this.payloads.has(reply.toUpperCase())) return 'marketing';
    return this.keywords.match(reply) ?? this.keywords.match(title);
  }
}

/** Why a message cannot be processed, or undefined. */
function messageProblem(message: unknown): { code: string; message: string } | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return { code: 'message_malformed', message: 'a message must be an object' };
  const m = message as Partial<InboundMessage>;
  if (typeof m.id !== 'string' || m.id.length === 0 || m.id.length > 512) return { code: 'message_id_missing', message: 'the message has no `id` (wamid)' };
  if (typeof m.type !== 'string' || m.type.length === 0 || m.type.length > 64) return { code: 'message_type_missing', message: 'the message has no `type`' };
  if (m.type === 'text' && typeof m.text?.body !== 'string') return { code: 'message_text_missing', message: 'a text message without `text.body`' };
  return undefined;
}

/**
 * Who sent a message: `from` (a wa_id, with or without `+`) and `from_user_id` (BSUID), completed
 * from the `contacts[]` entry that matches one of them. An entry is never taken for a message it
 * does not match (contacts[] may list several people in one change).
 */
function senderOf(message: { from?: unknown; from_user_id?: unknown }, contacts: WebhookContact[]): UserIdentity | undefined {
  let waId = readWaId(message.from) ?? null;
  let bsuid = isBsuid(message.from_user_id) ? message.from_user_id : null;
  const profile = contacts.find((c) => (waId !== null && readWaId(c?.wa_id) === waId) || (bsuid !== null && c?.user_id === bsuid));
  waId ??= readWaId(profile?.wa_id) ?? null;
  bsuid ??= isBsuid(profile?.user_id) ? profile.user_id : null;
  if (!waId && !bsuid) return undefined;
  const name = profile?.profile?.name;
  return { waId, bsuid, profileName: typeof name === 'string' && name.length > 0 ? name.slice(0, 256) : null };
}

/** A BSUID: country code, dot, then up to 128 alphanumerics (`ID.1349120865530274`, `US.ENT.…`). */
function isBsuid(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Z]{2}\.[A-Za-z0-9.]{1,160}$/.test(value);
}

function idOf(value: string | { user_id?: string } | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.user_id;
}

function replyIdOf(message: InboundMessage): string | null {
  if (message.type === 'button') return typeof message.button?.payload === 'string' ? message.button.payload : null;
  const interactive = message.interactive as { type?: string; button_reply?: { id: string }; list_reply?: { id: string } } | undefined;
  const id = interactive?.button_reply?.id ?? interactive?.list_reply?.id;
  return typeof id === 'string' ? id : null;
}

function titleOf(message: InboundMessage): string | undefined {
  const interactive = message.interactive as { button_reply?: { title: string }; list_reply?: { title: string } } | undefined;
  const title = interactive?.button_reply?.title ?? interactive?.list_reply?.title;
  return typeof title === 'string' ? title : undefined;
}
