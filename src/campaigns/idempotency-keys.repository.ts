import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { affected, Db, one } from '../database/sql';
import type { IdempotentRequest } from './idempotency';

export interface StoredAnswer {
  requestHash: string;
  statusCode: number;
  response: unknown;
}

/**
 * Table idempotency_keys. A key is claimed and answered in the transaction of the work it guards,
 * so a committed key always has its answer, and a request that failed leaves no key behind.
 */
@Injectable()
export class IdempotencyKeysRepository {
  constructor(private readonly db: DataSource) {}

  /** The committed answer under this key, if any. */
  find(request: IdempotentRequest, db: Db = this.db): Promise<StoredAnswer | undefined> {
    return one<StoredAnswer>(
      db,
      `SELECT request_hash AS "requestHash", status_code AS "statusCode", response
         FROM idempotency_keys WHERE api_key_id = $1 AND operation = $2 AND key = $3`,
      [request.apiKeyId, request.operation, request.key],
    );
  }

  /**
   * Takes the key for this transaction: false when another request holds it. A request holding it
   * in a transaction not yet committed makes this one wait (the primary key's lock) until that
   * one commits (false: its answer can then be read) or rolls back (true: this one goes on).
   */
  async claim(request: IdempotentRequest, tx: Db): Promise<boolean> {
    const claimed = await one(
      tx,
      `INSERT INTO idempotency_keys (api_key_id, operation, key, request_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (api_key_id, operation, key) DO NOTHING
       RETURNING 1 AS claimed`,
      [request.apiKeyId, request.operation, request.key, request.requestHash],
    );
    return claimed !== undefined;
  }

  /** Records the answer of a claimed key, in the claiming transaction. */
  async answer(request: IdempotentRequest, statusCode: number, response: unknown, tx: Db): Promise<void> {
    await affected(tx, `UPDATE idempotency_keys SET status_code = $4, response = $5::jsonb WHERE api_key_id = $1 AND operation = $2 AND key = $3`, [
      request.apiKeyId,
      request.operation,
      request.key,
      statusCode,
      JSON.stringify(response),
    ]);
  }
}
