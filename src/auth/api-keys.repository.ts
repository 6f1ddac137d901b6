import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { affected, Db, one, rows } from '../database/sql';

export interface ApiKeyRow {
  id: string;
  name: string;
  keyPrefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const COLUMNS = `id, name, key_prefix AS "keyPrefix", created_at AS "createdAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly db: DataSource) {}

  async insert(name: string, keyHash: string, keyPrefix: string, db: Db = this.db): Promise<ApiKeyRow> {
    const row = await one<ApiKeyRow>(
      db,
      `INSERT INTO api_keys (name, key_hash, key_prefix) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [name, keyHash, keyPrefix],
    );
    return row!;
  }

  findActiveByHash(keyHash: string): Promise<ApiKeyRow | undefined> {
    return one<ApiKeyRow>(this.db, `SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, [keyHash]);
  }

  findByHash(keyHash: string, db: Db = this.db): Promise<ApiKeyRow | undefined> {
    return one<ApiKeyRow>(db, `SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1`, [keyHash]);
  }

  list(): Promise<ApiKeyRow[]> {
    return rows<ApiKeyRow>(this.db, `SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`);
  }

  /**
   * Revokes the active keys matching a name, an id, a key prefix or (given `keyHash`) the key
   * itself; returns what it revoked.
   */
  revoke(nameIdOrPrefix: string, db: Db = this.db, keyHash: string | null = null): Promise<ApiKeyRow[]> {
    return rows<ApiKeyRow>(
      db,
      `UPDATE api_keys SET revoked_at = now()
        WHERE revoked_at IS NULL AND (name = $1 OR id::text = $1 OR key_prefix = $1 OR key_hash = $2)
        RETURNING ${COLUMNS}`,
      [nameIdOrPrefix, keyHash],
    );
  }

  async touch(id: string): Promise<void> {
    await affected(this.db, `UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [id]);
  }
}
