import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BatchResult, processBatch, RowContext } from './import-rows';

/**
 * Phone normalisation is the costliest step of an import (libphonenumber validates each number
 * against its country's patterns), so it runs in worker threads while the main thread parses CSV
 * and PostgreSQL ingests COPY data. With `threads = 0` batches are processed inline.
 */
export class RowPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (r: BatchResult) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;

  private constructor(private readonly ctx: RowContext) {}

  static start(threads: number, ctx: RowContext): RowPool {
    const pool = new RowPool(ctx);
    for (let i = 0; i < threads; i++) pool.workers.push(pool.spawn());
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  process(batch: string): Promise<BatchResult> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.workers.length === 0) {
      try {
        return Promise.resolve(processBatch(batch, this.ctx));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[id % this.workers.length].postMessage({ id, batch });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }

  private spawn(): Worker {
    const worker = createWorker(this.ctx);
    worker.on('message', (message: { id: number } & BatchResult) => {
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      waiter?.resolve(message);
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => {
      if (code !== 0) this.fail(new Error(`import worker thread exited with code ${code}`));
    });
    return worker;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

/**
 * The compiled build runs row-worker.js. Under ts-jest the sources are TypeScript, so the thread
 * compiles them on load with the TypeScript compiler (a development dependency).
 */
function createWorker(ctx: RowContext): Worker {
  const compiled = join(__dirname, 'row-worker.js');
  if (existsSync(compiled)) {
    // Small heaps: a thread's live data is its code and data (libphonenumber's metadata, Luxon:
    // 9.5 MB of heap once loaded, 5.0 MB before Luxon came in with consent dates) and one batch (at
    // most 512 K characters, see RecordBatcher), but it allocates short-lived strings at a high rate
    // and V8 would grow each heap by tens of megabytes. The old generation needs room above what
    // is loaded: at 16 MB (6.5 MB of room) the threads spent twice as long in garbage collection
    // (3.0 s against 1.5 s per thread per 300,000 rows, --cpu-prof) and the load phase took 8.2 –
    // 9.0 s against 5.9 – 7.5 s at 32 MB (npm run bench:import, BENCH_ROWS=300000, alternating),
    // with the same peak RSS (263 – 284 MB, the merge's). A 4 MB young generation is about 0.5 s
    // faster per million rows than 2 MB for a few MB more.
    return new Worker(compiled, { workerData: ctx, resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 32 } });
  }
  // Under ts-jest the sources are TypeScript: the thread compiles them on load with the TypeScript
  // compiler (a development dependency), which needs a full-size heap.
  const source = join(__dirname, 'row-worker.ts');
  const loader = `
    const fs = require('node:fs');
    const ts = require('typescript');
    require.extensions['.ts'] = (module, filename) => {
      const output = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        fileName: filename,
      });
      module._compile(output.outputText, filename);
    };
    require(${JSON.stringify(source)});`;
  return new Worker(loader, { eval: true, workerData: ctx });
}
