import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { csvLine } from '../common/csv';
import { ComplianceRead, ComplianceRepository, InvariantResult, OffendingRow, Period } from './compliance.repository';
import { ComplianceReportView, CSV_ROWS_PER_INVARIANT, DEFAULT_ROWS_PER_INVARIANT, InvariantView, OffendingMessageView } from './dto/compliance-report.dto';
import { policyRulesParameter } from './invariants';

/** The columns of report.csv. */
const CSV_HEADER = ['invariant', 'violations', 'campaign_id', 'contact_id', 'phone', 'category', 'phone_number_id', 'sent_at', 'detail'];

/**
 * The compliance report over a period (issue 13, section 2): the messages sent, the invariants that
 * must each be 0 (invariants.ts, with their queries), and how fast opt-outs were suppressed.
 */
@Injectable()
export class ComplianceService {
  constructor(private readonly repository: ComplianceRepository) {}

  /** 400 COMPLIANCE_PERIOD_INVALID unless from < to. */
  async report(period: Period, rowsPerInvariant = DEFAULT_ROWS_PER_INVARIANT): Promise<ComplianceReportView> {
    checkPeriod(period);
    return this.repository.snapshot(async (read) => {
      const policyRules = policyRulesParameter(await read.overrides());
      const messages = await read.messages(period);
      const invariants = await read.invariants(period, policyRules, rowsPerInvariant);
      const optOuts = await read.optOutLatency(period);
      return {
        period: { from: period.from.toISOString(), to: period.to.toISOString() },
        generatedAt: new Date().toISOString(),
        messages: { total: messages.reduce((n, m) => n + m.messages, 0), bySender: messages },
        invariants: invariants.map(invariantView),
        violations: invariants.reduce((n, i) => n + i.violations, 0),
        unverifiablePolicyMessages: await read.unverifiablePolicy(period),
        policyRules,
        optOuts: { total: optOuts.reduce((n, o) => n + o.optOuts, 0), bySource: optOuts },
      };
    });
  }

  /**
   * The invariants as CSV (RFC 4180, CRLF, cells neutralised: src/common/csv.ts): per invariant a
   * summary line (its id and count, the other cells empty), then its offending messages, oldest
   * first, CSV_ROWS_PER_INVARIANT at most (the summary counts them all). `write` is called per line.
   */
  async writeCsv(period: Period, write: (line: string) => void): Promise<void> {
    checkPeriod(period);
    await this.repository.snapshot(async (read: ComplianceRead) => {
      const policyRules = policyRulesParameter(await read.overrides());
      write(csvLine(CSV_HEADER));
      for (const result of await read.invariants(period, policyRules, CSV_ROWS_PER_INVARIANT)) {
        write(csvLine([result.definition.id, String(result.violations), '', '', '', '', '', '', '']));
        for (const row of result.rows) {
          const m = offendingView(row);
          write(csvLine([result.definition.id, '', m.campaignId, m.contactId, m.phone ?? '', m.category, m.phoneNumberId, m.sentAt, JSON.stringify(m.detail)]));
        }
      }
    });
  }
}

function checkPeriod(period: Period): void {
  if (period.from.getTime() >= period.to.getTime()) {
    throw new DomainError('COMPLIANCE_PERIOD_INVALID', '`from` must be before `to` (the period is [from, to))');
  }
}

function invariantView(result: InvariantResult): InvariantView {
  return {
    id: result.definition.id,
    description: result.definition.description,
    violations: result.violations,
    rows: result.rows.map(offendingView),
    truncated: result.violations > result.rows.length,
    query: result.definition.sql.trim(),
    usesPolicyRules: result.definition.usesPolicyRules,
  };
}

function offendingView(row: OffendingRow): OffendingMessageView {
  return { ...row, sentAt: row.sentAt.toISOString() };
}
