import { Logger, Module, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { CloudApiClient } from './cloud-api.client';
import { notConfiguredWarning } from './whatsapp-settings';

/**
 * The Cloud API client, one per process (it owns the connection pool). AppConfig comes from
 * ConfigModule. Both processes (API and worker) load this module once, so its start-up check says
 * once per process which WhatsApp settings are missing (names only, never values).
 */
@Module({
  providers: [CloudApiClient],
  exports: [CloudApiClient],
})
export class WhatsappModule implements OnModuleInit {
  private readonly logger = new Logger('WhatsApp');

  constructor(private readonly config: AppConfig) {}

  onModuleInit(): void {
    const warning = notConfiguredWarning(this.config);
    if (warning) this.logger.warn(warning);
  }
}
