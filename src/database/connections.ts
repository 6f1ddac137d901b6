import type { PoolClient } from 'pg';
import type { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';

/**
 * Closes a query runner's connection instead of returning it to the pool: for a connection left in
 * an unknown state (a COPY interrupted, a statement that may still be cancelled).
 */
export function discardConnection(runner: PostgresQueryRunner, reason: Error): Promise<void> {
  return (runner as unknown as { releasePostgresConnection(err: Error): Promise<void> }).releasePostgresConnection(reason);
}

/** The server process behind a pooled connection (node-postgres keeps it; its types do not say so). */
export function backendPid(client: PoolClient): number {
  return (client as PoolClient & { processID: number }).processID;
}
