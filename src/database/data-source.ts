import { DataSource, DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';
import { SnakeNamingStrategy } from './naming.strategy';

/**
 * The one description of our database connection, used by the API, the worker, the CLI commands and
 * the tests. The schema comes only from `migrations/`; `synchronize` stays off.
 */
export function dataSourceOptions(config: AppConfig, overrides: Partial<{ url: string; poolSize: number }> = {}): DataSourceOptions {
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
    extra: {
      max: overrides.poolSize ?? config.database.poolSize,
      application_name: 'siaran',
    },
  };
}

export function createDataSource(config: AppConfig, overrides?: Partial<{ url: string; poolSize: number }>): DataSource {
  return new DataSource(dataSourceOptions(config, overrides));
}
