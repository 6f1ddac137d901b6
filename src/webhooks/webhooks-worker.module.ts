import { Module } from '@nestjs/common';
import { QueueModule } from '../common/queue.module';
import { ContactsModule } from '../contacts/contacts.module';
import { TemplatesModule } from '../templates/templates.module';
import { InboundMessagesHandler } from './inbound-messages.handler';
import { MessageStatusesHandler } from './message-statuses.handler';
import { ProcessWebhooksProcessor } from './process-webhooks.processor';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookProcessorService } from './webhook-processor.service';
import { WhatsappEventsHandler } from './whatsapp-events.handler';

/** Processes stored webhook deliveries; part of the worker process only. */
@Module({
  imports: [QueueModule, ContactsModule, TemplatesModule],
  providers: [
    WebhookDeliveriesRepository,
    WebhookProcessorService,
    InboundMessagesHandler,
    MessageStatusesHandler,
    WhatsappEventsHandler,
    ProcessWebhooksProcessor,
  ],
  exports: [WebhookProcessorService],
})
export class WebhooksWorkerModule {}
