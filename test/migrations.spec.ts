import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS } from '../migrations';
import { AppConfig } from '../src/config/app-config';
import { createDataSource } from '../src/database/data-source';
import { databaseUrl, dropDatabase, TEMPLATE_DB, withAdmin } from './support/database';

describe('migrations', () => {
  it('lists every migration file, in order', () => {
    const files = readdirSync(join(__dirname, '..', 'migrations'))
      .filter((f) => /^\d+-.+\.ts$/.test(f))
      .sort();
    const names = MIGRATIONS.map((m) => new m().name);
    expect(names).toEqual(files.map((f) => f.replace(/^(\d+)-(.+)\.ts$/, '$2$1')));
  });

  it('apply to an empty database, revert completely and apply again', async () => {
    const name = `siaran_test_migrations_${process.pid}`;
    await withAdmin(async (admin) => {
      await dropDatabase(admin, name);
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
    });
    const db = createDataSource(AppConfig.fromEnvironment({}), { url: databaseUrl(name), poolSize: 1 });
    await db.initialize();
    try {
      expect(await db.runMigrations({ transaction: 'each' })).toHaveLength(MIGRATIONS.length);
      for (let i = 0; i < MIGRATIONS.length; i++) await db.undoLastMigration({ transaction: 'each' });
      const tables = await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations'`);
      expect(tables).toEqual([]);
      expect(await db.runMigrations({ transaction: 'each' })).toHaveLength(MIGRATIONS.length);
    } finally {
      await db.destroy();
      await withAdmin((admin) => dropDatabase(admin, name));
    }
  });

  it('make the consent ledger append-only and contacts undeletable', async () => {
    const name = `siaran_test_ledger_${process.pid}`;
    await withAdmin(async (admin) => {
      await dropDatabase(admin, name);
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)} TEMPLATE ${admin.escapeIdentifier(TEMPLATE_DB)}`);
    });
    const client = new Client({ connectionString: databaseUrl(name) });
    await client.connect();
    try {
      const { rows } = await client.query(`INSERT INTO contacts (phone) VALUES ('+6281234567890') RETURNING id`);
      await client.query(
        `INSERT INTO consent_events (contact_id, kind, scope, source, occurred_at) VALUES ($1, 'opt_out', 'all', 'api', now())`,
        [rows[0].id],
      );
      await expect(client.query(`UPDATE consent_events SET kind = 'opt_in'`)).rejects.toThrow(/append-only/);
      await expect(client.query(`DELETE FROM consent_events`)).rejects.toThrow(/append-only/);
      await expect(client.query(`TRUNCATE consent_events`)).rejects.toThrow(/append-only/);
      await expect(client.query(`DELETE FROM contacts`)).rejects.toThrow(/soft-deleted/);
      await expect(
        client.query(`INSERT INTO consent_events (contact_id, kind, scope, source) VALUES ($1, 'opt_out', 'all', 'api')`, [rows[0].id]),
      ).rejects.toThrow(/check constraint/);
    } finally {
      await client.end();
      await withAdmin((admin) => dropDatabase(admin, name));
    }
  });
});
