import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import busboy from 'busboy';
import type { EntityManager, QueryRunner } from 'typeorm';
import type { ApiPrincipal } from '../auth/api-keys.service';
import { DomainError } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { isHeaderProblem, mapHeader } from './csv-header';
import { ImportEncoding, parseEncoding, parseImportOptions } from './import-options';
import { ImportRow, ImportsRepository } from './imports.repository';
import { ImportsService } from './imports.service';
import { UploadDatabase } from './upload-database';
import { InspectedFile, UploadInspector } from './upload-inspector';

/** The stored file is cut into pieces of at most this size. */
export const CHUNK_BYTES = 1024 * 1024;
/**
 * Bytes that have waited this long are written even if they make less than a piece: a slow upload
 * then writes at least this often, and its transaction is never idle for long.
 */
const FLUSH_AFTER_MS = 5000;
/** What an upload beyond IMPORT_UPLOAD_CONCURRENCY is told to wait before trying again. */
const BUSY_RETRY_AFTER_S = 5;

/** The upload's idle limit: runs while we wait for the client's bytes. */
interface IdleClock {
  start(): void;
  stop(): void;
}

/**
 * An upload as the HTTP layer hands it over: the body as it arrives and the two headers that
 * matter. Node's IncomingMessage is such a stream; it emits `aborted` when the client goes away.
 */
export interface IncomingUpload {
  body: Readable;
  /** Content-Type: multipart/form-data with its boundary. */
  contentType: string | undefined;
  /** Content-Length, when the client declared one. */
  contentLength: string | undefined;
  /**
   * Called when the upload is refused while its body may still be coming (too busy, stopping, or a
   * failure once reading began): the connection should close after the answer instead of draining
   * the body; `retryAfterSeconds` says when to try again, when there is such a time.
   */
  refused(retryAfterSeconds?: number): void;
}

interface ReceivedUpload {
  fields: Array<[string, string]>;
  file: InspectedFile;
  fileName: string | null;
}

/**
 * Receives CSV uploads (API process). An upload is bounded three ways, so that uploads that stall
 * can never hold up anything else:
 * - at most IMPORT_UPLOAD_CONCURRENCY at once per process; one more answers 503
 *   IMPORT_UPLOADS_BUSY at once (with Retry-After);
 * - each runs on the uploads' own pool (UploadDatabase), and takes its connection only when the
 *   first piece of the file is ready to be written (a request that never sends its file never holds
 *   one);
 * - an upload that receives nothing for IMPORT_UPLOAD_IDLE_TIMEOUT_MS ends with 408
 *   IMPORT_UPLOAD_TIMEOUT; its transaction is rolled back and the connection closed.
 * When the process stops, uploads in progress end with 503 SERVICE_UNAVAILABLE, rolled back.
 */
@Injectable()
export class ImportUploadsService implements BeforeApplicationShutdown {
  private readonly active = new Map<AbortController, Promise<unknown>>();
  private stopping = false;

