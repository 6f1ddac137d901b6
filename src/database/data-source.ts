import * as pg from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../common/domain-error';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';
import { SnakeNamingStrategy } from './naming.strategy';

export interface DataSourceOverrides {
  url: string;
  poolSize: number;
  /** Names the connections in pg_stat_activity (default `siaran`). */
  applicationName: string;
  /**
   * The limits of a serving process (the API, the worker): the pool's acquire timeout and the
   * session's statement_timeout and idle_in_transaction_session_timeout from the configuration.
   * Off for the CLI commands and the tests' template, so that a migration is never cut short.
   */
  serviceLimits: boolean;
}

/**
 * The one description of our database connection, used by the API, the worker, the CLI commands and
 * the tests. The schema comes only from `migrations/`; `synchronize` stays off.
 */
export function dataSourceOptions(config: AppConfig, overrides: Partial<DataSourceOverrides> = {}): DataSourceOptions {
  const limits = overrides.serviceLimits
    ? {
        // Waiting for a pooled connection ends with 503 SERVICE_UNAVAILABLE (see GuardedPool).
        connectionTimeoutMillis: config.database.acquireTimeoutMs,
        // Sent in the start-up packet, so every session carries them from its first statement.
        // A transaction that needs longer statements says so itself (SET LOCAL, as the import merge).
        statement_timeout: config.database.statementTimeoutMs,
        idle_in_transaction_session_timeout: config.database.idleInTransactionTimeoutMs,
      }
    : {};
  return {
    type: 'postgres',
    url: overrides.url ?? config.database.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    namingStrategy: new SnakeNamingStrategy(),
    logging: false,
    driver: GUARDED_PG,
    extra: {
      max: overrides.poolSize ?? config.database.poolSize,
      application_name: overrides.applicationName ?? 'siaran',
      ...limits,
    },
  };
}

export function createDataSource(config: AppConfig, overrides?: Partial<DataSourceOverrides>): DataSource {
  return new DataSource(dataSourceOptions(config, overrides));
}

/**
 * node-postgres' pool, except that running out of time while waiting for a connection (the pool's
 * `connectionTimeoutMillis`: every connection busy, or the server not answering) is a
 * `DomainError('SERVICE_UNAVAILABLE')`, which the API answers with 503 instead of a 500, and never
 * with a hang. Both ways of asking for a connection go through `connect`: TypeORM's query runners
 * and `pool.query`.
 */
export class GuardedPool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(
    callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<pg.PoolClient> | void {
    if (!callback) {
      return super.connect().catch((error: unknown) => {
        throw unavailable(error);
      });
    }
    super.connect((err, client, done) => callback(err ? unavailable(err) : undefined, client, done));
  }
}

/** The `pg` module as TypeORM loads it, with GuardedPool as its pool. */
const GUARDED_PG: typeof pg = Object.create(pg, { Pool: { value: GuardedPool, enumerable: true } });

const ACQUIRE_TIMEOUTS = ['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout'];

function unavailable(error: Error): Error;
function unavailable(error: unknown): unknown;
function unavailable(error: unknown): unknown {
  if (error instanceof Error && ACQUIRE_TIMEOUTS.includes(error.message)) {
    return new DomainError('SERVICE_UNAVAILABLE', 'The database is busy; try again shortly', { reason: 'database_connection_timeout' });
  }
  return error;
}
