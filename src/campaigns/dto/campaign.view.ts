import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { CONCRETE_SCOPES } from '../../contacts/consent';
import { DEFERRAL_REASONS, EXCLUSION_REASONS } from '../../eligibility/eligibility-rules';
import { CAMPAIGN_STATUSES } from '../campaign-status';
import type { CampaignRow, DecisionCount } from '../campaigns.repository';
import type { DecisionCounts, DryRun } from '../eligibility.port';
import { AudienceDto } from './create-campaign.dto';

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

/** `recipients`: left out (listings), null (not started) or the counts. */
export function campaignView(row: CampaignRow, recipients?: RecipientCountsView | null): CampaignView {
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
