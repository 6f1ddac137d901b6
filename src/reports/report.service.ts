import { Injectable } from '@nestjs/common';
import { CampaignsService } from '../campaigns/campaigns.service';
import { phoneNumberView } from '../phone-numbers/phone-number.view';
import { PhoneNumbersService } from '../phone-numbers/phone-numbers.service';
import type { CampaignReportView } from './dto/campaign-report.view';
import { ReportRepository } from './report.repository';

/** The latest opt-outs listed in the JSON report (all are counted). */
const OPT_OUTS_LISTED = 100;

/**
 * The campaign report (issue 13, section 1): what a compliance officer needs to answer who
 * received what, on which legal basis, who was excluded and why, and whether every opt-out held.
 * JSON (`report`) for the summary; report.csv (`copyCsv`) for every recipient.
 */
@Injectable()
export class ReportService {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly phoneNumbers: PhoneNumbersService,
    private readonly reports: ReportRepository,
  ) {}

  /** 404 CAMPAIGN_NOT_FOUND. */
  async report(id: string): Promise<CampaignReportView> {
    const campaign = await this.campaigns.get(id);
    const startedAt = campaign.startedAt ? new Date(campaign.startedAt) : null;
    const since = startedAt ?? (campaign.launchedAt ? new Date(campaign.launchedAt) : null);
    const templateIds = [campaign.templateId, campaign.fallbackTemplateId].filter((x): x is string => x !== null);
    const [templates, sender, policy, errors, pricing, timeline, optOuts] = await Promise.all([
      this.reports.templates(templateIds, startedAt),
      this.phoneNumbers.find(campaign.phoneNumberId),
      campaign.policyVersionId === null ? undefined : this.reports.policyVersion(campaign.policyVersionId),
      this.reports.errors(id),
      this.reports.pricing(id),
      this.reports.timeline(id),
      since === null ? undefined : this.reports.optOuts(id, since, OPT_OUTS_LISTED),
    ]);
    return {
      generatedAt: new Date().toISOString(),
      campaign,
      templates: templates.map((t) => ({ ...t, role: t.id === campaign.templateId ? 'main' : 'fallback' })),
      sender: sender ? phoneNumberView(sender) : null,
      policy: policy ? { version: `${policy.baseVersion}+${policy.id}`, versionId: policy.id, baseVersion: policy.baseVersion, overrides: policy.overrides } : null,
      errors,
      pricing,
      timeline: timeline.map((e) => ({ ...e, at: e.at.toISOString() })),
      optOuts:
        since && optOuts
          ? {
              since: since.toISOString(),
              total: optOuts.total,
              bySource: optOuts.bySource,
              latest: optOuts.rows.map((o) => ({ ...o, occurredAt: o.occurredAt.toISOString(), recordedAt: o.recordedAt.toISOString() })),
            }
          : null,
    };
  }

  /** 404 CAMPAIGN_NOT_FOUND before anything is streamed; then `use` pipes the COPY stream. */
  async copyCsv(id: string, use: (copy: NodeJS.ReadableStream) => Promise<void>, onFound: (campaignId: string) => void): Promise<void> {
    const campaign = await this.campaigns.find(id);
    onFound(campaign.id);
    await this.reports.copyCsv(campaign.id, use);
  }
}
