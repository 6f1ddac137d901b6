import { Injectable } from '@nestjs/common';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { DataSource, EntityManager } from 'typeorm';
import { ContactIdentitiesRepository, IdentityEventRow } from './contact-identities.repository';
import { isContactId, notFound } from './contacts.service';
import { DataSubjectRepository, ErasureCounts, EXPORT_LIST_LIMIT, ExportList, SubjectContactRow } from './data-subject.repository';
import { InboundMessagesRepository } from './inbound-messages.repository';
import { redactDeliveryBody } from './webhook-redaction';

/** One capped list of an export: its rows and whether there were more than EXPORT_LIST_LIMIT. */
export interface Capped<T> {
  data: T[];
  truncated: boolean;
}

export interface SubjectExport {
  contact: SubjectContactRow;
  mergedContacts: SubjectContactRow[];
  identityHistory: IdentityEventRow[];
  windows: Array<{ phoneNumberId: string; lastInboundAt: Date }>;
  consentEvents: Capped<Record<string, unknown>>;
  inboundMessages: Capped<Record<string, unknown>>;
  campaigns: Capped<Record<string, unknown>>;
  messageStatuses: Capped<Record<string, unknown>>;
}

export interface Erasure {
  contactId: string;
  erasedAt: Date;
  counts: ErasureCounts;
}

/**
 * The data subject's rights (GDPR arts. 15 and 17; Indonesia's Law 27/2022 on personal data
 * protection, arts. 7 and 8): a copy of everything held about a person, and its erasure.
 *
 * Erasure keeps what the ledger needs and nothing personal beyond it: the phone and BSUID (the
 * keys an opt-out holds on: a number uploaded again must stay opted out), the consent state and
 * events (kind, scope, source, times: that an opt-out happened, and when), and each send with its
 * outcome (decision, reason, state, wamid, delivery, error), without its content.
 */
@Injectable()
export class DataSubjectService {
  constructor(
    private readonly subjects: DataSubjectRepository,
    private readonly identities: ContactIdentitiesRepository,
    private readonly inbound: InboundMessagesRepository,
    private readonly db: DataSource,
  ) {}

  /** Everything held about a contact and the contacts merged into it. 404 CONTACT_NOT_FOUND. */
  async export(id: string): Promise<SubjectExport> {
    const contact = isContactId(id) ? await this.subjects.contact(this.db, id) : undefined;
    if (!contact) throw notFound(id);
    const mergedContacts = await this.subjects.mergedInto(this.db, id);
    const ids = [id, ...mergedContacts.map((c) => c.id)];
    const capped = async (list: ExportList): Promise<Capped<Record<string, unknown>>> => {
      const found = await this.subjects.list<Record<string, unknown>>(list, ids, EXPORT_LIST_LIMIT);
      return { data: found.slice(0, EXPORT_LIST_LIMIT), truncated: found.length > EXPORT_LIST_LIMIT };
    };
    const [identityHistory, windows, consentEvents, inboundMessages, campaigns, messageStatuses] = await Promise.all([
      this.identities.historyOf(this.db, id),
      this.inbound.windowsOf(this.db, id),
      capped('consentEvents'),
      capped('inboundMessages'),
      capped('campaigns'),
      capped('messageStatuses'),
    ]);
    return { contact, mergedContacts, identityHistory, windows, consentEvents, inboundMessages, campaigns, messageStatuses };
  }

  /**
   * Erases a contact's personal data, and that of the contacts merged into it, everywhere, in one
   * transaction (see the class comment for what stays). Idempotent: erasing again finds nothing
   * left and changes nothing but the time. `live`: only a contact that is not deleted (DELETE
   * /v1/contacts/:id, which answers 404 for one already gone). 404 CONTACT_NOT_FOUND.
   */
  async erase(id: string, options: { live?: boolean } = {}): Promise<Erasure> {
    if (!isContactId(id)) throw notFound(id);
    return this.db.transaction(async (tx) => {
      const contact = await this.subjects.contact(tx, id, true);
      if (!contact || (options.live && contact.deletedAt !== null)) throw notFound(id);
      const merged = await this.subjects.mergedInto(tx, id, true);
      const ids = [id, ...merged.map((c) => c.id)];
      const contacts = await this.subjects.eraseContacts(tx, ids);
      const consentEvents = await this.subjects.eraseConsentText(tx, ids);
      const inbound = await this.subjects.eraseInboundText(tx, ids);
      const campaignMessages = await this.subjects.eraseSentContent(tx, ids);
      const phones = [contact.phone, ...(await this.subjects.earlierPhones(tx, ids))].filter((p): p is string => p !== null);
      const importRows = await this.subjects.eraseImportRows(tx, nationalNumbers(phones));
      const wamids = inbound.messages.map((m) => m.wamid);
      const waIds = unique([...phones.map((p) => p.replace(/^\+/, '')), contact.waId, ...inbound.messages.map((m) => m.fromWaId)]);
      const bsuids = unique([contact.bsuid, ...inbound.messages.map((m) => m.fromUserId)]);
      const itemDeliveries = await this.subjects.eraseItemErrors(tx, wamids, waIds, bsuids);
      const eventDeliveries = await this.subjects.eraseEventProfiles(tx, waIds, bsuids);
      const webhookDeliveries = await this.eraseDeliveries(
        tx,
        unique([...inbound.messages.map((m) => m.deliveryId), ...itemDeliveries, ...eventDeliveries]),
        { wamids: new Set(wamids), senders: new Set([...waIds, ...bsuids]) },
      );
      const erasedAt = (await this.subjects.contact(tx, id))!.erasedAt!;
      return {
        contactId: id,
        erasedAt,
        counts: {
          contacts,
          consentEvents,
          inboundMessages: inbound.erased,
          campaignMessages,
          importRows,
          webhookDeliveries,
          webhookItems: itemDeliveries.length,
          accountEvents: eventDeliveries.length,
        },
      };
    });
  }

  /**
   * The person's items in the raw bodies of processed webhook deliveries (webhook-redaction.ts).
   * A delivery not processed yet is left as it is: it may carry the person's STOP, which must
   * still be recorded; its text then arrives as a new message, after the erasure.
   */
  private async eraseDeliveries(tx: EntityManager, deliveryIds: string[], person: { wamids: Set<string>; senders: Set<string> }): Promise<number> {
    if (deliveryIds.length === 0) return 0;
    let count = 0;
    for (const delivery of await this.subjects.processedDeliveries(tx, deliveryIds)) {
      const body = redactDeliveryBody(delivery.body, person);
      if (body === undefined) continue;
      await this.subjects.replaceDeliveryBody(tx, delivery.id, body);
      count++;
    }
    return count;
  }
}

/** The national significant numbers of E.164 phones (`+6281234567890` → `81234567890`): how import cells are matched, whatever their format. */
function nationalNumbers(phones: string[]): string[] {
  return unique(phones.map((p) => parsePhoneNumberFromString(p)?.nationalNumber ?? null).filter((n): n is string => n !== null && n.length >= 6));
}

function unique(values: Array<string | null>): string[] {
  return [...new Set(values.filter((v): v is string => v !== null && v !== ''))];
}
