import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CONSENT_KINDS, CONSENT_SCOPES, CONSENT_SOURCES, ConsentState } from '../consent';
import type { ConsentEventRow } from '../consent.repository';
import type { IdentityEventRow } from '../contact-identities.repository';
import type { ContactRow } from '../contacts.repository';
import { consentOf } from '../contacts.repository';

export class ScopeConsentView {
  @ApiProperty({ enum: ['opted_in', 'opted_out'], nullable: true }) status: 'opted_in' | 'opted_out' | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Effective time of the deciding event (null: an undated opt-in, or no event)' })
  since: string | null;
}

export class ConsentStateView {
  @ApiProperty() marketing: ScopeConsentView;
  @ApiProperty() utility: ScopeConsentView;
}

export class ContactView {
  @ApiProperty({ example: '1042' }) id: string;
  @ApiProperty({ type: String, example: '+6281234567890', nullable: true, description: 'E.164; null for a user known only by bsuid' })
  phone: string | null;
  @ApiProperty({ type: String, example: '6281234567890', nullable: true, description: 'The WhatsApp id Meta resolved the number to' })
  waId: string | null;
  @ApiProperty({ type: String, example: 'ID.1349120865530274', nullable: true }) bsuid: string | null;
  @ApiProperty({ type: String, example: 'ID', nullable: true }) country: string | null;
  @ApiProperty({ type: String, example: 'Ana Wijaya', nullable: true }) name: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { city: 'Jakarta', plan: 'gold' } }) attributes: Record<string, unknown>;
  @ApiProperty({ type: [String], example: ['vip'] }) tags: string[];
  @ApiProperty() consent: ConsentStateView;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Last message from the contact: the 24-hour service window runs from here',
  })
  lastInboundAt: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: string;
}

export class ContactCountView {
  @ApiProperty({ type: 'integer', example: 1250, description: 'Live contacts matching the filters' }) count: number;
}

export class ContactPageView {
  @ApiProperty({ type: [ContactView] }) data: ContactView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class ConsentEventView {
  @ApiProperty({ example: '7' }) id: string;
  @ApiProperty({ example: '1042' }) contactId: string;
  @ApiProperty({ enum: CONSENT_KINDS }) kind: string;
  @ApiProperty({ enum: CONSENT_SCOPES }) scope: string;
  @ApiProperty({ enum: CONSENT_SOURCES }) source: string;
  @ApiProperty({ type: String, nullable: true, example: 'Yes, I want offers from Toko Ana on WhatsApp' }) wording: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'https://toko.example/signup#v3' }) evidenceRef: string | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true, description: 'What carried it (the message of a stop keyword)' })
  evidence: Record<string, unknown> | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'null: an opt-in whose time is unknown' })
  occurredAt: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) recordedAt: string;
  @ApiProperty({ type: String, nullable: true, description: 'The API key that recorded it' }) apiKeyId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The CSV import that recorded it' }) importId: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'Its line in that CSV' }) importLine: number | null;
}

export class ConsentRecordedView {
  @ApiProperty() event: ConsentEventView;
  @ApiProperty() consent: ConsentStateView;
}

export class ConsentLedgerView {
  @ApiProperty() consent: ConsentStateView;
  @ApiProperty({ type: [ConsentEventView] }) data: ConsentEventView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function consentView(state: ConsentState): ConsentStateView {
  return {
    marketing: { status: state.marketing.status, since: iso(state.marketing.since) },
    utility: { status: state.utility.status, since: iso(state.utility.since) },
  };
}

export function contactView(row: ContactRow): ContactView {
  return {
    id: row.id,
    phone: row.phone,
    waId: row.waId,
    bsuid: row.bsuid,
    country: row.country,
    name: row.name,
    attributes: row.attributes,
    tags: row.tags,
    consent: consentView(consentOf(row)),
    lastInboundAt: iso(row.lastInboundAt),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function consentEventView(row: ConsentEventRow): ConsentEventView {
  return { ...row, occurredAt: iso(row.occurredAt), recordedAt: row.recordedAt.toISOString() };
}

export class IdentityEventView {
  @ApiProperty({ example: '3' }) id: string;
  @ApiProperty({ enum: ['phone_changed', 'bsuid_changed', 'merged'], description: 'phone_changed: a user_changed_number notice; bsuid_changed: user_id_update or user_changed_user_id; merged: another contact turned out to be this person (fromValue is its id)' })
  kind: string;
  @ApiProperty({ type: String, nullable: true, example: '+16505551234' }) fromValue: string | null;
  @ApiProperty({ type: String, nullable: true, example: '+12195555358' }) toValue: string | null;
  @ApiProperty({ type: String, format: 'date-time', description: 'When WhatsApp says it happened' }) occurredAt: string;
  @ApiProperty({ type: String, format: 'date-time' }) recordedAt: string;
  @ApiProperty({ description: 'false: kept in the history only, because a newer change (by WhatsApp’s time) had set the current value (a webhook delivered late)' })
  applied: boolean;
}

export class CustomerServiceWindowView {
  @ApiProperty({ example: '106540352242922', description: 'The business phone number the user wrote to' }) phoneNumberId: string;
  @ApiProperty({ type: String, format: 'date-time', description: 'The latest message (or call) from the user to that number' }) lastInboundAt: string;
  @ApiProperty({ type: String, format: 'date-time', description: 'lastInboundAt + 24 hours: free-form messages may be sent until then' }) openUntil: string;
}

export class ContactIdentityView {
  @ApiProperty({ example: '1042' }) contactId: string;
  @ApiProperty({ type: String, nullable: true, example: '+12195555358' }) phone: string | null;
  @ApiProperty({ type: String, nullable: true, example: '12195555358', description: 'WhatsApp user id; may differ from the phone (Mexico 521, Brazil without the ninth digit, Argentina 549)' })
  waId: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'ID.1349120865530274', description: 'Business-scoped user id' }) bsuid: string | null;
  @ApiProperty({ type: [IdentityEventView], description: 'Oldest first (by WhatsApp’s time): earlier numbers and BSUIDs, and merged contacts' }) history: IdentityEventView[];
  @ApiProperty({ type: [CustomerServiceWindowView] }) windows: CustomerServiceWindowView[];
}

/** Customer service window length: 24 hours (WhatsApp Cloud API, "Customer service windows"). */
const WINDOW_MS = 24 * 60 * 60 * 1000;

export function contactIdentityView(result: { contact: ContactRow; history: IdentityEventRow[]; windows: Array<{ phoneNumberId: string; lastInboundAt: Date }> }): ContactIdentityView {
  return {
    contactId: result.contact.id,
    phone: result.contact.phone,
    waId: result.contact.waId,
    bsuid: result.contact.bsuid,
    history: result.history.map(identityEventView),
    windows: result.windows.map(windowView),
  };
}

export function identityEventView(h: IdentityEventRow): IdentityEventView {
  return { id: h.id, kind: h.kind, fromValue: h.fromValue, toValue: h.toValue, occurredAt: h.occurredAt.toISOString(), recordedAt: h.recordedAt.toISOString(), applied: h.applied };
}

export function windowView(w: { phoneNumberId: string; lastInboundAt: Date }): CustomerServiceWindowView {
  return { phoneNumberId: w.phoneNumberId, lastInboundAt: w.lastInboundAt.toISOString(), openUntil: new Date(w.lastInboundAt.getTime() + WINDOW_MS).toISOString() };
}
