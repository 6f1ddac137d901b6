import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { deleteRedisKeys } from './support/app';
import { createTestDatabase } from './support/database';
import { freePort, ROOT } from './support/processes';

/**
 * `npm run start:all` (the quickstart's last step) runs the API and a worker under one parent. However
 * that parent is stopped, the two must not live on as orphans holding the port and the queues: a
 * SIGTERM to npm (what `kill`, `timeout` and process managers send) reaches them, and a parent killed
 * outright takes them down through their IPC channel.
 */
describe('serve-all leaves no orphans', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const prefixes: string[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
    for (const prefix of prefixes) await deleteRedisKeys(prefix);
  });

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const childrenOf = (pid: number): number[] => {
    try {
      return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  /** The pids of the API and the worker under `root`, once /health answers. */
  async function started(root: number, port: number): Promise<number[]> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error('serve-all did not start');
      const health = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      if (health?.ok) {
        // npm -> (sh ->) node serve-all -> node main.js, node worker.js
        const queue = [root];
        const all: number[] = [];
        while (queue.length) for (const child of childrenOf(queue.shift()!)) all.push(child), queue.push(child);
        const services = all.filter((pid) => /dist\/src\/(main|worker)\.js/.test(execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' })));
        if (services.length === 2) return services;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  async function gone(pids: number[]): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (pids.some(alive)) {
      if (Date.now() > deadline) throw new Error(`still running: ${pids.filter(alive).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function env(): Promise<{ port: number; env: NodeJS.ProcessEnv }> {
    const port = await freePort();
    prefixes.push(`siaran-test-serve-${port}`);
    return { port, env: { ...process.env, DATABASE_URL: db.url, PORT: String(port), REDIS_PREFIX: prefixes[prefixes.length - 1], LOG_LEVEL: 'warn' } };
  }

  it('a SIGTERM to `npm run start:all` stops the API and the worker', async () => {
    const { port, env: e } = await env();
    const npm = spawn('npm', ['run', '--silent', 'start:all'], { cwd: ROOT, env: e, stdio: 'ignore' });
    const services = await started(npm.pid!, port);
    npm.kill('SIGTERM');
    await gone(services);
  });

  it('killing serve-all outright takes the API and the worker down with it', async () => {
    const { port, env: e } = await env();
    const parent = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'serve-all.js')], { env: e, stdio: 'ignore' });
    const services = await started(parent.pid!, port);
    parent.kill('SIGKILL');
    await gone(services);
  });
});