  constructor(
    private readonly uploads: UploadDatabase,
    private readonly imports: ImportsRepository,
    private readonly service: ImportsService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Streams a multipart upload into PostgreSQL (never the whole file in memory), checking it as it
   * passes, and queues the import. The file and the import row are written in one transaction:
   * a refused, abandoned or interrupted upload leaves nothing behind.
   */
  async upload(upload: IncomingUpload, apiKey: ApiPrincipal): Promise<ImportRow> {
    if (!/^multipart\/form-data/i.test(upload.contentType ?? '')) {
      throw new DomainError('IMPORT_NOT_MULTIPART', 'Upload the CSV as multipart/form-data with the file in the field "file"');
    }
    const declared = Number(upload.contentLength);
    if (Number.isFinite(declared) && declared > this.config.imports.maxBytes + 64 * 1024) throw this.tooLarge();
    if (this.stopping) {
      discard(upload);
      throw new DomainError('SERVICE_UNAVAILABLE', 'The server is restarting; upload the file again');
    }
    if (this.active.size >= this.config.imports.uploadConcurrency) {
      discard(upload, BUSY_RETRY_AFTER_S);
      throw new DomainError('IMPORT_UPLOADS_BUSY', `Already receiving ${this.active.size} uploads; try again in a few seconds`, {
        concurrency: this.config.imports.uploadConcurrency,
      });
    }
    const abort = new AbortController();
    const done = this.receiveAndStore(upload, apiKey, abort);
    this.active.set(abort, done.catch(() => undefined));
    try {
      const row = await done;
      await this.service.enqueue(row.id);
      return row;
    } finally {
      this.active.delete(abort);
    }
  }

  /** Ends the uploads in progress (503, rolled back) and refuses new ones; resolves when they are gone. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    const stopping = new DomainError('SERVICE_UNAVAILABLE', 'The server is restarting; upload the file again');
    for (const abort of this.active.keys()) abort.abort(stopping);
    await Promise.all(this.active.values());
  }

  private async receiveAndStore(upload: IncomingUpload, apiKey: ApiPrincipal, abort: AbortController): Promise<ImportRow> {
    const id = randomUUID();
    const idleMs = this.config.imports.uploadIdleTimeoutMs;
    const tx = new LazyTransaction(this.uploads, idleMs);
    // The clock runs only while we wait for the client: not while a piece is being written (the
    // request is paused then), nor once the body is in.
    let idle: NodeJS.Timeout | undefined;
    const waiting: IdleClock = {
      start: () => {
        clearTimeout(idle);
        idle = setTimeout(
          () => abort.abort(new DomainError('IMPORT_UPLOAD_TIMEOUT', `Nothing was received for ${idleMs} ms; upload the file again`, { idleTimeoutMs: idleMs })),
          idleMs,
        );
      },
      stop: () => clearTimeout(idle),
    };
    waiting.start();
    upload.body.on('data', waiting.start);
    try {
      const received = await this.receive(upload, id, tx, abort.signal, waiting);
      upload.body.off('data', waiting.start);
      waiting.stop();
      const options = parseImportOptions(received.fields);
      if (options.encoding !== undefined && options.encoding !== received.file.encoding) {
        // busboy hands fields over in the order sent: this one came after the file was read.
        throw new DomainError('VALIDATION_FAILED', 'Send the field encoding before the file, so the file is read in it', [
          { field: 'encoding', problems: ['must come before the file in the form'] },
        ]);
      }
      const mapping = mapHeader(received.file.header, options.phoneColumn, options.columns);
      if (isHeaderProblem(mapping)) throw new DomainError(mapping.code, mapping.message, { columns: mapping.columns });
      const phoneColumn = received.file.header[mapping.phone];
      // The worker maps the header again from this: the upload's columns, and its phoneColumn.
      let columnMap: Record<string, string> | null = options.columns ?? null;
      if (options.phoneColumn !== undefined && !Object.values(columnMap ?? {}).includes('phone')) {
        columnMap = { ...(columnMap ?? {}), [phoneColumn]: 'phone' };
      }
      abort.signal.throwIfAborted();
      const row = await this.imports.insert(
        {
          id,
          fileName: received.fileName,
          fileBytes: received.file.bytes,
          fileSha256: received.file.sha256,
          delimiter: received.file.delimiter,
          header: received.file.header,
          phoneColumn,
          defaultCountry: options.defaultCountry ?? null,
          tags: options.tags,
          optInScope: options.optInScope,
          apiKeyId: apiKey.id,
          encoding: received.file.encoding,
          timeZone: options.timeZone ?? null,
          dateFormat: options.dateFormat ?? null,
          columnMap,
        },
        await tx.manager(),
      );
      abort.signal.throwIfAborted();
      await tx.commit();
      return row;
    } catch (error) {
      await tx.rollback();
      discard(upload);
      throw abort.signal.aborted ? abort.signal.reason : error;
    } finally {
      waiting.stop();
      upload.body.off('data', waiting.start);
      await tx.release();
    }
  }

  private receive(upload: IncomingUpload, importId: string, tx: LazyTransaction, signal: AbortSignal, waiting: IdleClock): Promise<ReceivedUpload> {
    return new Promise<ReceivedUpload>((resolve, reject) => {
      const fields: Array<[string, string]> = [];
      let stored: Promise<{ file: InspectedFile; fileName: string | null }> | undefined;
      let failed = false;
      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        reject(error);
      };
      if (signal.aborted) return fail(signal.reason);
      signal.addEventListener('abort', () => fail(signal.reason), { once: true });

      let parser: busboy.Busboy;
      try {
        parser = busboy({
          headers: { 'content-type': upload.contentType },
          limits: { files: 1, fileSize: this.config.imports.maxBytes, fields: 20, fieldSize: 64 * 1024, parts: 30 },
        });
      } catch (error) {
        fail(new DomainError('IMPORT_NOT_MULTIPART', `Not a readable multipart body: ${(error as Error).message}`));
        return;
      }
      parser.on('field', (name, value) => fields.push([name, value]));
      parser.on('file', (name, stream, info) => {
        if (name !== 'file' || stored) {
          stream.resume();
          fail(new DomainError('VALIDATION_FAILED', `Send exactly one file, in the field "file" (got "${name}")`));
          return;
        }
        // The encoding named before the file is the one it is read in (checked again with the other fields).
        const named = fields.filter(([field]) => field === 'encoding').map(([, value]) => parseEncoding(value));
        const encoding = named.length === 1 ? (named[0] ?? undefined) : undefined;
        stored = this.store(stream, importId, tx, signal, waiting, encoding).then((file) => ({ file, fileName: info.filename ?? null }));
        stored.catch(fail);
      });
      parser.on('filesLimit', () => fail(new DomainError('VALIDATION_FAILED', 'Send exactly one file, in the field "file"')));
      parser.on('error', (error: Error) => fail(new DomainError('BAD_REQUEST', `Malformed multipart body: ${error.message}`)));
      parser.on('close', () => {
        if (!stored) {
          fail(new DomainError('IMPORT_FILE_MISSING', 'No file: send the CSV in the multipart field "file"'));
          return;
        }
        stored.then((s) => failed || resolve({ fields, ...s }), fail);
      });
      upload.body.on('aborted', () => fail(new DomainError('BAD_REQUEST', 'The upload was interrupted')));
      upload.body.pipe(parser);
    });
  }

  /**
   * Stores the file stream as pieces of up to 1 MiB (smaller when the bytes come slowly, see
   * FLUSH_AFTER_MS), inspecting every byte on the way. Stops at the first piece after `signal`.
   */
  private async store(
    stream: Readable & { truncated?: boolean },
    importId: string,
    tx: LazyTransaction,
    signal: AbortSignal,
    waiting: IdleClock,
    encoding: ImportEncoding | undefined,
  ): Promise<InspectedFile> {
    const inspector = new UploadInspector(this.config.imports.maxLineBytes, encoding);
    let tooLarge = false;
    stream.on('limit', () => {
      tooLarge = true;
    });
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let seq = 0;
    let lastWrite = Date.now();
    const flush = async () => {
      if (pendingBytes === 0) return;
      signal.throwIfAborted();
      const piece = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      waiting.stop();
      try {
        await this.imports.insertChunk(importId, seq++, piece, await tx.manager());
      } finally {
        waiting.start();
      }
      lastWrite = Date.now();
    };
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (tooLarge || signal.aborted) break;
      inspector.inspect(chunk);
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= CHUNK_BYTES || Date.now() - lastWrite >= FLUSH_AFTER_MS) await flush();
    }
    signal.throwIfAborted();
    if (tooLarge || stream.truncated) throw this.tooLarge();
    await flush();
    return inspector.finish();
  }

  private tooLarge(): DomainError {
    const mib = Math.round(this.config.imports.maxBytes / 1024 / 1024);
    return new DomainError('IMPORT_FILE_TOO_LARGE', `The file is larger than the ${mib} MiB limit (IMPORT_MAX_BYTES)`, {
      maxBytes: this.config.imports.maxBytes,
    });
  }
}

