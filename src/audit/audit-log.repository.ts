import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { parameters, rows } from '../database/sql';

/** One API write, as `audit_log` keeps it (migrations/1795910000000-AuditLog.ts). */
export interface AuditEntry {
  /** When the request arrived. */
  at: Date;
  apiKeyId: string | null;
  apiKeyName: string | null;
  /** Method and route pattern: `POST /v1/campaigns/:id/launch`. */
  action: string;
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  statusCode: number;
  /** `ok`, or the error body's code. */
  outcome: string;
  durationMs: number;
}

export interface AuditRow extends AuditEntry {
  id: string;
  /** `<at as PostgreSQL writes it>|<id>`: the keyset cursor of the row. */
  cursorKey: string;
}

export interface AuditFilter {
  from?: Date;
  to?: Date;
  apiKeyName?: string;
  action?: string;
  targetId?: string;
  outcome?: string;
  afterKey?: { createdAt: string; id: string };
  limit: number;
}

@Injectable()
export class AuditLogRepository {
  constructor(private readonly db: DataSource) {}

  async insert(e: AuditEntry): Promise<void> {
    await this.db.query(
      `INSERT INTO audit_log (at, api_key_id, api_key_name, action, target_type, target_id, request_id, status_code, outcome, duration_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [e.at, e.apiKeyId, e.apiKeyName, e.action, e.targetType, e.targetId, e.requestId, e.statusCode, e.outcome, e.durationMs],
    );
  }

  /**
   * `limit + 1` rows matching the filter, newest first (at, then id, descending: the audit_log_at
   * index), after the keyset `afterKey`. Every filter is an equality but the period (from
   * inclusive, to exclusive).
   */
  list(filter: AuditFilter): Promise<AuditRow[]> {
    const { values, bind } = parameters();
    const where = ['true'];
    if (filter.from) where.push(`a.at >= ${bind(filter.from)}`);
    if (filter.to) where.push(`a.at < ${bind(filter.to)}`);
    if (filter.apiKeyName) where.push(`a.api_key_name = ${bind(filter.apiKeyName)}`);
    if (filter.action) where.push(`a.action = ${bind(filter.action)}`);
    if (filter.targetId) where.push(`a.target_id = ${bind(filter.targetId)}`);
    if (filter.outcome) where.push(`a.outcome = ${bind(filter.outcome)}`);
    if (filter.afterKey) where.push(`(a.at, a.id) < (${bind(filter.afterKey.createdAt)}::timestamptz, ${bind(filter.afterKey.id)}::bigint)`);
    return rows<AuditRow>(
      this.db,
      `SELECT a.id::text AS id, a.at, a.api_key_id AS "apiKeyId", a.api_key_name AS "apiKeyName", a.action,
              a.target_type AS "targetType", a.target_id AS "targetId", a.request_id AS "requestId",
              a.status_code AS "statusCode", a.outcome, a.duration_ms AS "durationMs",
              a.at::text || '|' || a.id AS "cursorKey"
         FROM audit_log a
        WHERE ${where.join(' AND ')}
        ORDER BY a.at DESC, a.id DESC
        LIMIT ${bind(filter.limit + 1)}`,
      values,
    );
  }
}
