import { Module } from '@nestjs/common';
import { ConsentRepository } from './consent.repository';
import { ContactIdentitiesRepository } from './contact-identities.repository';
import { ConsentService } from './consent.service';
import { ContactsController } from './contacts.controller';
import { ContactsRepository } from './contacts.repository';
import { ContactsService } from './contacts.service';
import { DataSubjectRepository } from './data-subject.repository';
import { DataSubjectService } from './data-subject.service';
import { InboundMessagesHandler } from './inbound-messages.handler';
import { InboundMessagesRepository } from './inbound-messages.repository';

/**
 * Contacts, their consent ledger, their WhatsApp identities and customer service windows. Its
 * webhook handlers (InboundMessagesHandler) are found by the worker's webhook registry; the API
 * never calls them.
 */
@Module({
  controllers: [ContactsController],
  providers: [
    ContactsRepository,
    ConsentRepository,
    ContactIdentitiesRepository,
    InboundMessagesRepository,
    ContactsService,
    ConsentService,
    DataSubjectRepository,
    DataSubjectService,
    InboundMessagesHandler,
  ],
  exports: [ContactsService, ConsentService],
})
export class ContactsModule {}
