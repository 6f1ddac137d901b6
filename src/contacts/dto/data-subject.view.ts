import type { Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import type { Erasure, SubjectExport } from '../data-subject.service';
import type { SubjectContactRow } from '../data-subject.repository';
import { EXPORT_LIST_LIMIT } from '../data-subject.repository';
import { ConsentEventView, ContactView, contactView, CustomerServiceWindowView, IdentityEventView, identityEventView, windowView } from './contact.view';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const LIST = `At most ${EXPORT_LIST_LIMIT.toLocaleString('en')}, oldest first; truncated says there were more`;

export class SubjectContactView extends ContactView {
  @ApiProperty({ type: String, nullable: true, description: 'The contact this one was merged into' }) mergedInto: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deletedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When its personal data was last erased' }) erasedAt: string | null;
}

export class ExportedConsentEventView extends ConsentEventView {
  @ApiProperty({ type: String, nullable: true, description: 'The contact it was first recorded on, when a merge moved it here' }) mergedFromContactId: string | null;
}

export class ExportedInboundMessageView {
  @ApiProperty() wamid: string;
  @ApiProperty({ description: 'The business number it was sent to' }) phoneNumberId: string;
  @ApiProperty({ type: String, nullable: true }) fromWaId: string | null;
  @ApiProperty({ type: String, nullable: true }) fromUserId: string | null;
  @ApiProperty({ example: 'text' }) type: string;
  @ApiProperty({ type: String, nullable: true, description: 'null once erased' }) textBody: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'A quick-reply payload or interactive reply id' }) replyId: string | null;
  @ApiProperty({ type: String, nullable: true }) groupId: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) sentAt: string;
  @ApiProperty({ type: String, format: 'date-time' }) receivedAt: string;
}

export class ExportedCampaignMessageView {
  @ApiProperty({ format: 'uuid' }) campaignId: string;
  @ApiProperty() campaignName: string;
  @ApiProperty({ description: 'This contact, or one merged into it' }) contactId: string;
  @ApiProperty({ enum: ['eligible', 'excluded', 'deferred'] }) decision: string;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['template', 'session', 'fallback'] }) sends: string | null;
  @ApiProperty({ type: String, nullable: true }) category: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The opt-in that allowed it' }) consentEventId: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) decidedAt: string;
  @ApiProperty({ type: String, nullable: true }) sendState: string | null;
  @ApiProperty({ type: String, nullable: true }) skipReason: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) sentAt: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'What was sent (the Cloud API content); after an erasure only the template name and language, or the type, with erased: true' })
  sentMessage: Record<string, unknown> | null;
  @ApiProperty({ type: String, nullable: true }) wamid: string | null;
  @ApiProperty({ type: String, nullable: true }) waId: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['sent', 'delivered', 'read', 'failed'] }) deliveryState: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveryAt: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) errorCode: number | null;
  @ApiProperty({ type: String, nullable: true }) errorTitle: string | null;
  @ApiProperty({ type: String, nullable: true }) pricingCategory: string | null;
}

export class ExportedMessageStatusView {
  @ApiProperty() wamid: string;
  @ApiProperty({ example: 'delivered' }) status: string;
  @ApiProperty({ type: String, format: 'date-time' }) occurredAt: string;
  @ApiProperty({ type: String, nullable: true, description: 'The wa_id WhatsApp addressed it to' }) recipient: string | null;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, nullable: true }) errors: unknown[] | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) pricing: Record<string, unknown> | null;
  @ApiProperty() phoneNumberId: string;
  @ApiProperty({ type: String, format: 'date-time' }) receivedAt: string;
}

/** `{ data: T[], truncated }`: one capped list of an export, as a named schema (`name`). */
function cappedList<T>(item: Type<T>, name: string) {
  class Capped {
    @ApiProperty({ type: [item], description: LIST }) data: T[];
    @ApiProperty() truncated: boolean;
  }
  Object.defineProperty(Capped, 'name', { value: name });
  return Capped;
}

