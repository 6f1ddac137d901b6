import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort, ROOT } from './support/processes';

/**
 * `npm run demo` (README's first Quickstart command) runs whole in CI (.ci/run). Here, what a
 * newcomer without PostgreSQL or Redis sees: a clear failure that names the server and says how to
 * start it, exit code 1, and nothing started.
 */
describe('npm run demo without its servers', () => {
  const demo = (env: Record<string, string>) =>
    spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'demo', 'demo.js')], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });

  it('says PostgreSQL cannot be reached, and how to start it', async () => {
    const port = await freePort();
    const run = demo({ DEMO_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/siaran_demo` });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`PostgreSQL cannot be reached at 127.0.0.1:${port}`);
    expect(run.stderr).toContain('docker compose up -d postgres redis');
    expect(run.stdout).not.toContain('The Cloud API simulator, the API and a worker');
  });

  it('says Redis cannot be reached, and how to start it', async () => {
    const port = await freePort();
    const run = demo({ REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`Redis cannot be reached at redis://127.0.0.1:${port}`);
    expect(run.stderr).toContain('redis-server --daemonize yes');
  });
});
