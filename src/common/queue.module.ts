import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { QUEUES } from './queues';

const queues = Object.values(QUEUES).map((name) => BullModule.registerQueue({ name }));

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
  exports: queues,
})
export class QueueModule {}
