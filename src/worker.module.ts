import { DynamicModule, Module } from '@nestjs/common';
import { CampaignsWorkerModule } from './campaigns/campaigns-worker.module';
import { LoggingModule } from './common/logging.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { ImportsWorkerModule } from './imports/imports-worker.module';
import { WebhooksWorkerModule } from './webhooks/webhooks-worker.module';

/** The worker process: queue consumers only, no HTTP server. */
@Module({})
export class WorkerModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forRoot(config), LoggingModule, DatabaseModule, ImportsWorkerModule, WebhooksWorkerModule, CampaignsWorkerModule],
    };
  }
}
