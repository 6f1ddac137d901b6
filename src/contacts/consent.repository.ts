import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Db, one, rows } from '../database/sql';
import type { ConsentKind, ConsentScope, ConsentSource } from './consent';

export interface ConsentEventRow {
  id: string;
  contactId: string;
  kind: ConsentKind;
  scope: ConsentScope;
  source: ConsentSource;
  wording: string | null;
  evidenceRef: string | null;
  evidence: Record<string, unknown> | null;
  occurredAt: Date | null;
  recordedAt: Date;
  apiKeyId: string | null;
  importId: string | null;
  importLine: number | null;
}

export type NewConsentEvent = Omit<ConsentEventRow, 'id' | 'recordedAt' | 'importId' | 'importLine'>;

const COLUMNS = `id::text AS id, contact_id::text AS "contactId", kind, scope, source, wording, evidence_ref AS "evidenceRef",
  evidence, occurred_at AS "occurredAt", recorded_at AS "recordedAt", api_key_id AS "apiKeyId",
  import_id AS "importId", import_line AS "importLine"`;

/** The append-only consent ledger. */
@Injectable()
export class ConsentRepository {
  constructor(private readonly db: DataSource) {}

  async insert(event: NewConsentEvent, db: Db): Promise<ConsentEventRow> {
    const row = await one<ConsentEventRow>(
      db,
      `INSERT INTO consent_events (contact_id, kind, scope, source, wording, evidence_ref, evidence, occurred_at, api_key_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       RETURNING ${COLUMNS}`,
      [
        event.contactId,
        event.kind,
        event.scope,
        event.source,
        event.wording,
        event.evidenceRef,
        event.evidence,
        event.occurredAt,
        event.apiKeyId,
      ],
    );
    return row!;
  }

  /**
   * A contact's ledger in the order it was recorded, `limit + 1` rows after `afterId`. ORDER BY
   * names the table's column: a bare `id` would sort by the output column `id::text` ("10" < "9").
   */
  listForContact(contactId: string, afterId: string | undefined, limit: number): Promise<ConsentEventRow[]> {
    return rows<ConsentEventRow>(
      this.db,
      `SELECT ${COLUMNS} FROM consent_events e
        WHERE e.contact_id = $1 AND ($2::bigint IS NULL OR e.id > $2::bigint)
        ORDER BY e.id LIMIT $3`,
      [contactId, afterId ?? null, limit + 1],
    );
  }
}
