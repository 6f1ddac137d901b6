import 'reflect-metadata';
import { AppConfig } from '../../src/config/app-config';
import { createDataSource } from '../../src/database/data-source';
import { databaseUrl, dropDatabase, TEMPLATE_DB, withAdmin } from './database';

/** Builds the migrated template database that every test file clones. */
export default async function globalSetup(): Promise<void> {
  await withAdmin(async (client) => {
    await dropDatabase(client, TEMPLATE_DB);
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(TEMPLATE_DB)}`);
  });
  const db = createDataSource(AppConfig.fromEnvironment({}), { url: databaseUrl(TEMPLATE_DB), poolSize: 1 });
  await db.initialize();
  await db.runMigrations({ transaction: 'each' });
  await db.destroy();
}
