import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { affected, Db, rows } from '../database/sql';

export interface PendingDelivery {
  id: string;
  body: string;
  attempts: number;
  /** When the delivery reached Siaran (items' own times are judged against it: webhook-time.ts). */
  receivedAt: Date;
}

@Injectable()
export class WebhookDeliveriesRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Stores deliveries unless the same bytes were stored before; returns the ids of the new ones by
   * body hash. One statement, one commit, however many.
   */
  async storeMany(items: Array<{ sha256: string; body: string }>): Promise<Map<string, string>> {
    const stored = await rows<{ id: string; sha256: string }>(
      this.db,
      `INSERT INTO webhook_deliveries (body_sha256, body)
       SELECT DISTINCT ON (sha256) sha256, body FROM unnest($1::text[], $2::text[]) AS x(sha256, body)
       ON CONFLICT (body_sha256) DO NOTHING
       RETURNING id::text AS id, body_sha256 AS sha256`,
      [items.map((i) => i.sha256), items.map((i) => i.body)],
    );
    return new Map(stored.map((r) => [r.sha256, r.id]));
  }

  /**
   * Takes the oldest unprocessed deliveries that are due (a failed one waits for its retry time);
   * other workers skip them until this transaction ends.
   * The ORDER BY names the table's column: a bare `id` would sort by the text output column
   * ("10" before "9").
   */
  claim(tx: Db, limit: number): Promise<PendingDelivery[]> {
    return rows<PendingDelivery>(
      tx,
      `SELECT id::text AS id, body, attempts, received_at AS "receivedAt" FROM webhook_deliveries
        WHERE processed_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())
        ORDER BY webhook_deliveries.id
        LIMIT $1
        FOR UPDATE SKIP LOCKED`,
      [limit],
    );
  }

  async markProcessed(tx: Db, processed: Array<{ id: string; events: number }>): Promise<void> {
    await affected(
      tx,
      `UPDATE webhook_deliveries d SET processed_at = now(), events = x.events, last_error = NULL
         FROM unnest($1::bigint[], $2::int[]) AS x(id, events)
        WHERE d.id = x.id`,
      [processed.map((p) => p.id), processed.map((p) => p.events)],
    );
  }

  /**
   * Records a failed attempt: the delivery is not claimed again for `retryInMs`; after
   * `maxAttempts` it is set aside (processed, with its error).
   */
  async markFailed(id: string, error: string, maxAttempts: number, retryInMs: number): Promise<void> {
    await affected(
      this.db,
      `UPDATE webhook_deliveries
          SET attempts = attempts + 1, last_error = $2,
              next_attempt_at = now() + make_interval(secs => $4::double precision / 1000),
              processed_at = CASE WHEN attempts + 1 >= $3 THEN now() END
        WHERE id = $1`,
      [id, error.slice(0, 2000), maxAttempts, retryInMs],
    );
  }
}
