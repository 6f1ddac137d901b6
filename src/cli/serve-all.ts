import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadDotEnv } from '../app.setup';

/**
 * Runs the API and one worker in the foreground (the quickstart). In production run them as
 * separate services: `node dist/src/main.js` and `node dist/src/worker.js` (see docker-compose.yml).
 *
 * `--smoke` (what CI runs after `npm run quickstart -- --smoke`): waits until both processes say they
 * are ready and `GET /health` answers 200, then sends SIGTERM to both and exits 0 only if both exit 0
 * within `SHUTDOWN_LIMIT_MS`. Any other outcome exits 1 with the reason.
 */
const SMOKE = process.argv.includes('--smoke');
/** The limit for a graceful stop, in milliseconds. */
const SHUTDOWN_LIMIT_MS = 10_000;
/** How long a cold start may take on a loaded 2-core machine before smoke mode gives up. */
const START_LIMIT_MS = 60_000;
// The children read `.env` themselves; read it here too, so that the port checked is the one the API listens on.
loadDotEnv();
const PORT = process.env.PORT ?? '3000';

type Name = 'api' | 'worker';
const FILES: Record<Name, string> = { api: 'main.js', worker: 'worker.js' };

const ready = new Set<Name>();
const children = new Map<Name, ChildProcess>(
  (Object.keys(FILES) as Name[]).map((name) => {
    // The IPC channel carries the children's 'ready' message (see src/common/lifecycle.ts).
    const child = spawn(process.execPath, [join(__dirname, '..', FILES[name])], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], env: process.env });
    child.on('message', (message) => {
      if (message === 'ready') ready.add(name);
    });
    return [name, child];
  }),
);
let stopping = false;

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** SIGTERM to both children; resolves with their exit codes, or null for one still alive after the limit. */
async function stopChildren(): Promise<Record<Name, number | null | 'timeout'>> {
  stopping = true;
  const result = {} as Record<Name, number | null | 'timeout'>;
  await Promise.all(
    [...children].map(async ([name, child]) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), SHUTDOWN_LIMIT_MS)));
      result[name] = await Promise.race([exited(child), limit]);
      clearTimeout(timer);
      if (result[name] === 'timeout') child.kill('SIGKILL');
    }),
  );
  return result;
}

function fail(reason: string): never {
  process.stderr.write(`smoke: FAILED: ${reason}\n`);
  for (const child of children.values()) if (child.exitCode === null) child.kill('SIGKILL');
  process.exit(1);
}

async function health(): Promise<number | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${PORT}/health`, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return null;
  }
}

async function smoke(): Promise<void> {
  const started = Date.now();
  for (const [name, child] of children) {
    child.once('exit', (code, signal) => {
      if (!stopping) fail(`the ${name} exited during start-up (code ${code}, signal ${signal})`);
    });
  }
  let status: number | null = null;
  while (ready.size < children.size || status !== 200) {
    if (Date.now() - started > START_LIMIT_MS) {
      fail(`not ready after ${START_LIMIT_MS / 1000} s (ready: ${[...ready].join(', ') || 'none'}; /health: ${status ?? 'no answer'})`);
    }
    await new Promise((r) => setTimeout(r, 250));
    if (ready.has('api')) status = await health();
  }
  process.stderr.write(`smoke: API and worker ready, GET /health 200 after ${Date.now() - started} ms; sending SIGTERM\n`);
  const stopAt = Date.now();
  const codes = await stopChildren();
  const took = Date.now() - stopAt;
  for (const [name, code] of Object.entries(codes)) {
    if (code !== 0) fail(`the ${name} did not exit 0 within ${SHUTDOWN_LIMIT_MS / 1000} s of SIGTERM (got ${code})`);
  }
  process.stderr.write(`smoke: OK: both processes exited 0, ${took} ms after SIGTERM\n`);
  process.exit(0);
}

function serve(): void {
  const stop = (code: number) => {
    if (stopping) return;
    void stopChildren().then(() => process.exit(code));
  };
  for (const child of children.values()) child.on('exit', (code) => stop(code ?? 1));
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  process.on('SIGHUP', () => stop(0));
  // Said once both are ready, not before: a port in use or a database down shows as the failure it is.
  const banner = setInterval(() => {
    if (ready.size < children.size) return;
    clearInterval(banner);
    process.stderr.write(
      `Siaran API on http://localhost:${PORT} (docs at /docs), worker running. Ctrl-C stops both.\n` +
        `Create an API key in another terminal: npm run apikey -- create me\n`,
    );
  }, 100);
  banner.unref();
}

if (SMOKE) void smoke();
else serve();
