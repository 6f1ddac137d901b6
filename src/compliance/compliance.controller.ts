import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../common/api-errors.decorator';
import { csvDownload } from '../common/csv-download';
import { ComplianceService } from './compliance.service';
import { ComplianceReportQuery, ComplianceReportView } from './dto/compliance-report.dto';

const INVARIANTS_DOC =
  'Invariants, each a number that must be 0: business_initiated_without_opt_in, sent_after_opt_out, business_country_not_qualified, recipient_country_restricted. ' +
  'A message is a campaign recipient WhatsApp accepted, or whose answer was lost (it may have been sent), in the period by its send time. ' +
  'Each invariant is one SQL query over the ledger, answered with the report (`query`; $1 = from, $2 = to, $3 = policyRules as jsonb) so that anyone can run it themselves (src/compliance/invariants.ts documents them).';

@ApiTags('compliance')
@ApiBearerAuth()
@Controller('v1/compliance')
export class ComplianceController {
  constructor(private readonly compliance: ComplianceService) {}

  @Get('report')
  @ApiOperation({
    summary: 'Compliance over a period: messages by sender and category, the invariants (each must be 0, with the offending messages), opt-out suppression times',
    description: INVARIANTS_DOC,
  })
  @ApiOkResponse({ type: ComplianceReportView })
  @ApiErrors('COMPLIANCE_PERIOD_INVALID')
  report(@Query() query: ComplianceReportQuery): Promise<ComplianceReportView> {
    return this.compliance.report(query, query.rows);
  }

  @Get('report.csv')
  @ApiOperation({
    summary: 'The invariants of the period as CSV: per invariant a line with its count, then each offending message',
    description: `${INVARIANTS_DOC} CSV (RFC 4180, CRLF); cells a spreadsheet would run as a formula get a leading ' (OWASP).`,
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV', schema: { type: 'string' } })
  @ApiErrors('COMPLIANCE_PERIOD_INVALID')
  async csv(@Query() query: ComplianceReportQuery, @Res() res: Response): Promise<void> {
    const lines: string[] = [];
    // Built before the first byte is sent, so an error still answers as JSON with its code.
    await this.compliance.writeCsv(query, (line) => lines.push(line));
    const out = csvDownload(res, `compliance-${query.from.toISOString().slice(0, 10)}-${query.to.toISOString().slice(0, 10)}.csv`);
    out.end(lines.join(''));
  }
}
