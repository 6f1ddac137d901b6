import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { PhoneNumbersService } from './phone-numbers.service';

/**
 * At the API's start-up: the number configured by WHATSAPP_PHONE_NUMBER_ID is registered as a
 * sender when missing (PhoneNumbersService.registerConfigured). Provided by the API module only:
 * the worker registers nothing.
 */
@Injectable()
export class ConfiguredPhoneNumberRegistration implements OnApplicationBootstrap {
  constructor(private readonly numbers: PhoneNumbersService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.numbers.registerConfigured();
  }
}
