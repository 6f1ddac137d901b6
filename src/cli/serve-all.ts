import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs the API and one worker in the foreground (the quickstart). In production run them as
 * separate services: `node dist/src/main.js` and `node dist/src/worker.js` (see docker-compose.yml).
 */
const children: ChildProcess[] = ['main.js', 'worker.js'].map((file) =>
  spawn(process.execPath, [join(__dirname, '..', file)], { stdio: 'inherit', env: process.env }),
);
let stopping = false;

function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 10_000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null))).then(() => process.exit(code));
}

for (const child of children) child.on('exit', (code) => stop(code ?? 1));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
process.stderr.write(
  `Siaran API on http://localhost:${process.env.PORT ?? 3000} (docs at /docs), worker running.\n` +
    `Create an API key in another terminal: npm run apikey -- create me\n`,
);
