import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { QueueModule } from '../common/queue.module';
import { AccountEventsRepository } from './account-events.repository';
import { ProcessWebhooksProcessor } from './process-webhooks.processor';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookFieldRegistry } from './webhook-field.registry';
import { WebhookProcessorService } from './webhook-processor.service';

/**
 * Processes stored webhook deliveries; part of the worker process only. It keeps the raw logs
 * (deliveries, account events, item errors) and hands each field to the handler its owning module
 * registered (@WebhookField): it imports none of those modules, the worker does (worker.module.ts).
 */
@Module({
  imports: [QueueModule, DiscoveryModule],
  providers: [WebhookDeliveriesRepository, AccountEventsRepository, WebhookFieldRegistry, WebhookProcessorService, ProcessWebhooksProcessor],
  exports: [WebhookProcessorService],
})
export class WebhooksWorkerModule {}
