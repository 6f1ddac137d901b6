import { once } from 'node:events';
import { Readable, Transform, Writable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { finished } from 'node:stream/promises';
import { Injectable, Logger } from '@nestjs/common';
import { CsvError, parse } from 'csv-parse';
import type { CountryCode } from 'libphonenumber-js/max';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { backendPid, discardConnection } from '../database/connections';
import { DataSource } from 'typeorm';
import type { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { AppConfig } from '../config/app-config';
import { countryTimeZone } from './consent-dates';
import { isHeaderProblem, isSeparatorRecord, mapHeader } from './csv-header';
import type { ImportEncoding } from './import-options';
import { COPY_STAGING, CREATE_STAGING, mergeImport } from './import-merge';
import { RecordBatcher, RowContext } from './import-rows';
import { RepeatedPhones } from './repeated-phones';
import { ClaimedImport, ClaimLostError, ImportRow, ImportsRepository, ImportTotals } from './imports.repository';
import { RowPool } from './row-pool';

const BATCH_RECORDS = 2000;
/** Progress is recorded, and the lease renewed, this often (or a third of the lease, if shorter). */
const PROGRESS_EVERY_MS = 1000;
/** While a stopped run's statement is still running, its cancellation is repeated this often. */
const CANCEL_EVERY_MS = 250;
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

/** Why a run was interrupted from outside: the worker is stopping, or another worker took the import over. */
export class RunInterrupted extends Error {
  constructor(readonly reason: 'stopping' | 'lost') {
    super(reason === 'stopping' ? 'The worker is stopping' : 'The claim on the import was lost');
    this.name = 'RunInterrupted';
  }
}

/**
 * How a run ended: `completed`; `failed` for good (a bad file, or the last attempt); `skipped`
 * when the import was not ours to run (finished, unknown, or held by a live worker); `released`
 * when the worker stopped and gave the import back, rolled back, to run again from the start under
 * a new claim (the caller queues it: `claimToken` names the job); `lost` when another worker took it
 * over (nothing written). An attempt that failed otherwise throws, after releasing the import for
 * Bull's retry (or failing it, on the last attempt).
 */
export type ImportOutcome =
  | { kind: 'completed' | 'failed' | 'skipped' | 'lost' }
  | { kind: 'released'; claimToken: string };

interface LoadTotals {
  rowsRead: number;
  accepted: number;
  rejected: number;
  warnings: number;
  repeats: RepeatedPhones;
}


/**
 * Runs one import: the stored file is parsed on this thread, normalised in worker threads, COPYed
 * into a temporary staging table and merged, in one transaction. Either everything is merged and
 * the import completes, or nothing is and it fails with a reason (or goes back to the queue).
 *
 * The import is held under a lease with a fencing token (ImportsRepository.claim), renewed every
 * second with the progress; if a renewal finds the claim gone, the run stops and rolls back, and
 * `complete` itself is compare-and-set on the token, so a worker that lost its claim writes nothing.
 */
@Injectable()
export class ContactImporter {
  private readonly logger = new Logger(ContactImporter.name);
  private interrupt: ((reason: RunInterrupted) => void) | undefined;
  private stopping = false;

  constructor(
    private readonly db: DataSource,
    private readonly imports: ImportsRepository,
    private readonly config: AppConfig,
  ) {}

  /** Claims the import and runs it; see ImportOutcome. */
  async run(importId: string, lastAttempt: boolean): Promise<ImportOutcome> {
    const leaseMs = this.config.imports.leaseMs;
    const job = await this.imports.claim(importId, leaseMs);
    if (!job) {
      this.logger.log({ importId }, 'Import finished, unknown or held by another worker; nothing to do');
      return { kind: 'skipped' };
    }
    const token = job.claimToken;
    const started = Date.now();
    const abort = new AbortController();
    const progress: LoadTotals = { rowsRead: 0, accepted: 0, rejected: 0, warnings: 0, repeats: new RepeatedPhones() };
    const lease = new LeaseKeeper(this.imports, job.id, token, leaseMs, progress, () => abort.abort(new RunInterrupted('lost')));
    this.interrupt = (reason) => abort.abort(reason);
    if (this.stopping) this.interrupt(new RunInterrupted('stopping')); // stop() came while claiming
    try {
      const totals = await this.execute(job, progress, lease, abort.signal);
      this.logger.log({ importId, claimToken: token, ...totals, ms: Date.now() - started }, 'Import completed');
      return { kind: 'completed' };
    } catch (error) {
      return await this.settle(job, error, abort.signal, lastAttempt);
    } finally {
      this.interrupt = undefined;
      await lease.stop();
    }
  }

  /**
   * The worker is stopping: the import in hand stops at once (the statement in progress is
   * cancelled), is rolled back and given back to the queue by `run`.
   */
  stop(): void {
    this.stopping = true;
    this.interrupt?.(new RunInterrupted('stopping'));
  }

  private async settle(job: ClaimedImport, error: unknown, signal: AbortSignal, lastAttempt: boolean): Promise<ImportOutcome> {
    const importId = job.id;
    const token = job.claimToken;
    const interrupted = signal.aborted ? (signal.reason as RunInterrupted) : undefined;
    if (interrupted?.reason === 'lost' || error instanceof ClaimLostError) {
      this.logger.warn({ importId, claimToken: token }, 'Import taken over by another worker; rolled back, nothing written');
      return { kind: 'lost' };
    }
    if (interrupted?.reason === 'stopping') {
      const released = await this.imports.release(importId, token);
      this.logger.log({ importId, claimToken: token, released }, 'Worker stopping: import rolled back and given back to the queue');
      return released ? { kind: 'released', claimToken: token } : { kind: 'lost' };
    }
    if (error instanceof ImportFileError) {
      const failed = await this.imports.fail(importId, token, error.code, error.message, error.line);
      this.logger.warn({ importId, code: error.code, line: error.line }, 'Import failed: bad file');
      return { kind: failed ? 'failed' : 'lost' };
    }
    this.logger.error({ importId, err: error, lastAttempt }, 'Import attempt failed');
    if (lastAttempt) {
      await this.imports.fail(importId, token, 'IMPORT_INTERNAL_ERROR', 'The import could not be completed; the worker log has the cause', null);
    } else {
      // Rolled back: queued again for Bull's retry, which claims it anew.
      await this.imports.release(importId, token);
    }
    throw error;
  }

  private async execute(job: ClaimedImport, totals: LoadTotals, lease: LeaseKeeper, signal: AbortSignal): Promise<ImportTotals> {
    const mapping = headerMapping(job);
    if (isHeaderProblem(mapping)) throw new ImportFileError(mapping.code, mapping.message, 1);
    const ctx: RowContext = {
      mapping,
      defaultCountry: (job.defaultCountry ?? undefined) as CountryCode | undefined,
      tags: job.tags,
      latestAcceptedTime: Date.now() + FUTURE_SKEW_MS,
      timeZone: job.timeZone ?? countryTimeZone(job.defaultCountry),
      dateFormat: job.dateFormat ?? undefined,
    };

    const runner = this.db.createQueryRunner() as PostgresQueryRunner;
    const client = (await runner.connect()) as PoolClient;
    const pool = RowPool.start(this.config.imports.threads, ctx);
    // Interrupted (stopping, or the claim lost): the statement in progress is cancelled, again until
    // the run has let go of the connection, since a cancel that lands between two statements is lost.
    // The connection is then closed rather than pooled, so that no late cancel can hit its next user.
    let committing = false;
    let canceller: NodeJS.Timeout | undefined;
    const cancel = () => {
      if (!committing) this.db.query('SELECT pg_cancel_backend($1)', [backendPid(client)]).catch(() => undefined);
    };
    const onAbort = () => {
      cancel();
      canceller = setInterval(cancel, CANCEL_EVERY_MS);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await client.query('BEGIN');
      // The merge's statements legitimately run for seconds each on a large file; the session's
      // DATABASE_STATEMENT_TIMEOUT_MS is for requests. Interruptions come from the lease instead.
      await client.query('SET LOCAL statement_timeout = 0');
      // Big sorts and hash joins in memory; no JIT (it compiles for half a second and saves less).
      await client.query(`SET LOCAL work_mem = '256MB'`);
      await client.query('SET LOCAL jit = off');
      await client.query(CREATE_STAGING);
      const loadStarted = Date.now();
      await this.load(job, client, pool, totals, signal);
      const loadMs = Date.now() - loadStarted;
      const merged = await mergeImport(
        client,
        { importId: job.id, scope: job.optInScope, apiKeyId: job.apiKeyId, repeatedPhones: totals.repeats.list(), warnings: totals.warnings },
        signal,
      );
      const result: ImportTotals = {
        rowsRead: totals.rowsRead,
        inserted: merged.inserted,
        updated: merged.updated,
        unchanged: merged.unchanged,
        rejected: totals.rejected,
        duplicates: totals.accepted - merged.distinct,
        consentEvents: merged.consentEvents,
        warnings: totals.warnings,
      };
      // No renewal may run from here on: it would wait for the row lock `complete` takes, and then
      // find the import completed. `complete` checks the claim itself.
      await lease.stop();
      signal.throwIfAborted();
      await this.imports.complete(job.id, job.claimToken, result, runner.manager);
      signal.throwIfAborted();
      committing = true;
      const commitStarted = Date.now();
      await client.query('COMMIT');
      this.logger.log({ importId: job.id, loadMs, mergeMs: merged.timings, commitMs: Date.now() - commitStarted }, 'Import timings');
      return result;
    } catch (error) {
      clearInterval(canceller);
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
      clearInterval(canceller);
      await pool.close();
      if (signal.aborted) await discardConnection(runner, new Error('import interrupted; connection not reused'));
      else await runner.release();
    }
  }

  /**
   * Parses the stored file into the staging table; returns what it read. Records are packed into
   * batches on this thread, normalised in the pool and written to COPY as they come back (COPY
   * order does not matter: every row carries its line). At most `limit` batches are in flight; the
   * parser is paused beyond that, so memory stays flat whatever the file's size.
   */
  private async load(job: ImportRow, client: PoolClient, pool: RowPool, totals: LoadTotals, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const copy = client.query(copyFrom(COPY_STAGING));
    const copied = finished(copy);
    copied.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled

    const batcher = new RecordBatcher(BATCH_RECORDS);
    const limit = Math.max(2, pool.size * 2);
    const source = this.storedFile(job.id, job.encoding);
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
    let separatorChecked = false;
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
        totals.warnings += result.warnings;
        totals.repeats.add(result.phones);
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
        // Excel's `sep=;` line comes before the header (the upload read the delimiter from it).
        if (!separatorChecked) {
          separatorChecked = true;
          if (isSeparatorRecord(record, job.delimiter)) return;
        }
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
    const interrupted = () => fail(signal.reason);
    signal.addEventListener('abort', interrupted, { once: true });

    try {
      source.pipe(parser);
      await done;
      copy.end();
      await copied;
    } catch (error) {
      copy.destroy();
      throw error;
    } finally {
      signal.removeEventListener('abort', interrupted);
    }
  }

  /** The uploaded file, read back piece by piece, as UTF-8 (decoded as it streams when it is in another encoding). */
  private storedFile(importId: string, encoding: ImportEncoding): Readable {
    const imports = this.imports;
    const raw = Readable.from(
      (async function* () {
        for (let seq = 0; ; seq++) {
          const piece = await imports.chunk(importId, seq);
          if (!piece) return;
          yield piece;
        }
      })(),
      { objectMode: false, highWaterMark: 2 * 1024 * 1024 },
    );
    if (encoding === 'utf-8') return raw;
    const decoded = raw.pipe(decodingStream(encoding));
    raw.on('error', (error) => decoded.destroy(error));
    decoded.on('close', () => raw.destroy());
    return decoded;
  }
}

/**
 * Decodes a stream of bytes in `encoding` into UTF-8, piece by piece (a character split between
 * pieces is completed by the next). The upload checked the whole file already; a byte order mark
 * is dropped, as TextDecoder does.
 */
function decodingStream(encoding: ImportEncoding): Transform {
  const decoder = new TextDecoder(encoding, { fatal: true });
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        callback(null, Buffer.from(decoder.decode(chunk, { stream: true }), 'utf8'));
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback) {
      try {
        const rest = decoder.decode();
        callback(null, rest ? Buffer.from(rest, 'utf8') : undefined);
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

/**
 * The mapping as the upload made it: `columnMap` holds the upload's `columns` and its `phoneColumn`
 * (import-uploads.service.ts). An import saved before there was a column map named its phone
 * column in `phoneColumn` alone, found or given: that column is the phone.
 */
export function headerMapping(job: Pick<ImportRow, 'header' | 'phoneColumn' | 'columnMap'>): ReturnType<typeof mapHeader> {
  const mapping = mapHeader(job.header, undefined, job.columnMap ?? undefined);
  if (job.columnMap === null && !isHeaderProblem(mapping) && job.header[mapping.phone] !== job.phoneColumn) {
    return mapHeader(job.header, job.phoneColumn);
  }
  return mapping;
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

/**
 * Keeps a claim alive while its import runs: every second (or a third of the lease, if shorter)
 * it renews the lease and records `rowsRead`, in one small UPDATE; a timer, never a per-row cost.
 * A renewal that finds the claim gone calls `onLost`. A renewal that fails (the database busy) is
 * tried again at the next tick: the lease outlasts a few misses.
 */
class LeaseKeeper {
  private readonly timer: NodeJS.Timeout;
  private inFlight: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly imports: ImportsRepository,
    private readonly importId: string,
    private readonly claimToken: string,
    private readonly leaseMs: number,
    private readonly progress: { rowsRead: number },
    private readonly onLost: () => void,
  ) {
    this.timer = setInterval(() => this.renew(), Math.min(PROGRESS_EVERY_MS, Math.floor(leaseMs / 3)));
  }

  /** Stops renewing; resolves once no renewal is in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.inFlight;
  }

  private renew(): void {
    if (this.inFlight || this.stopped) return;
    this.inFlight = this.imports
      .renew(this.importId, this.claimToken, this.progress.rowsRead, this.leaseMs)
      .then(
        (held) => {
          if (!held && !this.stopped) this.onLost();
        },
        () => undefined,
      )
      .finally(() => {
        this.inFlight = undefined;
      });
  }
}
