import { Module } from '@nestjs/common';
import { CampaignsModule } from '../campaigns/campaigns.module';
import { ContactsModule } from '../contacts/contacts.module';
import { EligibilityModule } from '../eligibility/eligibility.module';
import { TemplatesModule } from '../templates/templates.module';
import { WhatsappModule } from '../whatsapp/whatsapp.module';
import { DispatchRepository } from './dispatch.repository';
import { DispatcherService } from './dispatcher.service';
import { MessageStatusesHandler } from './message-statuses.handler';
import { MessageStatusesRepository } from './message-statuses.repository';
import { ThroughputGateModule } from './throughput-gate.module';

/**
 * Sending campaigns and what becomes of what was sent; part of the worker process. The
 * DispatcherService sends running campaigns' recipients at each number's rate (a ThroughputGate
 * shared through Redis by every worker); the status webhooks of what was sent are recorded
 * (`message_status_events`, `message_statuses`) and move each recipient's delivery state.
 */
@Module({
  imports: [ContactsModule, CampaignsModule, TemplatesModule, EligibilityModule, WhatsappModule, ThroughputGateModule],
  providers: [MessageStatusesRepository, MessageStatusesHandler, DispatchRepository, DispatcherService],
})
export class DispatcherModule {}
