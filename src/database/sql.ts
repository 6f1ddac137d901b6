import { DataSource, EntityManager } from 'typeorm';

/** A DataSource, or the EntityManager of a transaction. */
export type Db = DataSource | EntityManager;

/**
 * TypeORM's postgres driver answers UPDATE and DELETE with `[rows, rowCount]` and everything else
 * with `rows`. These helpers give rows (or a count) whatever the statement. Parameters are always
 * passed separately: no value is ever spliced into SQL text.
 */
export async function rows<T>(db: Db, sql: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await db.query(sql, params);
  return (isUpdateResult(result) ? result[0] : result) as T[];
}

export async function one<T>(db: Db, sql: string, params: unknown[] = []): Promise<T | undefined> {
  return (await rows<T>(db, sql, params))[0];
}

/** Rows affected by an UPDATE or DELETE. */
export async function affected(db: Db, sql: string, params: unknown[] = []): Promise<number> {
  const result: unknown = await db.query(sql, params);
  if (isUpdateResult(result)) return result[1];
  return Array.isArray(result) ? result.length : 0;
}

function isUpdateResult(result: unknown): result is [unknown[], number] {
  return Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number';
}

/**
 * Parameters for SQL assembled from optional parts (filters, partial updates): `bind(value)` adds a
 * value and returns its placeholder (`$1`, `$2`, …); `values` is what goes with the query.
 */
export function parameters(initial: unknown[] = []): { values: unknown[]; bind: (value: unknown) => string } {
  const values = [...initial];
  return {
    values,
    bind: (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    },
  };
}
