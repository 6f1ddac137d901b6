import { ApiProperty } from '@nestjs/swagger';
import { CampaignView } from '../../campaigns/dto/campaign.view';
import { PhoneNumberView } from '../../phone-numbers/phone-number.view';

export class ReportTemplateView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'promo_akhir_tahun' }) name: string;
  @ApiProperty({ example: 'id' }) language: string;
  @ApiProperty({ enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION'] }) category: string;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) components: unknown[];
  @ApiProperty({ example: 'APPROVED', description: 'Its status now' }) status: string;
  @ApiProperty({ enum: ['main', 'fallback'], description: "The campaign's template, or a session campaign's fallback" }) role: string;
  @ApiProperty({ description: "Edited after the campaign started: the components above are today's; what each person got is in report.csv (template, parameters)" })
  editedSinceStart: boolean;
}

export class ReportOverrideView {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['business_country', 'recipient_country'] }) scope: string;
  @ApiProperty({ example: 'BR' }) country: string;
  @ApiProperty({ example: 'MARKETING' }) category: string;
  @ApiProperty() allow: boolean;
  @ApiProperty() reason: string;
}

export class ReportPolicyView {
  @ApiProperty({ example: '2025-04-01.1+3', description: 'Recorded with every decision of this campaign' }) version: string;
  @ApiProperty({ type: 'integer' }) versionId: number;
  @ApiProperty({ example: '2025-04-01.1', description: 'The base rules (src/eligibility/country-policy.data.ts, GET /v1/eligibility/policy)' }) baseVersion: string;
  @ApiProperty({ type: [ReportOverrideView], description: "The operators' overrides in force for it" }) overrides: ReportOverrideView[];
}

export class ReportErrorView {
  @ApiProperty({ type: 'integer', example: 131026 }) code: number;
  @ApiProperty({ type: String, nullable: true, example: 'Message undeliverable' }) title: string | null;
  @ApiProperty({ type: 'integer' }) count: number;
}

export class ReportPricingView {
  @ApiProperty({ type: String, nullable: true, example: 'marketing' }) category: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'regular', description: 'regular, free_customer_service, free_entry_point (Meta, since July 2025)' }) type: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'PMP' }) pricingModel: string | null;
  @ApiProperty({ type: Boolean, nullable: true }) billable: boolean | null;
  @ApiProperty({ type: 'integer' }) messages: number;
}

export class ReportTimelineView {
  @ApiProperty({ type: String, format: 'date-time' }) at: string;
  @ApiProperty({ example: 'paused' }) status: string;
  @ApiProperty({ type: String, nullable: true, example: 'running' }) previousStatus: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'failure_spike_131026' }) reason: string | null;
}

export class ReportOptOutView {
  @ApiProperty() eventId: string;
  @ApiProperty() contactId: string;
  @ApiProperty({ enum: ['marketing', 'utility', 'all'] }) scope: string;
  @ApiProperty({ enum: ['csv_import', 'api', 'keyword', 'button', 'whatsapp_signal'] }) source: string;
  @ApiProperty({ type: String, format: 'date-time' }) occurredAt: string;
  @ApiProperty({ type: String, format: 'date-time' }) recordedAt: string;
  @ApiProperty({ description: 'The campaign had reached this person (accepted by WhatsApp) before the opt-out was recorded' }) afterReceiving: boolean;
}

export class ReportOptOutCountView {
  @ApiProperty() source: string;
  @ApiProperty() scope: string;
  @ApiProperty({ type: 'integer' }) count: number;
}

export class ReportOptOutsView {
  @ApiProperty({ type: String, format: 'date-time', description: 'Counted from (the campaign started, or was launched)' }) since: string;
  @ApiProperty({ type: 'integer' }) total: number;
  @ApiProperty({ type: [ReportOptOutCountView] }) bySource: ReportOptOutCountView[];
  @ApiProperty({ type: [ReportOptOutView], description: 'The latest 100' }) latest: ReportOptOutView[];
}

/** GET /v1/campaigns/:id/report */
export class CampaignReportView {
  @ApiProperty({ type: String, format: 'date-time' }) generatedAt: string;
  @ApiProperty({ type: CampaignView, description: 'The campaign with its audience definition, its recipients counted by decision and reason, and its outcomes (progress: by send state, delivery state and error code)' })
  campaign: CampaignView;
  @ApiProperty({ type: [ReportTemplateView], description: 'The template(s) it sends' }) templates: ReportTemplateView[];
  @ApiProperty({ type: PhoneNumberView, nullable: true, description: 'The sender, with its business country' }) sender: PhoneNumberView | null;
  @ApiProperty({ type: ReportPolicyView, nullable: true, description: 'The eligibility policy its recipients were decided under; null before it started' }) policy: ReportPolicyView | null;
  @ApiProperty({ type: [ReportErrorView], description: 'Recipients by the WhatsApp error code they ended with, with its title' }) errors: ReportErrorView[];
  @ApiProperty({
    type: [ReportPricingView],
    description: "Messages by WhatsApp's pricing category (status webhooks' pricing object). WhatsApp's webhooks carry no prices: multiply by your rate card (per delivered template message, by category and recipient country)",
  })
  pricing: ReportPricingView[];
  @ApiProperty({ type: [ReportTimelineView], description: 'Every status change: created, scheduled, running, paused and why, resumed, completed, cancelled' }) timeline: ReportTimelineView[];
  @ApiProperty({ type: ReportOptOutsView, nullable: true, description: 'Opt-outs its recipients made since it started; null before it started' }) optOuts: ReportOptOutsView | null;
}
