import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CONSENT_KINDS, CONSENT_SCOPES, CONSENT_SOURCES, ConsentState } from '../consent';
import type { ConsentEventRow } from '../consent.repository';
import type { ContactRow } from '../contacts.repository';
import { consentOf } from '../contacts.repository';

export class ScopeConsentView {
  @ApiProperty({ enum: ['opted_in', 'opted_out'], nullable: true }) status: 'opted_in' | 'opted_out' | null;
  @ApiProperty({ nullable: true, description: 'Effective time of the deciding event (null: an undated opt-in)' })
  since: string | null;
}

export class ConsentStateView {
  @ApiProperty() marketing: ScopeConsentView;
  @ApiProperty() utility: ScopeConsentView;
}

export class ContactView {
  @ApiProperty({ example: '1042' }) id: string;
  @ApiProperty({ example: '+6281234567890', nullable: true }) phone: string | null;
  @ApiProperty({ nullable: true }) waId: string | null;
  @ApiProperty({ nullable: true }) bsuid: string | null;
  @ApiProperty({ example: 'ID', nullable: true }) country: string | null;
  @ApiProperty({ nullable: true }) name: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) attributes: Record<string, unknown>;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty() consent: ConsentStateView;
  @ApiProperty({ nullable: true, type: String, description: 'Last message from the contact: the 24-hour service window runs from here' })
  lastInboundAt: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class ContactPageView {
  @ApiProperty({ type: [ContactView] }) data: ContactView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class ConsentEventView {
  @ApiProperty() id: string;
  @ApiProperty() contactId: string;
  @ApiProperty({ enum: CONSENT_KINDS }) kind: string;
  @ApiProperty({ enum: CONSENT_SCOPES }) scope: string;
  @ApiProperty({ enum: CONSENT_SOURCES }) source: string;
  @ApiProperty({ nullable: true }) wording: string | null;
  @ApiProperty({ nullable: true }) evidenceRef: string | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true }) evidence: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, description: 'null: an opt-in whose time is unknown' }) occurredAt: string | null;
  @ApiProperty() recordedAt: string;
  @ApiProperty({ nullable: true }) apiKeyId: string | null;
  @ApiProperty({ nullable: true }) importId: string | null;
  @ApiProperty({ nullable: true }) importLine: number | null;
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
