import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { CONCRETE_SCOPES } from '../../contacts/consent';
import { DEFERRAL_REASONS, EXCLUSION_REASONS } from '../../eligibility/eligibility-rules';
import { CAMPAIGN_STATUSES } from '../campaign-status';
import type { CampaignRow, DecisionCount, ProgressLine, RecipientRow } from '../campaigns.repository';
import type { DecisionCounts, DryRun } from '../eligibility.port';
import { inSendWindow } from '../send-window';
import { AudienceDto, SendWindowDto } from './create-campaign.dto';

const REASON_COUNTS = (reasons: readonly string[], example: Record<string, number>) => ({
  type: 'object' as const,
  additionalProperties: { type: 'integer' },
  example,
  description: `Recipients by reason: ${reasons.join(', ')} (a reason with none is left out)`,
});

/** Recipients by decision, and by reason within excluded and deferred. */
export class RecipientCountsView {
  @ApiProperty({ type: 'integer', example: 1200 }) total: number;
  @ApiProperty({ type: 'integer', example: 1100 }) eligible: number;
  @ApiProperty(REASON_COUNTS(EXCLUSION_REASONS, { no_opt_in: 60, opted_out: 25 })) excluded: Record<string, number>;
  @ApiProperty(REASON_COUNTS(DEFERRAL_REASONS, { messaging_limit: 15 })) deferred: Record<string, number>;
}

export const SEND_STATES = ['pending', 'sending', 'accepted', 'failed', 'unknown', 'cancelled'] as const;
export const DELIVERY_STATES = ['sent', 'delivered', 'read', 'failed'] as const;
/** The window the current rate is measured over, in seconds. */
export const RATE_WINDOW_SECONDS = 10;

/** A started campaign's sending, live: counted from campaign_recipients at each request. */
export class ProgressView {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { pending: 900, sending: 40, accepted: 150, failed: 3, unknown: 0, cancelled: 2 },
    description: `Eligible and deferred recipients by send state: ${SEND_STATES.join(', ')} (every state, 0 included)`,
  })
  sendStates: Record<string, number>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { sent: 20, delivered: 100, read: 25, failed: 5 },
    description:
      "Accepted messages by their latest status webhook, each counted once at its furthest state (a read message is in read, not in delivered; failed is final); messages with no status yet are not counted",
  })
  deliveryStates: Record<string, number>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { '131026': 4, '131049': 1 },
    description: "Failed, unknown and delivery-failed recipients by WhatsApp error code ('none': no code, e.g. a render problem or a lost answer)",
  })
  errors: Record<string, number>;
  @ApiProperty({ type: 'number', example: 78.4, description: `Messages accepted per second over the last ${RATE_WINDOW_SECONDS} s` }) ratePerSecond: number;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 12,
    description: 'Seconds until the pending and sending recipients are sent at the current rate; null when it is not sending (not running, outside its send window, nothing sent in the last 10 s)',
  })
  etaSeconds: number | null;
  @ApiProperty({ description: 'Whether its send window (if any) is open now: a running campaign outside it waits' }) sendWindowOpen: boolean;
}

export class CampaignView {
  @ApiProperty({ type: String, format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Promo Ramadan 2026' }) name: string;
  @ApiProperty({ example: '106540352242922' }) phoneNumberId: string;
  @ApiProperty({ enum: ['template', 'session'] }) kind: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) templateId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) binding: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The session message definition' }) session: Record<string, unknown> | null;
  @ApiProperty({ enum: CONCRETE_SCOPES, nullable: true, description: "A session message's consent scope" }) sessionScope: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) fallbackTemplateId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) fallbackBinding: Record<string, unknown> | null;
  @ApiProperty({ type: AudienceDto }) audience: AudienceDto;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) scheduledAt: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) maxMps: number | null;
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) status: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'missed_schedule',
    description:
      'Why it is paused or failed: missed_schedule (found later than CAMPAIGN_MAX_LATENESS after its time), the code of what blocked it when it was due (TEMPLATE_NOT_APPROVED, MARKETING_NOT_AVAILABLE, PHONE_NUMBER_NOT_REGISTERED), requested (paused through the API); null otherwise',
  })
  statusReason: string | null;
  @ApiPropertyOptional({
    type: RecipientCountsView,
    nullable: true,
    description: 'The frozen audience (campaign_recipients) counted; null until the campaign has started. In GET of one campaign and the launch answer only',
  })
  recipients?: RecipientCountsView | null;
  @ApiPropertyOptional({ type: ProgressView, nullable: true, description: 'The sending, live; null until the campaign has started. In GET of one campaign only' })
  progress?: ProgressView | null;
  @ApiProperty({ type: SendWindowDto, nullable: true, description: 'Local hours it may send in; null: any hour' })
  sendWindow: SendWindowDto | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'The eligibility policy version the recipients were decided under' }) policyVersionId: number | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the launch was accepted' }) launchedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When its audience was frozen and it began running' }) startedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) finishedAt: string | null;
}

