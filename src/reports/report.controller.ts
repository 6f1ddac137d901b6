import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { ApiErrors } from '../common/api-errors.decorator';
import { csvDownload } from '../common/csv-download';
import { CsvLineEnds } from './crlf';
import { CampaignReportView } from './dto/campaign-report.view';
import { ReportService } from './report.service';

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('v1/campaigns')
export class ReportController {
  constructor(private readonly reports: ReportService) {}

  @Get(':id/report')
  @ApiOperation({
    summary: 'The campaign report: the campaign and its audience, the template as sent, the sender and its business country, the policy version, counts by decision and reason, outcomes, pricing categories, the timeline, opt-outs since',
  })
  @ApiOkResponse({ type: CampaignReportView })
  @ApiErrors('CAMPAIGN_NOT_FOUND')
  report(@Param('id') id: string): Promise<CampaignReportView> {
    return this.reports.report(id);
  }

  @Get(':id/report.csv')
  @ApiOperation({
    summary: 'One row per recipient: decision, reason, consent evidence, policy version, what was sent, outcome, delivery, error, pricing category',
    description:
      'Streamed from PostgreSQL (COPY), in contact order, from one consistent snapshot. Columns: contact_id, phone, decision, reason, consent_event_id, consent_source, consent_occurred_at, consent_wording, consent_evidence_ref, policy_version, sends, category, template_name, template_language, parameters_or_text (the template parameter values as a JSON array, or the session message text), send_state, skip_reason, attempts, attempted_at, sent_at, wamid, wa_id, delivery_state, delivery_at, error_code, error_title, pricing_category. Times in UTC as PostgreSQL writes them (ISO 8601 with a space: 2026-11-30 19:20:19.737345+00). ' +
      "CSV (RFC 4180, CRLF). A cell that a spreadsheet would run as a formula (starting with =, +, -, @, tab or CR, after any quotes) is written with one more ' in front (OWASP): phones in international format among them.",
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV', schema: { type: 'string' } })
  @ApiErrors('CAMPAIGN_NOT_FOUND')
  async csv(@Param('id') id: string, @Res() res: Response): Promise<void> {
    await this.reports.copyCsv(
      id,
      // A client that goes away ends the pipeline with an error: the copy stops and its connection is closed.
      (copy) => pipeline(copy, new CsvLineEnds(), res),
      (campaignId) => csvDownload(res, `campaign-${campaignId}.csv`),
    );
  }
}
