import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ConsentService } from '../contacts/consent.service';
import { ContactsService } from '../contacts/contacts.service';
import { isBsuid, readWaId } from '../contacts/wa-id';
import { WebhookField } from '../webhooks/webhook-field.decorator';
import type { StatusItem } from '../webhooks/webhook-fields';
import { applyRecipientStatuses, type RecipientStatus } from './dispatch.repository';
import { MessageStatusesRepository, NewStatus, type RecordedStatus } from './message-statuses.repository';
import { parseRecipientCallbackData, USER_STOPPED_MARKETING } from './send-outcome';

/** How many recent status recipients a worker remembers (then it starts again): about 1 MB. */
const RECENT_RECIPIENTS = 20_000;

/**
 * The statuses of the messages we send (`statuses[]` of `messages` changes), a dispatch fact: each
 * distinct (message, status) is recorded once and the message's status moves only forward
 * (MessageStatusesRepository); campaign recipients (a later part of this module) will follow the
 * new ones, matched by biz_opaque_callback_data. What a status tells about a person goes to the
 * contacts module: the wa_id WhatsApp uses for the phone we sent to, the recipient's BSUID when a
 * status names both (`recipient_id` and `recipient_user_id`: one person, whose contacts become one),
 * and a 131050 failure, which is a marketing opt-out (../shared/WHATSAPP.md, error table) recorded
 * from `whatsapp_signal`.
 */
@Injectable()
export class MessageStatusesHandler {
  /** Status recipients whose wa_id this worker handed to contacts lately. */
  private readonly recentRecipients = new Set<string>();
  /** Recipients (wa_id and BSUID) that this worker found on one contact lately. */
  private readonly recentPairs = new Set<string>();

  constructor(
    private readonly statuses: MessageStatusesRepository,
    private readonly contacts: ContactsService,
    private readonly consent: ConsentService,
  ) {}

  /** A whole webhook batch's statuses, set-based. Resolves with those that were new. */
  @WebhookField('messages.statuses')
  async handleStatuses(tx: EntityManager, items: StatusItem[]): Promise<NewStatus[]> {
    const fresh = await this.statuses.record(tx, items);
    await applyRecipientStatuses(tx, campaignStatuses(fresh));
    await this.learnRecipients(tx, fresh);
    await this.joinRecipients(tx, fresh);
    await this.honourStops(tx, fresh);
    return fresh;
  }

  /**
   * Each recipient once per worker while it is recent: every message has several statuses (sent,
   * delivered, read), and one look-up of its forms is enough.
   */
  private async learnRecipients(tx: EntityManager, fresh: NewStatus[]): Promise<void> {
    const waIds: string[] = [];
    for (const status of fresh) {
      const waId = readWaId(status.recipient);
      if (waId === undefined || this.recentRecipients.has(waId)) continue;
      if (this.recentRecipients.size >= RECENT_RECIPIENTS) this.recentRecipients.clear();
      this.recentRecipients.add(waId);
      waIds.push(waId);
    }
    if (waIds.length > 0) await this.contacts.learnWaIds(tx, waIds);
  }

  /**
   * A status that names its recipient by wa_id and BSUID together shows one person: their contacts
   * become one (an opt-out given under the BSUID then applies to the phone contact too), as a
   * message's contacts[] entry with both does. A pair is remembered only once it is on one contact.
   */
  private async joinRecipients(tx: EntityManager, fresh: NewStatus[]): Promise<void> {
    const users = new Map<string, { waId: string; bsuid: string; at: Date }>();
    for (const status of fresh) {
      const waId = readWaId(status.recipient);
      const bsuid = status.recipientUserId;
      if (waId === undefined || !isBsuid(bsuid)) continue;
      const key = `${waId} ${bsuid}`;
      if (this.recentPairs.has(key) || users.has(key)) continue;
      users.set(key, { waId, bsuid, at: status.occurredAt });
    }
    if (users.size === 0) return;
    const joined = await this.contacts.joinUsers(tx, [...users.values()]);
    if (this.recentPairs.size + joined.length > RECENT_RECIPIENTS) this.recentPairs.clear();
    for (const pair of joined) this.recentPairs.add(`${pair.waId} ${pair.bsuid}`);
  }

  /** A message that failed with 131050: its recipient stopped marketing messages from us. */
  private async honourStops(tx: EntityManager, fresh: NewStatus[]): Promise<void> {
    for (const s of fresh) {
      if (s.status !== 'failed' || s.errorCode !== USER_STOPPED_MARKETING) continue;
      const waId = readWaId(s.recipient) ?? null;
      const bsuid = isBsuid(s.recipientUserId) ? s.recipientUserId : waId ? null : (s.recipient ?? null);
      await this.consent.recordFromWhatsapp(tx, { waId, bsuid, profileName: null }, {
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

/** The new statuses of campaign messages (their callback data names the recipient), as the recipients' rows take them. */
function campaignStatuses(fresh: RecordedStatus[]): RecipientStatus[] {
  return fresh.flatMap((s) => {
    const ids = parseRecipientCallbackData(s.callbackData);
    if (!ids) return [];
    const error = Array.isArray(s.errors) ? (s.errors[0] as { title?: unknown; message?: unknown } | undefined) : undefined;
    const title = typeof error?.title === 'string' ? error.title : typeof error?.message === 'string' ? error.message : null;
    const pricing = s.pricing as { category?: unknown } | null;
    return [
      {
        ...ids,
        wamid: s.wamid,
        status: s.status,
        occurredAt: s.occurredAt,
        errorCode: s.errorCode,
        errorTitle: title,
        pricingCategory: typeof pricing?.category === 'string' ? pricing.category : null,
        recipient: readWaId(s.recipient) ?? null,
      },
    ];
  });
}
