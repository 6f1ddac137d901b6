import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const SERVER_URL = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
/** The migrated template every test file clones; TEST_TEMPLATE_DB lets two suites run side by side. */
export const TEMPLATE_DB = process.env.TEST_TEMPLATE_DB ?? 'siaran_test_template';

export function databaseUrl(name: string): string {
  return `${SERVER_URL}/${name}`;
}

export async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(client: Client, name: string): Promise<void> {
  await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
}

/** A fresh database for one test file, cloned from the migrated template (see global-setup.ts). */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `siaran_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(async (client) => {
    // Cloning needs the template to have no other sessions; retry briefly if one is closing.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE ${client.escapeIdentifier(TEMPLATE_DB)}`);
        return;
      } catch (error) {
        if (attempt >= 20 || (error as { code?: string }).code !== '55006') throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  return { name, url: databaseUrl(name), drop: () => withAdmin((client) => dropDatabase(client, name)) };
}
