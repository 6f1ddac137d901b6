import { Module } from '@nestjs/common';
import { QueueModule } from '../common/queue.module';
import { DeliveryWriter } from './delivery-writer';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookIntakeService } from './webhook-intake.service';
import { WebhooksController } from './webhooks.controller';

/** The API side of WhatsApp webhooks. Processing is in WebhooksWorkerModule. */
@Module({
  imports: [QueueModule],
  controllers: [WebhooksController],
  providers: [WebhookDeliveriesRepository, DeliveryWriter, WebhookIntakeService],
})
export class WebhooksModule {}
