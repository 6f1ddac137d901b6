import { Injectable } from '@nestjs/common';
import type { Pool, QueryConfig } from 'pg';
import { DataSource } from 'typeorm';
import { affected, Db, one, rows } from '../database/sql';
import type { ConsentScope } from '../contacts/consent';
import type { Delimiter } from './csv-header';

export type ImportStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface ImportRow {
  id: string;
  status: ImportStatus;
  fileName: string | null;
  fileBytes: number;
  fileSha256: string;
  delimiter: Delimiter;
  header: string[];
  phoneColumn: string;
  defaultCountry: string | null;
  tags: string[];
  optInScope: ConsentScope;
  rowsRead: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  duplicates: number;
  consentEvents: number;
  errorCode: string | null;
  errorMessage: string | null;
  errorLine: number | null;
  attempts: number;
  apiKeyId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export type NewImport = Pick<
  ImportRow,
  'id' | 'fileName' | 'fileBytes' | 'fileSha256' | 'delimiter' | 'header' | 'phoneColumn' | 'defaultCountry' | 'tags' | 'optInScope' | 'apiKeyId'
>;

export type ListedImportRow = ImportRow & { cursorKey: string };

export type ImportTotals = Pick<ImportRow, 'rowsRead' | 'inserted' | 'updated' | 'unchanged' | 'rejected' | 'duplicates' | 'consentEvents'>;

export interface RejectionRow {
  line: number;
  reason: string;
  fields: string[];
}

const COLUMNS = `
  id, status, file_name AS "fileName", file_bytes::float8 AS "fileBytes", file_sha256 AS "fileSha256", delimiter, header,
  phone_column AS "phoneColumn", default_country AS "defaultCountry", tags, opt_in_scope AS "optInScope",
  rows_read AS "rowsRead", inserted, updated, unchanged, rejected, duplicates, consent_events AS "consentEvents",
  error_code AS "errorCode", error_message AS "errorMessage", error_line AS "errorLine", attempts,
  api_key_id AS "apiKeyId", created_at AS "createdAt", started_at AS "startedAt", finished_at AS "finishedAt"`;

@Injectable()
export class ImportsRepository {
  constructor(private readonly db: DataSource) {}

  async insert(row: NewImport, db: Db): Promise<ImportRow> {
    const inserted = await one<ImportRow>(
      db,
      `INSERT INTO contact_imports (id, status, file_name, file_bytes, file_sha256, delimiter, header, phone_column,
                                    default_country, tags, opt_in_scope, api_key_id)
       VALUES ($1, 'queued', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       RETURNING ${COLUMNS}`,
      [
        row.id,
        row.fileName,
        row.fileBytes,
        row.fileSha256,
        row.delimiter,
        row.header,
        row.phoneColumn,
        row.defaultCountry,
        row.tags,
        row.optInScope,
        row.apiKeyId,
      ],
    );
    return inserted!;
  }

  async insertChunk(importId: string, seq: number, data: Buffer, db: Db): Promise<void> {
    await db.query(`INSERT INTO contact_import_chunks (import_id, seq, data) VALUES ($1, $2, $3)`, [importId, seq, data]);
  }

  /** One stored piece of the file, fetched in binary (bytea as text would double it, in hex). */
  async chunk(importId: string, seq: number): Promise<Buffer | undefined> {
    const pool = (this.db.driver as unknown as { master: Pool }).master;
    // `binary` asks for binary result columns; node-postgres supports it, its types omit it.
    const query: QueryConfig & { binary: boolean } = {
      text: `SELECT data FROM contact_import_chunks WHERE import_id = $1::uuid AND seq = $2::int4`,
      values: [importId, seq],
      binary: true,
    };
    const result = await pool.query<{ data: Buffer }>(query);
    return result.rows[0]?.data;
  }

  findById(id: string): Promise<ImportRow | undefined> {
    return one<ImportRow>(this.db, `SELECT ${COLUMNS} FROM contact_imports WHERE id = $1`, [id]);
  }

  /** Newest first. `cursorKey` keeps the full microsecond precision that a JS Date would lose. */
  list(before: { createdAt: string; id: string } | undefined, limit: number): Promise<ListedImportRow[]> {
    return rows<ListedImportRow>(
      this.db,
      `SELECT ${COLUMNS}, created_at::text || '|' || id AS "cursorKey" FROM contact_imports
        WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1::timestamptz, $2::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $3`,
      [before?.createdAt ?? null, before?.id ?? null, limit + 1],
    );
  }

  /**
   * Takes an import for processing (compare-and-set). `running` is accepted too: a worker that
   * died mid-import left it so, and its transaction was rolled back with its connection.
   */
  claim(id: string): Promise<ImportRow | undefined> {
    return one<ImportRow>(
      this.db,
      `UPDATE contact_imports
          SET status = 'running', attempts = attempts + 1, started_at = now(), updated_at = now(), rows_read = 0
        WHERE id = $1 AND status IN ('queued', 'running')
        RETURNING ${COLUMNS}`,
      [id],
    );
  }

  async setProgress(id: string, rowsRead: number): Promise<void> {
    await affected(this.db, `UPDATE contact_imports SET rows_read = $2, updated_at = now() WHERE id = $1 AND status = 'running'`, [
      id,
      rowsRead,
    ]);
  }

  /** Completes the import and drops the stored file, in the import's transaction. */
  async complete(id: string, totals: ImportTotals, db: Db): Promise<void> {
    await affected(
      db,
      `UPDATE contact_imports
          SET status = 'completed', rows_read = $2, inserted = $3, updated = $4, unchanged = $5, rejected = $6,
              duplicates = $7, consent_events = $8, finished_at = clock_timestamp(), updated_at = clock_timestamp()
        WHERE id = $1 AND status = 'running'`,
      [id, totals.rowsRead, totals.inserted, totals.updated, totals.unchanged, totals.rejected, totals.duplicates, totals.consentEvents],
    );
    await db.query(`DELETE FROM contact_import_chunks WHERE import_id = $1`, [id]);
  }

  async fail(id: string, code: string, message: string, line: number | null): Promise<void> {
    await this.db.transaction(async (tx) => {
      await affected(
        tx,
        `UPDATE contact_imports
            SET status = 'failed', error_code = $2, error_message = $3, error_line = $4, finished_at = clock_timestamp(), updated_at = clock_timestamp()
          WHERE id = $1 AND status IN ('queued', 'running')`,
        [id, code, message, line],
      );
      await tx.query(`DELETE FROM contact_import_chunks WHERE import_id = $1`, [id]);
    });
  }

  /** Imports still queued a while after upload: their job may never have reached Redis. */
  async queuedBefore(cutoff: Date): Promise<string[]> {
    const found = await rows<{ id: string }>(
      this.db,
      `SELECT id FROM contact_imports WHERE status = 'queued' AND created_at < $1 ORDER BY created_at LIMIT 100`,
      [cutoff],
    );
    return found.map((r) => r.id);
  }

  rejections(importId: string, afterLine: number, limit: number): Promise<RejectionRow[]> {
    return rows<RejectionRow>(
      this.db,
      `SELECT line, reason, fields FROM contact_import_rejections
        WHERE import_id = $1 AND line > $2 ORDER BY line LIMIT $3`,
      [importId, afterLine, limit],
    );
  }
}
