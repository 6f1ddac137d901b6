import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { decodeTimeCursor, encodeCursor, Page } from '../common/pagination';
import { safeError } from '../common/log-redaction';
import { AuditEntry, AuditLogRepository, AuditRow } from './audit-log.repository';
import type { AuditLogQuery } from './audit-log.view';

const ROW_ID = /^[1-9][0-9]{0,18}$/;

@Injectable()
export class AuditLogService {
  private readonly logger = new Logger(AuditLogService.name);

  constructor(private readonly log: AuditLogRepository) {}

  /**
   * Keeps one write, after its answer was sent: never awaited by the request, and a failure is
   * logged (without the entry's values) and swallowed, so the audit log can neither fail a request
   * nor slow its answer. Resolves when the row is written or given up.
   */
  async record(entry: AuditEntry): Promise<void> {
    try {
      await this.log.insert(entry);
    } catch (error) {
      this.logger.warn({ err: safeError(error), action: entry.action }, 'Could not write the audit log entry');
    }
  }

  /** A page of entries, newest first. 400 VALIDATION_FAILED when `from` is not before `to`; 400 INVALID_CURSOR. */
  async list(query: AuditLogQuery): Promise<Page<AuditRow>> {
    if (query.from && query.to && query.from >= query.to) {
      throw new DomainError('VALIDATION_FAILED', 'from must be before to', [{ field: 'to', problems: ['to must be after from'] }]);
    }
    const limit = query.limit ?? 50;
    const afterKey = decodeTimeCursor(query.cursor, ROW_ID);
    const found = await this.log.list({ ...query, afterKey, limit });
    const data = found.slice(0, limit);
    return { data, nextCursor: found.length > limit ? encodeCursor(data[data.length - 1].cursorKey) : null };
  }
}
