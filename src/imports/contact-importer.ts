import { once } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Injectable, Logger } from '@nestjs/common';
import { CsvError, parse } from 'csv-parse';
import type { CountryCode } from 'libphonenumber-js/max';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { isHeaderProblem, mapHeader } from './csv-header';
import { COPY_STAGING, CREATE_STAGING, mergeImport } from './import-merge';
import { RecordBatcher, RowContext } from './import-rows';
import { ImportRow, ImportsRepository, ImportTotals } from './imports.repository';
import { RowPool } from './row-pool';

const BATCH_RECORDS = 2000;
const PROGRESS_EVERY_MS = 1000;
/** Clock skew allowed for opt_in_at. */
const FUTURE_SKEW_MS = 5 * 60_000;
/** A record may span lines (quoted newlines), but not this much: beyond it a quote was never closed. */
const MAX_RECORD_CHARS = 1024 * 1024;

/** A problem with the file itself: the import fails with this code and is not retried. */
export class ImportFileError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly line: number | null,
  ) {
    super(message);
  }
}

interface LoadTotals {
  rowsRead: number;
  accepted: number;
  rejected: number;
}

/**
 * Runs one import: the stored file is parsed on this thread, normalised in worker threads, COPYed
 * into a temporary staging table and merged, in one transaction. Either everything is merged and
 * the import completes, or nothing is and it fails with a reason.
 */
@Injectable()
export class ContactImporter {
  private readonly logger = new Logger(ContactImporter.name);

  constructor(
    private readonly db: DataSource,
    private readonly imports: ImportsRepository,
    private readonly config: AppConfig,
  ) {}

  /** Returns false when the import was not ours to run (already finished, or unknown). */
  async run(importId: string, lastAttempt: boolean): Promise<boolean> {
    const job = await this.imports.claim(importId);
    if (!job) {
      this.logger.log({ importId }, 'Import already finished or unknown; nothing to do');
      return false;
    }
    const started = Date.now();
    try {
      const totals = await this.execute(job);
      this.logger.log({ importId, ...totals, ms: Date.now() - started }, 'Import completed');
      return true;
    } catch (error) {
      if (error instanceof ImportFileError) {
        await this.imports.fail(importId, error.code, error.message, error.line);
        this.logger.warn({ importId, code: error.code, line: error.line }, 'Import failed: bad file');
        return true;
      }
      this.logger.error({ importId, err: error, lastAttempt }, 'Import attempt failed');
      if (lastAttempt) {
        await this.imports.fail(importId, 'IMPORT_INTERNAL_ERROR', 'The import could not be completed; the worker log has the cause', null);
      }
      throw error;
    }
  }

  private async execute(job: ImportRow): Promise<ImportTotals> {
    const mapping = mapHeader(job.header, job.phoneColumn);
    if (isHeaderProblem(mapping)) throw new ImportFileError(mapping.code, mapping.message, 1);
    const ctx: RowContext = {
      mapping,
      defaultCountry: (job.defaultCountry ?? undefined) as CountryCode | undefined,
      tags: job.tags,
      latestAcceptedTime: Date.now() + FUTURE_SKEW_MS,
    };

    const runner = this.db.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    const pool = RowPool.start(this.config.imports.threads, ctx);
    try {
      await client.query('BEGIN');
      // Big sorts and hash joins in memory; no JIT (it compiles for half a second and saves less).
      await client.query(`SET LOCAL work_mem = '256MB'`);
      await client.query('SET LOCAL jit = off');
      await client.query(CREATE_STAGING);
      const loadStarted = Date.now();
      const load = await this.load(job, client, pool);
      const loadMs = Date.now() - loadStarted;
      const merged = await mergeImport(client, { importId: job.id, scope: job.optInScope, apiKeyId: job.apiKeyId });
      const totals: ImportTotals = {
        rowsRead: load.rowsRead,
        inserted: merged.inserted,
        updated: merged.updated,
        unchanged: merged.unchanged,
        rejected: load.rejected,
        duplicates: load.accepted - merged.distinct,
        consentEvents: merged.consentEvents,
      };
      await this.imports.complete(job.id, totals, runner.manager);
      const commitStarted = Date.now();
      await client.query('COMMIT');
      this.logger.log({ importId: job.id, loadMs, mergeMs: merged.timings, commitMs: Date.now() - commitStarted }, 'Import timings');
      return totals;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await pool.close();
      await runner.release();
    }
  }

