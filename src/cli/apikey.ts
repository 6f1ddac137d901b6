import 'reflect-metadata';
import { configOrExit } from '../app.setup';
import { ApiKeysRepository } from '../auth/api-keys.repository';
import { ApiKeysService } from '../auth/api-keys.service';
import { createDataSource } from '../database/data-source';

const USAGE = `Usage:
  npm run apikey -- create <name>           create a key; it is printed once
  npm run apikey -- revoke <name|id|prefix|key> revoke the matching active keys
  npm run apikey -- list                    list keys (never the keys themselves)`;

async function main(): Promise<number> {
  const [command, arg] = process.argv.slice(2);
  const config = configOrExit();
  const db = createDataSource(config, { poolSize: 1 });
  await db.initialize();
  const keys = new ApiKeysService(new ApiKeysRepository(db), db);
  try {
    switch (command) {
      case 'create': {
        if (!arg) break;
        const { key, row } = await keys.create(arg);
        process.stdout.write(`${key}\n`);
        process.stderr.write(`Created key "${row.name}" (${row.id}). Store it now: it cannot be shown again.\n`);
        return 0;
      }
      case 'revoke': {
        if (!arg) break;
        const revoked = await keys.revoke(arg);
        process.stdout.write(revoked.length ? `Revoked ${revoked.map((r) => `${r.name} (${r.id})`).join(', ')}\n` : 'No active key matches\n');
        return revoked.length ? 0 : 1;
      }
      case 'list': {
        for (const r of await keys.list()) {
          const state = r.revokedAt ? `revoked ${r.revokedAt.toISOString()}` : 'active';
          process.stdout.write(`${r.id}  ${r.keyPrefix}…  ${r.name}  ${state}  last used ${r.lastUsedAt?.toISOString() ?? 'never'}\n`);
        }
        return 0;
      }
    }
    process.stderr.write(`${USAGE}\n`);
    return 2;
  } finally {
    await db.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  },
);