export class CampaignPageView {
  @ApiProperty({ type: [CampaignView] }) data: CampaignView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class BlockerView {
  @ApiProperty({ enum: ['PHONE_NUMBER_NOT_REGISTERED', 'TEMPLATE_NOT_APPROVED', 'MARKETING_NOT_AVAILABLE', 'BUSINESS_COUNTRY_RESTRICTED'] }) code: string;
  @ApiProperty() message: string;
}

export class RecipientSampleView {
  @ApiProperty({ example: '1042' }) contactId: string;
  @ApiProperty({ example: '+6281234567890' }) phone: string;
}

/** GET /v1/campaigns/:id/eligibility */
export class DryRunView extends RecipientCountsView {
  @ApiProperty({ type: [BlockerView], description: 'What would refuse the launch now; [] when nothing would' }) blockers: BlockerView[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', items: { $ref: getSchemaPath(RecipientSampleView) } },
    description: 'Up to 5 recipients for each reason',
  })
  samples: Record<string, RecipientSampleView[]>;
  @ApiProperty({ type: 'number', nullable: true, example: 14, description: "Seconds to send to the eligible recipients at the campaign's rate (maxMps, else the number's throughput); null when the number is not registered" }) estimatedSeconds: number | null;
  @ApiProperty({ example: '2025-04-01.1+3', description: 'The eligibility policy version the decisions were made under (GET /v1/eligibility/policy)' }) policyVersion: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * `recipients` and `progress`: left out (listings), null (not started) or the counts; `progress`
 * is null when left out with recipients null, and counted from them when left out with them.
 */
export function campaignView(row: CampaignRow, recipients?: RecipientCountsView | null, progress?: ProgressView | null): CampaignView {
  if (recipients !== undefined && progress === undefined) {
    progress = recipients === null ? null : { ...startingProgress(recipients), sendWindowOpen: inSendWindow(row.sendWindow, new Date()) };
  }
  return {
    id: row.id,
    name: row.name,
    phoneNumberId: row.phoneNumberId,
    kind: row.kind,
    templateId: row.templateId,
    binding: row.binding as Record<string, unknown> | null,
    session: row.session as Record<string, unknown> | null,
    sessionScope: row.sessionScope,
    fallbackTemplateId: row.fallbackTemplateId,
    fallbackBinding: row.fallbackBinding as Record<string, unknown> | null,
    audience: row.audience,
    scheduledAt: iso(row.scheduledAt),
    maxMps: row.maxMps,
    status: row.status,
    statusReason: row.statusReason,
    ...(recipients !== undefined ? { recipients } : {}),
    ...(progress !== undefined ? { progress } : {}),
    sendWindow: row.sendWindow,
    policyVersionId: row.policyVersionId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    launchedAt: iso(row.launchedAt),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
  };
}

/** The grouped rows of campaign_recipients as counts. */
export function recipientCounts(lines: readonly DecisionCount[]): RecipientCountsView {
  const counts: RecipientCountsView = { total: 0, eligible: 0, excluded: {}, deferred: {} };
  for (const { decision, reason, count } of lines) {
    counts.total += count;
    if (decision === 'eligible') counts.eligible += count;
    // campaign_recipients' CHECK: every decision but eligible has its reason.
    else counts[decision][reason!] = (counts[decision][reason!] ?? 0) + count;
  }
  return counts;
}

/** The progress lines as the view counts them, with the rate over RATE_WINDOW_SECONDS and the ETA at it. */
export function progressView(lines: readonly ProgressLine[]): ProgressView {
  const sendStates: Record<string, number> = Object.fromEntries(SEND_STATES.map((s) => [s, 0]));
  const deliveryStates: Record<string, number> = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0]));
  const errors: Record<string, number> = {};
  let recent = 0;
  for (const line of lines) {
    sendStates[line.sendState] = (sendStates[line.sendState] ?? 0) + line.count;
    if (line.deliveryState) deliveryStates[line.deliveryState] += line.count;
    recent += line.recent;
    const failing = line.sendState === 'failed' || line.sendState === 'unknown' || line.deliveryState === 'failed';
    if (failing) errors[line.errorCode === null ? 'none' : String(line.errorCode)] = (errors[line.errorCode === null ? 'none' : String(line.errorCode)] ?? 0) + line.count;
  }
  const ratePerSecond = Math.round((recent / RATE_WINDOW_SECONDS) * 10) / 10;
  const left = sendStates.pending + sendStates.sending;
  return { sendStates, deliveryStates, errors, ratePerSecond, etaSeconds: ratePerSecond > 0 ? Math.ceil(left / ratePerSecond) : left === 0 ? 0 : null, sendWindowOpen: true };
}