/**
 * An upload's transaction, begun on the uploads' pool only when the first write needs it. Its
 * session may stay idle between pieces for as long as the upload's own idle limit allows (plus a
 * margin), instead of the general DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS.
 */
class LazyTransaction {
  private runner: QueryRunner | undefined;
  private begun: Promise<EntityManager> | undefined;

  constructor(
    private readonly uploads: UploadDatabase,
    private readonly idleMs: number,
  ) {}

  manager(): Promise<EntityManager> {
    this.begun ??= (async () => {
      this.runner = this.uploads.source.createQueryRunner();
      await this.runner.startTransaction();
      await this.runner.query(`SELECT set_config('idle_in_transaction_session_timeout', $1, true)`, [String(this.idleMs + 10_000)]);
      return this.runner.manager;
    })();
    return this.begun;
  }

  async commit(): Promise<void> {
    if (this.runner?.isTransactionActive) await this.runner.commitTransaction();
  }

  async rollback(): Promise<void> {
    await this.begun?.catch(() => undefined);
    if (this.runner?.isTransactionActive) await this.runner.rollbackTransaction().catch(() => undefined);
  }

  async release(): Promise<void> {
    await this.begun?.catch(() => undefined);
    if (this.runner && !this.runner.isReleased) await this.runner.release().catch(() => undefined);
  }
}

/** Stops reading an upload we have answered; its connection closes after the answer. */
function discard(upload: IncomingUpload, retryAfterSeconds?: number): void {
  upload.body.unpipe();
  upload.refused(retryAfterSeconds);
  upload.body.resume();
}
