import type { Server } from 'node:http';
import { getQueueToken } from '@nestjs/bull';
import { INestApplicationContext, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import type { Redis } from 'ioredis';
import { QUEUES } from './queues';

/** A process stops within 10 s of SIGTERM (issue 7); past this, it gives up waiting and exits 1. */
export const SHUTDOWN_DEADLINE_MS = 9_000;
/** Requests in progress at SIGTERM get this long to finish before their connections are closed. */
export const HTTP_DRAIN_MS = 5_000;

/**
 * Graceful stop on SIGTERM (and SIGINT) for the API and the worker, ending with exit code 0:
 *
 * 1. `app.close()` runs Nest's hooks: each module stops taking work and lets go of what it holds
 *    (the worker pauses its queues, interrupts the import in hand, rolls it back and queues it again
 *    for the next worker; the API ends uploads in progress with 503, rolled back), then the HTTP
 *    server closes, then Bull's Redis connections and the database pools.
 * 2. With an HTTP server: idle keep-alive connections are closed at once and as they become idle;
 *    requests still running after HTTP_DRAIN_MS have their connections closed.
 * 3. Exit 0; or, if closing failed or took longer than SHUTDOWN_DEADLINE_MS, exit 1 with a log line.
 *
 * Replaces Nest's own signal handling (`enableShutdownHooks`), which re-raises the signal after
 * closing (the process then dies by the signal, not with 0) and has no deadline.
 */
export function stopOnSignals(app: INestApplicationContext, http?: Server): void {
  (app as unknown as { unsubscribeFromProcessSignals?: () => void }).unsubscribeFromProcessSignals?.();
  const logger = new Logger('Shutdown');
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    logger.log({ signal }, 'Stopping');
    const deadline = setTimeout(() => {
      logger.error({ ms: Date.now() - started }, `Not stopped after ${SHUTDOWN_DEADLINE_MS} ms; exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    const idle = http ? setInterval(() => http.closeIdleConnections(), 100) : undefined;
    const drained = http ? setTimeout(() => http.closeAllConnections(), HTTP_DRAIN_MS) : undefined;
    let code = 0;
    try {
      await queuesReady(app);
      await app.close();
    } catch (error) {
      logger.error({ err: error }, 'Stopping failed');
      code = 1;
    }
    clearTimeout(deadline);
    clearInterval(idle);
    clearTimeout(drained);
    logger.log({ ms: Date.now() - started, code }, 'Stopped');
    process.exit(code);
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void stop(signal));
}

/** How long a stop waits for the queues to finish connecting before closing them anyway. */
const QUEUES_READY_MS = 3_000;

/** What of a Bull queue this file reads beyond its typings: the connections are lazy getters. */
interface QueueConnections {
  client: Redis;
  bclient: Redis;
  /** Processor functions by job name, set by `process()` (Bull 4.16, lib/queue.js setHandler). */
  handlers?: Record<string, unknown>;
}

/**
 * Resolves when every Bull queue of the process is connected to Redis (or after a few seconds):
 * its command connection and, for a queue this process consumes, its blocking connection too.
 *
 * `queue.isReady()` does not mean this: in Bull 4 it resolves once the Lua scripts are defined,
 * before any connection is up. And Bull starts a consumer with commands nobody awaits (the
 * blocking connection's `CLIENT SETNAME`, issued when the first connection is up, and the
 * processing loop started by `process()`); a close while that connection is still connecting
 * rejects them ("Connection is closed."), an unhandled rejection that ended a worker stopped right
 * after it started with exit code 1 (test/shutdown.spec.ts; 8 of 30 starts under CPU load before
 * this wait). The processes announce themselves ready only after this, and a stop waits for it
 * before closing.
 */
export async function queuesReady(app: INestApplicationContext): Promise<void> {
  const queues: Queue[] = [];
  for (const name of Object.values(QUEUES)) {
    try {
      queues.push(app.get<Queue>(getQueueToken(name), { strict: false }));
    } catch {
      // This process does not use that queue.
    }
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, QUEUES_READY_MS)));
  await Promise.race([Promise.allSettled(queues.map(queueConnected)), late]);
  clearTimeout(timer);
}

async function queueConnected(queue: Queue): Promise<void> {
  const connections = queue as unknown as QueueConnections;
  await redisReady(connections.client);
  // Reading `bclient` opens that connection: only for a queue with processors, which opens it anyway.
  if (Object.keys(connections.handlers ?? {}).length > 0) await redisReady(connections.bclient);
}

/** Resolves on ioredis's `ready` (the connection is up and takes commands); rejects if it ends first. */
function redisReady(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onReady = () => {
      redis.off('end', onEnd);
      resolve();
    };
    const onEnd = () => {
      redis.off('ready', onReady);
      reject(new Error('Redis connection ended before it was ready'));
    };
    redis.once('ready', onReady);
    redis.once('end', onEnd);
  });
}