const CappedConsentEvents = cappedList(ExportedConsentEventView, 'CappedConsentEvents');
const CappedInboundMessages = cappedList(ExportedInboundMessageView, 'CappedInboundMessages');
const CappedCampaignMessages = cappedList(ExportedCampaignMessageView, 'CappedCampaignMessages');
const CappedMessageStatuses = cappedList(ExportedMessageStatusView, 'CappedMessageStatuses');
type Capped<T> = { data: T[]; truncated: boolean };

export class ContactExportView {
  @ApiProperty({ type: String, format: 'date-time' }) exportedAt: string;
  @ApiProperty({ type: SubjectContactView }) contact: SubjectContactView;
  @ApiProperty({ type: [SubjectContactView], description: 'Contacts that turned out to be this person and were merged into it' }) mergedContacts: SubjectContactView[];
  @ApiProperty({ type: [IdentityEventView], description: 'Earlier numbers and BSUIDs, and merges, oldest first' }) identityHistory: IdentityEventView[];
  @ApiProperty({ type: [CustomerServiceWindowView], description: 'Customer service windows per business number' }) windows: CustomerServiceWindowView[];
  @ApiProperty({ type: CappedConsentEvents, description: 'The consent ledger, with wording and evidence' }) consentEvents: Capped<ExportedConsentEventView>;
  @ApiProperty({ type: CappedInboundMessages }) inboundMessages: Capped<ExportedInboundMessageView>;
  @ApiProperty({ type: CappedCampaignMessages, description: 'Campaign participation: decision, reason, what was sent and what became of it' }) campaigns: Capped<ExportedCampaignMessageView>;
  @ApiProperty({ type: CappedMessageStatuses, description: 'Every status WhatsApp reported for the messages sent to the person' }) messageStatuses: Capped<ExportedMessageStatusView>;
}

export class ErasureCountsView {
  @ApiProperty({ description: 'Contact rows erased: this one and those merged into it' }) contacts: number;
  @ApiProperty({ description: 'Consent events whose wording or evidence reference was cleared' }) consentEvents: number;
  @ApiProperty({ description: 'Inbound messages whose text was cleared' }) inboundMessages: number;
  @ApiProperty({ description: 'Campaign messages whose content was cleared' }) campaignMessages: number;
  @ApiProperty({ description: 'Rejected or warned import rows whose values were cleared' }) importRows: number;
  @ApiProperty({ description: 'Processed webhook deliveries whose raw body lost the person\'s messages and profile' }) webhookDeliveries: number;
  @ApiProperty({ description: 'Webhook items set aside with an error, cleared' }) webhookItems: number;
  @ApiProperty({ description: 'Account events (user preferences, calls) that lost the person\'s profile' }) accountEvents: number;
}

export class ErasureView {
  @ApiProperty({ example: '1042' }) contactId: string;
  @ApiProperty({ type: String, format: 'date-time' }) erasedAt: string;
  @ApiProperty({ type: ErasureCountsView, description: 'What this call changed (zeros when an earlier erasure left nothing)' }) counts: ErasureCountsView;
}

export function subjectContactView(row: SubjectContactRow): SubjectContactView {
  return { ...contactView(row), mergedInto: row.mergedInto, deletedAt: iso(row.deletedAt), erasedAt: iso(row.erasedAt) };
}

/** Dates as ISO 8601 strings, everything else as the query gave it. */
function withIsoDates<T>(row: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v])) as T;
}

export function contactExportView(e: SubjectExport): ContactExportView {
  const capped = <T>(list: { data: Record<string, unknown>[]; truncated: boolean }) => ({ data: list.data.map((r) => withIsoDates<T>(r)), truncated: list.truncated });
  return {
    exportedAt: new Date().toISOString(),
    contact: subjectContactView(e.contact),
    mergedContacts: e.mergedContacts.map(subjectContactView),
    identityHistory: e.identityHistory.map(identityEventView),
    windows: e.windows.map(windowView),
    consentEvents: capped<ExportedConsentEventView>(e.consentEvents),
    inboundMessages: capped<ExportedInboundMessageView>(e.inboundMessages),
    campaigns: capped<ExportedCampaignMessageView>(e.campaigns),
    messageStatuses: capped<ExportedMessageStatusView>(e.messageStatuses),
  };
}

export function erasureView(e: Erasure): ErasureView {
  return { contactId: e.contactId, erasedAt: e.erasedAt.toISOString(), counts: e.counts };
}
