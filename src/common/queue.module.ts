import { BullModule, getQueueToken } from '@nestjs/bull';
import { Injectable, Logger, Module, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';
import { AppConfig } from '../config/app-config';
import { QUEUES } from './queues';

const queues = Object.values(QUEUES).map((name) => BullModule.registerQueue({ name }));

/**
 * Bull reports Redis failures as `error` events on the queue (its stalled-job check, a connection
 * lost or closed); an EventEmitter `error` without a listener is thrown, uncaught, and ends the
 * process. With a listener it is a log line: Bull reconnects by itself, and a command cut off by
 * our own close at SIGTERM ("Connection is closed") is expected. Seen in test/shutdown.spec.ts: a
 * worker stopped right after it started exited 1.
 */
@Injectable()
class QueueErrorLog implements OnModuleInit {
  private readonly logger = new Logger('Queue');

  constructor(private readonly modules: ModuleRef) {}

  onModuleInit(): void {
    for (const name of Object.values(QUEUES)) {
      const queue = this.modules.get<Queue>(getQueueToken(name), { strict: false });
      queue.on('error', (error: Error) => this.logger.warn({ queue: name, err: error }, 'Queue error'));
    }
  }
}

/** Bull on Redis, with our key prefix (tests give each file its own). */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        url: config.redis.url,
        prefix: config.redis.prefix,
        defaultJobOptions: { removeOnComplete: 1000, removeOnFail: 5000 },
      }),
    }),
    ...queues,
  ],
  providers: [QueueErrorLog],
  exports: queues,
})
export class QueueModule {}
