import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CampaignsModule } from './campaigns/campaigns.module';
import { LoggingModule } from './common/logging.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ComplianceModule } from './compliance/compliance.module';
import { ReportsModule } from './reports/reports.module';
import { ContactsModule } from './contacts/contacts.module';
import { DatabaseModule } from './database/database.module';
import { EligibilityModule } from './eligibility/eligibility.module';
import { HealthModule } from './health/health.module';
import { ImportsModule } from './imports/imports.module';
import { ConfiguredPhoneNumberRegistration } from './phone-numbers/configured-phone-number.registration';
import { PhoneNumbersModule } from './phone-numbers/phone-numbers.module';
import { TemplatesModule } from './templates/templates.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** The API process. It produces queue jobs and never consumes them. */
@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        DatabaseModule,
        AuthModule,
        AuditModule,
        HealthModule,
        // Before ContactsModule: /v1/contacts/imports must be matched before /v1/contacts/:id.
        ImportsModule,
        ContactsModule,
        TemplatesModule,
        EligibilityModule,
        CampaignsModule,
        PhoneNumbersModule,
        WebhooksModule,
        ComplianceModule,
        ReportsModule,
      ],
      // The configured sender is registered by the API at start-up (the worker registers nothing).
      providers: [ConfiguredPhoneNumberRegistration],
    };
  }
}
