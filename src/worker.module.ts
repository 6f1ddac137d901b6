import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobProcessorsCheck } from './common/job-processors.check';
import { CampaignsWorkerModule } from './campaigns/campaigns-worker.module';
import { LoggingModule } from './common/logging.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ContactsModule } from './contacts/contacts.module';
import { DatabaseModule } from './database/database.module';
import { DispatcherModule } from './dispatcher/dispatcher.module';
import { EligibilityModule } from './eligibility/eligibility.module';
import { ImportsWorkerModule } from './imports/imports-worker.module';
import { PhoneNumbersModule } from './phone-numbers/phone-numbers.module';
import { TemplatesModule } from './templates/templates.module';
import { WebhooksWorkerModule } from './webhooks/webhooks-worker.module';

/**
 * The worker process: queue consumers only, no HTTP server. The modules that own webhook fields
 * (contacts, templates, dispatcher, phone numbers) are here so that the webhook registry finds
 * their handlers; JobProcessorsCheck refuses to start when a job of src/common/queues.ts has no
 * processor.
 */
@Module({})
export class WorkerModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        DatabaseModule,
        ContactsModule,
        TemplatesModule,
        DispatcherModule,
        EligibilityModule,
        PhoneNumbersModule,
        ImportsWorkerModule,
        CampaignsWorkerModule,
        WebhooksWorkerModule,
        DiscoveryModule,
      ],
      providers: [JobProcessorsCheck],
    };
  }
}
