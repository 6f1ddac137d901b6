import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ConsentService } from '../contacts/consent.service';
import { ContactsRepository, InboundSender } from '../contacts/contacts.repository';
import { normalisePhone } from '../contacts/phone';
import { one } from '../database/sql';
import type { InboundMessage, MessagesValue, UserPreferencesValue, WebhookContact } from '../whatsapp/cloud-api.types';
import type { DeliveryContext } from './webhook-context';

/**
 * Inbound messages: each one opens (or restarts) the sender's 24-hour window, creates an unknown
 * sender as a contact without consent, and, when it says stop (a stop keyword as the whole message,
 * or a tap on a stop button), records an opt-out with the message as evidence.
 */
@Injectable()
export class InboundMessagesHandler {
  private readonly keywords: Map<string, 'marketing' | 'all'>;
  private readonly payloads: Set<string>;

  constructor(
    config: AppConfig,
    private readonly contacts: ContactsRepository,
    private readonly consent: ConsentService,
  ) {
    this.keywords = new Map(config.whatsapp.stopKeywords.map((k) => [k.keyword, k.scope]));
    this.payloads = new Set(config.whatsapp.stopPayloads.map((p) => p.toUpperCase()));
  }

  /** Returns how many new messages it processed (repeats are skipped). */
  async handle(tx: EntityManager, value: MessagesValue, ctx: DeliveryContext): Promise<number> {
    let processed = 0;
    for (const message of value.messages ?? []) {
      const sender = senderOf(message, value.contacts ?? []);
      if (!sender) continue;
      const contactId = await this.contacts.touchFromInbound(sender, tx);
      const fresh = await one<{ wamid: string }>(
        tx,
        `INSERT INTO inbound_messages (wamid, phone_number_id, waba_id, from_wa_id, from_user_id, contact_id, type, text_body, reply_id, sent_at, delivery_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (wamid) DO NOTHING
         RETURNING wamid`,
        [
          message.id,
          value.metadata.phone_number_id,
          ctx.wabaId,
          message.from ?? null,
          message.from_user_id ?? sender.bsuid,
          contactId,
          message.type,
          message.text?.body ?? null,
          replyIdOf(message),
          sender.at ?? new Date(),
          ctx.deliveryId,
        ],
      );
      if (!fresh) continue; // seen before: the window update above was a no-op
      processed++;
      await this.honourStop(tx, contactId, message, value.metadata.phone_number_id, sender.at ?? new Date());
    }
    return processed;
  }

  /** `user_preferences`: the user stopped or resumed marketing messages inside WhatsApp. */
  async handlePreferences(tx: EntityManager, value: UserPreferencesValue, ctx: DeliveryContext): Promise<number> {
    let recorded = 0;
    for (const preference of value.user_preferences ?? []) {
      if (preference.category !== 'marketing_messages' || (preference.value !== 'stop' && preference.value !== 'resume')) continue;
      const at = fromUnix(preference.timestamp);
      const sender = senderOf({ from: preference.wa_id, from_user_id: preference.user_id, id: '', timestamp: String(at.getTime() / 1000), type: 'signal' }, value.contacts ?? []);
      if (!sender) continue;
      // Not an inbound message: it does not open the customer service window.
      const contactId = await this.contacts.touchFromInbound({ ...sender, at: null }, tx);
      await this.consent.recordWithin(tx, contactId, {
        kind: preference.value === 'stop' ? 'opt_out' : 'opt_in',
        scope: 'marketing',
        source: 'whatsapp_signal',
        wording: `WhatsApp: the user ${preference.value === 'stop' ? 'stopped' : 'resumed'} marketing messages${preference.detail ? ` (${preference.detail})` : ''}`,
        evidence: { phoneNumberId: value.metadata.phone_number_id, wabaId: ctx.wabaId, deliveryId: ctx.deliveryId },
        occurredAt: at,
      });
      recorded++;
    }
    return recorded;
  }

  private async honourStop(tx: EntityManager, contactId: string, message: InboundMessage, phoneNumberId: string, at: Date): Promise<void> {
    const evidence = { messageId: message.id, phoneNumberId };
    if (message.type === 'text' && message.text) {
      const scope = this.keywords.get(message.text.body.trim().replace(/\s+/g, ' ').toUpperCase());
      if (scope) {
        await this.consent.recordWithin(tx, contactId, { kind: 'opt_out', scope, source: 'keyword', wording: message.text.body, evidence, occurredAt: at });
      }
      return;
    }
    const reply = replyIdOf(message);
    if (reply && this.payloads.has(reply.toUpperCase())) {
      const wording = message.button?.text ?? titleOf(message) ?? reply;
      await this.consent.recordWithin(tx, contactId, { kind: 'opt_out', scope: 'marketing', source: 'button', wording, evidence, occurredAt: at });
    }
  }
}

function senderOf(message: Pick<InboundMessage, 'from' | 'from_user_id' | 'timestamp'> & Partial<InboundMessage>, contacts: WebhookContact[]): InboundSender | undefined {
  const profile = contacts.find((c) => (message.from && c.wa_id === message.from) || (message.from_user_id && c.user_id === message.from_user_id)) ?? (contacts.length === 1 ? contacts[0] : undefined);
  const waId = message.from ?? profile?.wa_id ?? null;
  const bsuid = message.from_user_id ?? profile?.user_id ?? null;
  let phone: string | null = null;
  let country: string | null = null;
  if (waId && /^\d{6,15}$/.test(waId)) {
    const parsed = normalisePhone(`+${waId}`);
    // WhatsApp's own id is authoritative even where our metadata does not know the range yet.
    phone = parsed.ok ? parsed.e164 : `+${waId}`;
    country = parsed.ok ? parsed.country : null;
  }
  if (!phone && !bsuid) return undefined;
  return { phone, waId, bsuid, country, profileName: profile?.profile?.name ?? null, at: fromUnix(message.timestamp) };
}

function replyIdOf(message: InboundMessage): string | null {
  if (message.type === 'button') return message.button?.payload ?? null;
  const interactive = message.interactive as { type?: string; button_reply?: { id: string }; list_reply?: { id: string } } | undefined;
  return interactive?.button_reply?.id ?? interactive?.list_reply?.id ?? null;
}

function titleOf(message: InboundMessage): string | undefined {
  const interactive = message.interactive as { button_reply?: { title: string }; list_reply?: { title: string } } | undefined;
  return interactive?.button_reply?.title ?? interactive?.list_reply?.title;
}

function fromUnix(timestamp: string | number | undefined): Date {
  const seconds = Number(timestamp);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : new Date();
}