  /**
   * Parses the stored file into the staging table; returns what it read. Records are packed into
   * batches on this thread, normalised in the pool and written to COPY as they come back (COPY
   * order does not matter: every row carries its line). At most `limit` batches are in flight; the
   * parser is paused beyond that, so memory stays flat whatever the file's size.
   */
  private async load(job: ImportRow, client: PoolClient, pool: RowPool): Promise<LoadTotals> {
    const copy = client.query(copyFrom(COPY_STAGING));
    const copied = finished(copy);
    copied.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled

    const totals: LoadTotals = { rowsRead: 0, accepted: 0, rejected: 0 };
    const batcher = new RecordBatcher(BATCH_RECORDS);
    const limit = Math.max(2, pool.size * 2);
    const source = this.storedFile(job.id);
    // No skip_empty_lines: every physical line then ends up in some record, so counting records
    // plus the newlines inside their fields gives exact line numbers (the parser's own per-record
    // info objects cost more than a tenth of the parse).
    const parser = parse({
      delimiter: job.delimiter,
      bom: true,
      relax_quotes: true,
      relax_column_count: true,
      max_record_size: MAX_RECORD_CHARS,
    });

    let line = 0; // the last line of the last record
    let headerSeen = false;
    let inFlight = 0;
    let writes = Promise.resolve();
    let settle!: { resolve: () => void; reject: (error: unknown) => void };
    const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    let parsed = false;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      source.destroy();
      parser.destroy();
      settle.reject(error);
    };
    const maybeDone = () => {
      if (parsed && inFlight === 0 && !failed) writes.then(() => settle.resolve(), fail);
    };
    const dispatch = (batch: string) => {
      inFlight++;
      if (inFlight >= limit) parser.pause();
      // A batch stays in flight until COPY has taken it, so results cannot pile up in memory
      // when PostgreSQL is the slower side.
      pool.process(batch).then((result) => {
        totals.accepted += result.accepted;
        totals.rejected += result.rejected;
        writes = writes.then(() => writeTo(copy, result.copy));
        writes.then(() => {
          inFlight--;
          if (inFlight < limit && parser.isPaused() && !failed) parser.resume();
          maybeDone();
        }, fail);
      }, fail);
    };

    parser.on('data', (record: string[]) => {
      // Rows are reported by the line they start on, as an editor shows them.
      const start = line + 1;
      line = start;
      for (const field of record) if (field.includes('\n')) line += countNewlines(field);
      if (isEmpty(record)) return; // blank or all-empty lines
      if (!headerSeen) {
        headerSeen = true; // the upload checked the header already
        return;
      }
      totals.rowsRead++;
      const batch = batcher.add(record, start);
      if (batch) dispatch(batch);
    });
    parser.on('end', () => {
      const rest = batcher.flush();
      if (rest) dispatch(rest);
      parsed = true;
      maybeDone();
    });
    parser.on('error', (error) => {
      fail(
        error instanceof CsvError
          ? new ImportFileError('IMPORT_CSV_MALFORMED', `The file is not valid CSV near line ${line + 1}: ${error.message}`, line + 1)
          : error,
      );
    });
    source.on('error', fail);
    copy.on('error', fail);

    const progress = setInterval(() => {
      this.imports.setProgress(job.id, totals.rowsRead).catch(() => undefined);
    }, PROGRESS_EVERY_MS);
    try {
      source.pipe(parser);
      await done;
      copy.end();
      await copied;
    } catch (error) {
      copy.destroy();
      throw error;
    } finally {
      clearInterval(progress);
    }
    return totals;
  }

  /** The uploaded file, read back piece by piece. */
  private storedFile(importId: string): Readable {
    const imports = this.imports;
    return Readable.from(
      (async function* () {
        for (let seq = 0; ; seq++) {
          const piece = await imports.chunk(importId, seq);
          if (!piece) return;
          yield piece;
        }
      })(),
      { objectMode: false, highWaterMark: 2 * 1024 * 1024 },
    );
  }
}

async function writeTo(stream: Writable, bytes: Uint8Array): Promise<void> {
  if (!stream.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) await once(stream, 'drain');
}

function isEmpty(record: string[]): boolean {
  for (const field of record) if (field !== '') return false;
  return true;
}

function countNewlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}
