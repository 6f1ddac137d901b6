import type { EntityManager } from 'typeorm';

/**
 * Webhook items processed one by one, so that one bad item never costs the others.
 *
 * An item that is malformed (a message without a type, a sender that cannot be read) is set aside
 * with a stable code and the rest of its delivery is processed. When a whole batch fails in the
 * database, the processor retries its deliveries one at a time with every item in a savepoint: an
 * item that fails there is set aside with its error and the others commit. A failure that is the
 * database's and not the item's (a lost connection, a deadlock, a timeout) fails the delivery as a
 * whole, which is then retried with backoff (webhook-processor.service.ts).
 */

/** A webhook item that was not applied, kept with its error in `webhook_item_errors`. */
export interface ItemError {
  deliveryId: string;
  field: string;
  /** What the item was: message, status, change, user_id_update, … */
  itemKind: string;
  item: unknown;
  /** Stable: sender_unreadable, message_id_missing, message_type_missing, status_malformed, metadata_missing, processing_failed, … */
  code: string;
  message: string;
}

export interface ItemWhere {
  deliveryId: string;
  field: string;
  itemKind: string;
  item: unknown;
}

/**
 * PostgreSQL error classes that say nothing about the item: connection (08), transaction rollback
 * (40: serialization failure, deadlock), insufficient resources (53), operator intervention (57:
 * statement timeout, shutdown), system errors (58). Such a failure is retried, never set aside.
 */
const TRANSIENT_CLASSES = new Set(['08', '40', '53', '57', '58']);

export function isTransientDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return TRANSIENT_CLASSES.has(code.slice(0, 2));
  // No SQLSTATE: a dropped socket, a pool timeout, … (an item's own fault is a TypeError or a SQLSTATE).
  const message = error instanceof Error ? error.message : '';
  return /connection|terminat|ECONNRESET|ECONNREFUSED|timeout/i.test(message) && !(error instanceof TypeError);
}

/** Collects the item errors of a transaction and, when isolating, runs each item in a savepoint. */
export class ItemGuard {
  readonly errors: ItemError[] = [];

  constructor(
    private readonly tx: EntityManager,
    /** True when retrying a failed delivery: each item in its own savepoint. */
    readonly isolate: boolean,
  ) {}

  reject(where: ItemWhere, code: string, message: string): void {
    this.errors.push({ ...where, code, message });
  }

  /**
   * Runs one item. Without isolation an error propagates (the batch is retried isolated). With
   * isolation an item's own failure is rolled back to its savepoint and set aside; a transient
   * database failure propagates. Runs may nest: an item set aside inside a run leaves the outer
   * run going.
   */
  async run<T>(where: ItemWhere, work: () => Promise<T>): Promise<T | undefined> {
    if (!this.isolate) return work();
    await this.tx.query('SAVEPOINT webhook_item');
    try {
      const result = await work();
      await this.tx.query('RELEASE SAVEPOINT webhook_item');
      return result;
    } catch (error) {
      if (isTransientDatabaseError(error)) throw error;
      // Released too, so that runs may nest (a recorded change, then its items): every RELEASE and
      // ROLLBACK TO then names the savepoint of its own run, the most recent of that name.
      await this.tx.query('ROLLBACK TO SAVEPOINT webhook_item');
      await this.tx.query('RELEASE SAVEPOINT webhook_item');
      this.reject(where, 'processing_failed', (error as Error).message?.slice(0, 1000) ?? String(error));
      return undefined;
    }
  }

  /** Stores the collected errors (one statement). */
  async flush(): Promise<number> {
    if (this.errors.length === 0) return 0;
    await this.tx.query(
      `INSERT INTO webhook_item_errors (delivery_id, field, item_kind, item, code, message)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::text[])`,
      [
        this.errors.map((e) => e.deliveryId),
        this.errors.map((e) => e.field),
        this.errors.map((e) => e.itemKind),
        this.errors.map((e) => (e.item === undefined ? null : JSON.stringify(e.item))),
        this.errors.map((e) => e.code),
        this.errors.map((e) => e.message),
      ],
    );
    return this.errors.length;
  }
}

/**
 * Parses a stored delivery. PostgreSQL's text and jsonb cannot hold U+0000, nor unpaired
 * surrogates in jsonb; a payload may carry either as an escape (`\u0000` in a message text).
 * Those become U+FFFD. The scan is over the raw text, so the common body pays nothing more.
 */
export function parseDelivery(body: string): unknown {
  if (!/\\u0000|\\u[dD][89a-fA-F]/.test(body)) return JSON.parse(body);
  return JSON.parse(body, (_key, value: unknown) => (typeof value === 'string' ? storableText(value) : value));
}

/** Text PostgreSQL can store: NUL and unpaired surrogates replaced by U+FFFD. */
export function storableText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
