import { Module } from '@nestjs/common';
import { ConsentRepository } from './consent.repository';
import { ConsentService } from './consent.service';
import { ContactsController } from './contacts.controller';
import { ContactsRepository } from './contacts.repository';
import { ContactsService } from './contacts.service';

@Module({
  controllers: [ContactsController],
  providers: [ContactsRepository, ConsentRepository, ContactsService, ConsentService],
  exports: [ContactsService, ConsentService, ContactsRepository],
})
export class ContactsModule {}
