import { Module } from '@nestjs/common';
import { ContactsModule } from '../contacts/contacts.module';
import { WhatsappModule } from '../whatsapp/whatsapp.module';
import { TemplateEventsHandler } from './template-events.handler';
import { TemplatesController } from './templates.controller';
import { TemplatesRepository } from './templates.repository';
import { TemplatesService } from './templates.service';

@Module({
  imports: [WhatsappModule, ContactsModule],
  controllers: [TemplatesController],
  providers: [TemplatesRepository, TemplatesService, TemplateEventsHandler],
  exports: [TemplatesService],
})
export class TemplatesModule {}
