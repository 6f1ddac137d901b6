import { Module } from '@nestjs/common';
import { WhatsappModule } from '../whatsapp/whatsapp.module';
import { PhoneNumberEventsHandler } from './phone-number-events.handler';
import { PhoneNumbersController } from './phone-numbers.controller';
import { PhoneNumbersRepository } from './phone-numbers.repository';
import { PhoneNumbersService } from './phone-numbers.service';

/**
 * The business phone numbers campaigns send from (`phone_numbers`). Exports PhoneNumbersService
 * (`get(phoneNumberId)` is what campaigns read a sender with). Its webhook handler
 * (PhoneNumberEventsHandler) is found by the worker's webhook registry; the API never calls it. The
 * configured number is registered at the API's start-up by ConfiguredPhoneNumberRegistration,
 * which the API module provides (the worker does not).
 */
@Module({
  imports: [WhatsappModule],
  controllers: [PhoneNumbersController],
  providers: [PhoneNumbersRepository, PhoneNumbersService, PhoneNumberEventsHandler],
  exports: [PhoneNumbersService],
})
export class PhoneNumbersModule {}
