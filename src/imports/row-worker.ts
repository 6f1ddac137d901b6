import { parentPort, workerData } from 'node:worker_threads';
import { processBatch, RowContext } from './import-rows';

/** Worker-thread entry: normalises batches of records for one import (see row-pool.ts). */
const ctx = workerData as RowContext;
parentPort!.on('message', (message: { id: number; batch: string }) => {
  const result = processBatch(message.batch, ctx);
  parentPort!.postMessage({ id: message.id, ...result }, [result.copy.buffer as ArrayBuffer, result.phones.buffer as ArrayBuffer]);
});
