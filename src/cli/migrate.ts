import 'reflect-metadata';
import { Client } from 'pg';
import { configOrExit } from '../app.setup';
import { createDataSource } from '../database/data-source';

/** Creates the database named by DATABASE_URL when it does not exist. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    // A database name is an identifier, which cannot be a bind parameter: it is escaped instead.
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '42P04') return false; // created meanwhile
    throw error;
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const revert = process.argv.includes('--revert');
  if (!revert && (await ensureDatabase(config.database.url))) process.stdout.write('Created the database\n');
  const db = createDataSource(config, { poolSize: 1 });
  await db.initialize();
  try {
    if (revert) {
      await db.undoLastMigration({ transaction: 'each' });
      process.stdout.write('Reverted the last migration\n');
    } else {
      const applied = await db.runMigrations({ transaction: 'each' });
      process.stdout.write(applied.length ? `Applied ${applied.map((m) => m.name).join(', ')}\n` : 'Database is up to date\n');
    }
  } finally {
    await db.destroy();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`Migration failed: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
