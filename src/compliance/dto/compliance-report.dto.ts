import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsApiDate, toApiDate } from '../../common/validation';

/** The most offending messages listed per invariant in the JSON report (all are counted). */
export const DEFAULT_ROWS_PER_INVARIANT = 100;
export const MAX_ROWS_PER_INVARIANT = 1000;
/** The most offending messages the CSV lists per invariant (all are counted in its summary row). */
export const CSV_ROWS_PER_INVARIANT = 100_000;

export class ComplianceReportQuery {
  @ApiProperty({ example: '2026-11-01T00:00:00+07:00', description: 'Start of the period, inclusive: ISO 8601 with a zone (a time without one is ambiguous and refused)' })
  @Transform(toApiDate)
  @IsApiDate()
  from: Date;

  @ApiProperty({ example: '2026-12-01T00:00:00+07:00', description: 'End of the period, exclusive: ISO 8601 with a zone; after `from`' })
  @Transform(toApiDate)
  @IsApiDate()
  to: Date;

  @ApiPropertyOptional({ type: 'integer', default: DEFAULT_ROWS_PER_INVARIANT, minimum: 0, maximum: MAX_ROWS_PER_INVARIANT, description: 'JSON only: how many offending messages to list per invariant (all are counted)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_ROWS_PER_INVARIANT)
  rows?: number;
}

export class PeriodView {
  @ApiProperty({ example: '2026-10-31T17:00:00.000Z' }) from: string;
  @ApiProperty({ example: '2026-11-30T17:00:00.000Z' }) to: string;
}

export class MessagesBySenderView {
  @ApiProperty({ example: '106540352242922' }) phoneNumberId: string;
  @ApiProperty({ example: 'ID', description: "The sender's Business Manager country (as registered now)" }) businessCountry: string;
  @ApiProperty({ enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION', 'SERVICE'], description: 'SERVICE: session messages' }) category: string;
  @ApiProperty({ description: 'Messages sent: accepted by WhatsApp, or whose answer was lost (unknown)' }) messages: number;
  @ApiProperty({ description: 'Of which the answer was lost: they may have been sent' }) unknown: number;
  @ApiProperty({ description: 'Delivered (or read) per status webhooks' }) delivered: number;
  @ApiProperty() read: number;
  @ApiProperty({ description: 'Failed per status webhooks (after WhatsApp accepted them)' }) failed: number;
}

export class MessagesView {
  @ApiProperty() total: number;
  @ApiProperty({ type: [MessagesBySenderView] }) bySender: MessagesBySenderView[];
}

export class OffendingMessageView {
  @ApiProperty() campaignId: string;
  @ApiProperty() contactId: string;
  @ApiProperty({ type: String, nullable: true, description: "The person's number now (E.164)" }) phone: string | null;
  @ApiProperty() category: string;
  @ApiProperty() phoneNumberId: string;
  @ApiProperty({ description: "WhatsApp's answer, or when the intent was recorded for an unknown outcome" }) sentAt: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What makes it offend: the deciding consent event or country rule' }) detail: Record<string, unknown>;
}

export class InvariantView {
  @ApiProperty({ enum: ['business_initiated_without_opt_in', 'sent_after_opt_out', 'business_country_not_qualified', 'recipient_country_restricted'] }) id: string;
  @ApiProperty() description: string;
  @ApiProperty({ description: 'Must be 0' }) violations: number;
  @ApiProperty({ type: [OffendingMessageView], description: 'The first offending messages, oldest first (`rows` of them at most)' }) rows: OffendingMessageView[];
  @ApiProperty({ description: 'More offend than are listed' }) truncated: boolean;
  @ApiProperty({ description: 'The query itself: $1 = from, $2 = to (timestamptz); $3 = policyRules (as jsonb) when it takes the country rules' }) query: string;
  @ApiProperty() usesPolicyRules: boolean;
}

export class DistributionView {
  @ApiProperty({ type: Number, nullable: true }) p50: number | null;
  @ApiProperty({ type: Number, nullable: true }) p90: number | null;
  @ApiProperty({ type: Number, nullable: true }) p99: number | null;
  @ApiProperty({ type: Number, nullable: true }) max: number | null;
}

export class OptOutLatencyView {
  @ApiProperty({ enum: ['csv_import', 'api', 'keyword', 'button', 'whatsapp_signal'] }) source: string;
  @ApiProperty() optOuts: number;
  @ApiProperty({ description: 'Those whose arrival at Siaran is known' }) measured: number;
  @ApiProperty({ type: DistributionView, description: 'Seconds from arrival at Siaran (webhook stored, import uploaded, API call) to suppression (the opt-out recorded)' })
  fromReceived: DistributionView;
  @ApiProperty({ type: DistributionView, description: "Seconds from the person's act (its occurred time) to suppression" })
  fromOccurred: DistributionView;
}

export class OptOutsView {
  @ApiProperty() total: number;
  @ApiProperty({ type: [OptOutLatencyView] }) bySource: OptOutLatencyView[];
}

export class ComplianceReportView {
  @ApiProperty({ type: PeriodView }) period: PeriodView;
  @ApiProperty() generatedAt: string;
  @ApiProperty({ type: MessagesView }) messages: MessagesView;
  @ApiProperty({ type: [InvariantView] }) invariants: InvariantView[];
  @ApiProperty({ description: 'Sum of the invariants: 0 when every rule held' }) violations: number;
  @ApiProperty({ description: "Messages decided under another base version of the country rules than this code's: the country invariants could not judge them" })
  unverifiablePolicyMessages: number;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, description: 'The country rules the country invariants take as $3' })
  policyRules: object[];
  @ApiProperty({ type: OptOutsView, description: 'Opt-outs recorded in the period, and how fast each was suppressed' }) optOuts: OptOutsView;
}