/** The progress of a campaign whose audience was just frozen: every eligible and deferred recipient pending. */
export function startingProgress(counts: RecipientCountsView): ProgressView {
  const deferred = Object.values(counts.deferred).reduce((a, b) => a + b, 0);
  return progressView([{ sendState: 'pending', deliveryState: null, errorCode: null, count: counts.eligible + deferred, recent: 0 }]);
}

/** What a snapshot counted, as the view counts it. */
export function snapshotCounts(counts: DecisionCounts): RecipientCountsView {
  return { total: counts.total, eligible: counts.eligible, excluded: { ...counts.excluded }, deferred: { ...counts.deferred } };
}

export function dryRunView(result: DryRun): DryRunView {
  return {
    total: result.total,
    eligible: result.eligible,
    excluded: { ...result.excluded },
    deferred: { ...result.deferred },
    blockers: result.blockers,
    samples: result.samples as Record<string, RecipientSampleView[]>,
    estimatedSeconds: result.estimatedSeconds,
    policyVersion: result.policyVersion,
  };
}

/** One recipient of a started campaign: its decision, its sending and its delivery. */
export class CampaignRecipientView {
  @ApiProperty({ example: '1042' }) contactId: string;
  @ApiProperty({ type: String, nullable: true, example: '+6281234567890' }) phone: string | null;
  @ApiProperty({ enum: ['eligible', 'excluded', 'deferred'] }) decision: string;
  @ApiProperty({ type: String, nullable: true, description: 'Why excluded or deferred (the dry run\'s reasons)' }) reason: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['template', 'session', 'fallback'] }) sends: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION', 'SERVICE'] }) category: string | null;
  @ApiProperty({ type: String, nullable: true, enum: SEND_STATES, description: 'null for excluded recipients' }) sendState: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why a recipient was cancelled without a send: opted_out, no_opt_in, window_closed (re-checked when claimed), contact_erased, contact_merged, campaign_cancelled',
  })
  skipReason: string | null;
  @ApiProperty({ type: 'integer' }) attempts: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) attemptedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When WhatsApp accepted it' }) sentAt: string | null;
  @ApiProperty({ type: String, nullable: true }) wamid: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The wa_id WhatsApp answered for the number' }) waId: string | null;
  @ApiProperty({ type: Boolean, nullable: true, description: 'Sent outside an open customer service window (counts toward the messaging limit)' }) outsideWindow: boolean | null;
  @ApiProperty({ type: String, nullable: true, enum: DELIVERY_STATES }) deliveryState: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) deliveryAt: string | null;
  @ApiProperty({ type: 'integer', nullable: true, example: 131026 }) errorCode: number | null;
  @ApiProperty({ type: String, nullable: true }) errorTitle: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'marketing', description: "The status webhooks' pricing category" }) pricingCategory: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The opt-in that allowed it (GET /v1/contacts/:id/consent)' }) consentEventId: string | null;
  @ApiProperty({ type: 'integer' }) policyVersionId: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'A pending recipient waits until then (a retry\'s backoff, a pair-rate delay)' }) notBefore: string | null;
}

export class CampaignRecipientPageView {
  @ApiProperty({ type: [CampaignRecipientView] }) data: CampaignRecipientView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export function recipientView(row: RecipientRow): CampaignRecipientView {
  return { ...row, attemptedAt: iso(row.attemptedAt), sentAt: iso(row.sentAt), deliveryAt: iso(row.deliveryAt), notBefore: iso(row.notBefore) };
}

/** POST /v1/campaigns/:id/retry */
export class RetryView {
  @ApiProperty({ type: 'integer', description: 'Recipients put back in the queue' }) requeued: number;
  @ApiProperty({ type: CampaignView }) campaign: CampaignView;
}
