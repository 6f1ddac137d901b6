import type { Writable } from 'node:stream';
import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { csvLine } from '../common/csv';
import { DomainError } from '../common/domain-error';
import { decodeCursor, encodeCursor, Page } from '../common/pagination';
import { ImportContactsJob, JOBS, QUEUES } from '../common/queues';
import { REPORT_COLUMNS } from './csv-header';
import { REJECTION_MESSAGES, RowRejection, RowWarning, WARNING_MESSAGES } from './import-rows';
import { ImportRow, ImportsRepository, ListedImportRow } from './imports.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

export const IMPORT_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
} as const;

/**
 * The rejection report is read in pages of at most this many bytes of rows (plus one row), so the
 * API holds about this much of it at a time whatever the rows' size (up to 64 KiB each).
 */
export const REJECTION_PAGE_BYTES = 1024 * 1024;
const REJECTION_PAGE_ROWS = { min: 16, start: 256, max: 5000 };

/** Imports: queueing, status, listing and the rejection report. Uploads are ImportUploadsService's. */
@Injectable()
export class ImportsService {
  private readonly logger = new Logger(ImportsService.name);

  constructor(
    private readonly imports: ImportsRepository,
    @InjectQueue(QUEUES.imports) private readonly queue: Queue<ImportContactsJob>,
  ) {}

  /**
   * Queues an import. Its job id is the import id for the first run, and `<import id>:<claim
   * token>` to run it again after the claim `claimToken` ended without finishing it (released by a
   * stopping worker, or found stranded by the sweeper): each run has one job, however often it is
   * asked for. A finished job left under that id (Bull keeps some) is replaced. If Redis is down,
   * the import stays queued and the worker's sweep finds it.
   */
  async enqueue(importId: string, claimToken: string | null = null): Promise<void> {
    const jobId = claimToken === null ? importId : `${importId}:${claimToken}`;
    try {
      const existing = await this.queue.getJob(jobId);
      if (existing) {
        const state = await existing.getState();
        if (state !== 'completed' && state !== 'failed') return; // waiting, delayed or active: it will run
        await existing.remove();
      }
      await this.queue.add(JOBS.importContacts, { importId }, { ...IMPORT_JOB_OPTIONS, jobId });
    } catch (error) {
      this.logger.warn(`Import ${importId} saved but not queued yet (${(error as Error).message}); the worker will pick it up`);
    }
  }

  async get(id: string): Promise<ImportRow> {
    const row = UUID.test(id) ? await this.imports.findById(id) : undefined;
    if (!row) throw new DomainError('IMPORT_NOT_FOUND', `No import ${id}`);
    return row;
  }

  async list(cursor: string | undefined, limit: number): Promise<Page<ListedImportRow>> {
    const after = decodeCursor(cursor);
    let before: { createdAt: string; id: string } | undefined;
    if (after) {
      const [createdAt, id] = after.split('|');
      if (!UUID.test(id ?? '') || !PG_TIMESTAMP.test(createdAt)) throw new DomainError('INVALID_CURSOR', 'Bad cursor');
      before = { createdAt, id };
    }
    const found = await this.imports.list(before, limit);
    const data = found.slice(0, limit);
    return { data, nextCursor: found.length > limit ? encodeCursor(data[data.length - 1].cursorKey) : null };
  }

  /** An import whose rejected rows or warnings can be reported: it must have completed. */
  async completed(id: string): Promise<ImportRow> {
    const row = await this.get(id);
    if (row.status !== 'completed') {
      throw new DomainError('IMPORT_NOT_COMPLETED', `Import ${id} is ${row.status}; rejected rows and warnings are known once it completes`);
    }
    return row;
  }

  /**
   * Writes the rejected rows as CSV (src/common/csv.ts: RFC 4180, formula cells neutralised with a
   * leading `'`): line, reason, message, then the row's own fields under the file's own header, so
   * the file can be fixed and uploaded again. Streamed: read in pages bounded in bytes
   * (REJECTION_PAGE_BYTES, see ImportsRepository.reportPage) and written with back-pressure, so
   * memory stays flat whatever the report's size; a client that goes away ends the reading.
   */
  writeRejected(row: ImportRow, out: Writable): Promise<void> {
    return this.writeReport(
      row,
      out,
      (after, maxRows) => this.imports.reportPage('rejections', row.id, after, maxRows, REJECTION_PAGE_BYTES),
      (reason) => REJECTION_MESSAGES[reason as RowRejection] ?? reason,
    );
  }

  /**
   * Writes the warnings (rows imported, but not entirely as written: a consent cell that could not
   * be read, several numbers in one phone cell) as rejected.csv is written: line, reason, message,
   * then the row as uploaded; a row with two warnings is listed twice, once per reason.
   */
  writeWarnings(row: ImportRow, out: Writable): Promise<void> {
    return this.writeReport(
      row,
      out,
      (after, maxRows) => this.imports.reportPage('warnings', row.id, after, maxRows, REJECTION_PAGE_BYTES),
      (reason) => WARNING_MESSAGES[reason as RowWarning] ?? reason,
    );
  }

  private async writeReport(
    row: ImportRow,
    out: Writable,
    page: (after: { line: number; reason: string }, maxRows: number) => Promise<Array<{ line: number; reason: string; fields: string[] }>>,
    message: (reason: string) => string,
  ): Promise<void> {
    if (!(await write(out, csvLine([...REPORT_COLUMNS, ...row.header])))) return;
    let after = { line: 0, reason: '' };
    let maxRows = REJECTION_PAGE_ROWS.start;
    for (;;) {
      const rows = await page(after, maxRows);
      if (rows.length === 0) break;
      let text = '';
      for (const r of rows) text += csvLine([String(r.line), r.reason, message(r.reason), ...r.fields]);
      if (!(await write(out, text))) return;
      const last = rows[rows.length - 1];
      after = { line: last.line, reason: last.reason };
      // Ask for twice what fitted last time: few round trips for short rows, little wasted reading
      // on the server for long ones.
      maxRows = Math.min(REJECTION_PAGE_ROWS.max, Math.max(REJECTION_PAGE_ROWS.min, rows.length * 2));
    }
    out.end();
  }

  /** Whether the import completed and recorded the contacts it merged (contact_import_members): an audience by import needs them. */
  async membersKnown(importId: string): Promise<boolean> {
    return this.imports.membersKnown(importId);
  }

}

/** Writes with back-pressure. Returns false when the reader went away (nothing more to write). */
async function write(out: Writable, text: string): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return false;
  if (out.write(text)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
  return !out.destroyed;
}
