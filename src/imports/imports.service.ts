import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import busboy from 'busboy';
import type { Queue } from 'bull';
import type { Request } from 'express';
import { DataSource, EntityManager } from 'typeorm';
import type { ApiPrincipal } from '../auth/api-keys.service';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../common/domain-error';
import { decodeCursor, encodeCursor, Page } from '../common/pagination';
import { ImportContactsJob, JOBS, QUEUES } from '../common/queues';
import { isHeaderProblem, mapHeader } from './csv-header';
import { parseImportOptions } from './import-options';
import { REJECTION_MESSAGES, RowRejection } from './import-rows';
import { ImportRow, ImportsRepository, ListedImportRow } from './imports.repository';
import { InspectedFile, UploadInspector } from './upload-inspector';

/** The stored file is cut into pieces of this size. */
export const CHUNK_BYTES = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

export const IMPORT_JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
} as const;

interface ReceivedUpload {
  fields: Array<[string, string]>;
  file: InspectedFile;
  fileName: string | null;
}

@Injectable()
export class ImportsService {
  private readonly logger = new Logger(ImportsService.name);

  constructor(
    private readonly db: DataSource,
    private readonly imports: ImportsRepository,
    private readonly config: AppConfig,
    @InjectQueue(QUEUES.imports) private readonly queue: Queue<ImportContactsJob>,
  ) {}

  /**
   * Streams a multipart upload into PostgreSQL (never the whole file in memory), checking it as it
   * passes, and queues the import. The file and the import row are written in one transaction:
   * a refused upload leaves nothing behind.
   */
  async upload(req: Request, apiKey: ApiPrincipal): Promise<ImportRow> {
    if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '')) {
      throw new DomainError('IMPORT_NOT_MULTIPART', 'Upload the CSV as multipart/form-data with the file in the field "file"');
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.config.imports.maxBytes + 64 * 1024) throw this.tooLarge();

    const id = randomUUID();
    const runner = this.db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    let row: ImportRow;
    try {
      const upload = await this.receive(req, id, runner.manager);
      const options = parseImportOptions(upload.fields);
      const mapping = mapHeader(upload.file.header, options.phoneColumn);
      if (isHeaderProblem(mapping)) throw new DomainError(mapping.code, mapping.message, { columns: mapping.columns });
      row = await this.imports.insert(
        {
          id,
          fileName: upload.fileName,
          fileBytes: upload.file.bytes,
          fileSha256: upload.file.sha256,
          delimiter: upload.file.delimiter,
          header: upload.file.header,
          phoneColumn: upload.file.header[mapping.phone],
          defaultCountry: options.defaultCountry ?? null,
          tags: options.tags,
          optInScope: options.optInScope,
          apiKeyId: apiKey.id,
        },
        runner.manager,
      );
      await runner.commitTransaction();
    } catch (error) {
      await runner.rollbackTransaction();
      discard(req);
      throw error;
    } finally {
      await runner.release();
    }
    await this.enqueue(id);
    return row;
  }

  /** Queues an import; if Redis is down the import stays queued and the worker's sweep finds it. */
  async enqueue(importId: string): Promise<void> {
    try {
      await this.queue.add(JOBS.importContacts, { importId }, { ...IMPORT_JOB_OPTIONS, jobId: importId });
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

  /** An import whose rejected rows can be reported: it must have completed. */
  async completed(id: string): Promise<ImportRow> {
    const row = await this.get(id);
    if (row.status !== 'completed') {
      throw new DomainError('IMPORT_NOT_COMPLETED', `Import ${id} is ${row.status}; rejected rows are known once it completes`);
    }
    return row;
  }

  /**
   * Writes the rejected rows as CSV: line, reason, message, then the row's own fields under the
   * file's own header, so the file can be fixed and uploaded again. Read in pages, written with
   * back-pressure.
   */
  async writeRejected(row: ImportRow, out: Writable): Promise<void> {
    await write(out, csvLine(['line', 'reason', 'message', ...row.header]));
    let after = 0;
    for (;;) {
      const page = await this.imports.rejections(row.id, after, 5000);
      if (page.length === 0) break;
      const text = page
        .map((r) => csvLine([String(r.line), r.reason, REJECTION_MESSAGES[r.reason as RowRejection] ?? r.reason, ...r.fields]))
        .join('');
      await write(out, text);
      after = page[page.length - 1].line;
    }
    out.end();
  }

  private receive(req: Request, importId: string, db: EntityManager): Promise<ReceivedUpload> {
    return new Promise<ReceivedUpload>((resolve, reject) => {
      const fields: Array<[string, string]> = [];
      let stored: Promise<{ file: InspectedFile; fileName: string | null }> | undefined;
      let failed = false;
      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        reject(error);
      };

      let parser: busboy.Busboy;
      try {
        parser = busboy({
          headers: req.headers,
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
        stored = this.store(stream, importId, db).then((file) => ({ file, fileName: info.filename ?? null }));
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
      req.on('aborted', () => fail(new DomainError('BAD_REQUEST', 'The upload was interrupted')));
      req.pipe(parser);
    });
  }

  /** Stores the file stream as 1 MiB pieces, inspecting every byte on the way. */
  private async store(stream: Readable & { truncated?: boolean }, importId: string, db: EntityManager): Promise<InspectedFile> {
    const inspector = new UploadInspector(this.config.imports.maxLineBytes);
    let tooLarge = false;
    stream.on('limit', () => {
      tooLarge = true;
    });
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let seq = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const piece = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await this.imports.insertChunk(importId, seq++, piece, db);
    };
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (tooLarge) break;
      inspector.inspect(chunk);
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= CHUNK_BYTES) await flush();
    }
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

/** Stops reading a request we have answered, and closes the connection after the answer. */
function discard(req: Request): void {
  req.unpipe();
  req.res?.setHeader('Connection', 'close');
  req.resume();
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** One RFC 4180 line. */
export function csvLine(values: string[]): string {
  return values.map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',') + '\r\n';
}
