import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The repository root, from the compiled (dist/test/support) or source (test/support) location. */
export const ROOT = __dirname.includes(`${join('dist', 'test')}`) ? join(__dirname, '..', '..', '..') : join(__dirname, '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A built Siaran process (API or worker) run as a child, as in production. */
export class ServiceProcess {
  private output = '';
  private isReady = false;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    keepChars: number,
  ) {
    child.on('message', (message) => {
      if (message === 'ready') this.isReady = true;
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-keepChars);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /** `keepChars`: how much of the latest output `recentOutput()` keeps (a test that reads every log line raises it). */
  static start(name: 'api' | 'worker', env: Record<string, string>, { keepChars = 20_000 } = {}): ServiceProcess {
    const entry = join(ROOT, 'dist', 'src', name === 'api' ? 'main.js' : 'worker.js');
    // The IPC channel carries the process's 'ready' message (src/common/lifecycle.ts).
    const child = spawn(process.execPath, [entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    return new ServiceProcess(name, child, keepChars);
  }

  /** Resolves once the process says it is ready (the API listens, the worker consumes); rejects if it exits first. */
  ready(timeoutMs = 30_000): Promise<void> {
    if (this.isReady) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.output}`)), timeoutMs);
      const onMessage = (message: unknown) => {
        if (message !== 'ready') return;
        cleanup();
        resolve();
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`${this.name} exited:\n${this.output}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }

  /** Peak resident memory of the process (all its threads), from Linux's /proc. */
  peakRssBytes(): number | null {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
      return kb ? Number(kb) * 1024 : null;
    } catch {
      return null;
    }
  }

  recentOutput(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Waits until GET {url}/health answers 200. */
export async function waitForHealth(url: string, service: ServiceProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) throw new Error(`${service.name} exited:\n${service.recentOutput()}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${service.name} did not become healthy:\n${service.recentOutput()}`);
}
