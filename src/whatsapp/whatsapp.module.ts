import { Module } from '@nestjs/common';
import { CloudApiClient } from './cloud-api.client';

/** The Cloud API client, one per process (it owns the connection pool). AppConfig comes from ConfigModule. */
@Module({
  providers: [CloudApiClient],
  exports: [CloudApiClient],
})
export class WhatsappModule {}
