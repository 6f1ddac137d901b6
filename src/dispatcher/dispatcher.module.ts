import { Module } from '@nestjs/common';
import { ContactsModule } from '../contacts/contacts.module';
import { MessageStatusesHandler } from './message-statuses.handler';
import { MessageStatusesRepository } from './message-statuses.repository';

/**
 * Sending messages and what becomes of them. For now it owns the delivery statuses of what was sent
 * (`message_status_events`, `message_statuses`), from status webhooks; the dispatcher (issue 12)
 * grows here. Part of the worker process.
 */
@Module({
  imports: [ContactsModule],
  providers: [MessageStatusesRepository, MessageStatusesHandler],
})
export class DispatcherModule {}
