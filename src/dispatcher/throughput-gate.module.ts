import { Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { ThroughputGate } from './throughput-gate';

/** The gate's own Redis connection (Bull's are private to its queues). */
export const THROUGHPUT_REDIS = Symbol('THROUGHPUT_REDIS');

/**
 * Closes the gate's connection when the process stops: at application shutdown, after every
 * module's onModuleDestroy, so that the sending loop has stopped asking for slots by then.
 */
@Injectable()
class ThroughputRedisCloser implements OnApplicationShutdown {
  private readonly logger = new Logger('ThroughputGate');

  constructor(@Inject(THROUGHPUT_REDIS) private readonly redis: Redis) {
    // Without a listener an `error` event (Redis down; ioredis reconnects by itself) ends the process.
    redis.on('error', (error: Error) => this.logger.warn({ err: error }, 'Redis error'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * Provides ThroughputGate on a Redis connection made as Bull makes its own (REDIS_URL), its keys
 * under Bull's prefix (REDIS_PREFIX), spaced with DISPATCH_THROUGHPUT_MARGIN.
 */
@Module({
  providers: [
    { provide: THROUGHPUT_REDIS, inject: [AppConfig], useFactory: (config: AppConfig) => new Redis(config.redis.url) },
    {
      provide: ThroughputGate,
      inject: [THROUGHPUT_REDIS, AppConfig],
      useFactory: (redis: Redis, config: AppConfig) => new ThroughputGate(redis, { prefix: config.redis.prefix, margin: config.dispatch.throughputMargin }),
    },
    ThroughputRedisCloser,
  ],
  exports: [ThroughputGate],
})
export class ThroughputGateModule {}
