import { Module } from '@nestjs/common';
import { ConsentRepository } from './consent.repository';
import { ContactIdentitiesRepository } from './contact-identities.repository';
import { ConsentService } from './consent.service';
import { ContactsController } from './contacts.controller';
import { ContactsRepository } from './contacts.repository';
import { ContactsService } from './contacts.service';

@Module({
  controllers: [ContactsController],
  providers: [ContactsRepository, ConsentRepository, ContactsService, ConsentService, ContactIdentitiesRepository],
  exports: [ContactsService, ConsentService, ContactsRepository, ContactIdentitiesRepository],
})
export class ContactsModule {}
