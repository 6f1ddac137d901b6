import { Module } from '@nestjs/common';
import { EligibilityModule } from '../eligibility/eligibility.module';
import { ImportsModule } from '../imports/imports.module';
import { PhoneNumbersModule } from '../phone-numbers/phone-numbers.module';
import { EligibilityService } from '../eligibility/eligibility.service';
import { TemplatesModule } from '../templates/templates.module';
import { AudiencesController } from './audiences.controller';
import { CampaignsController } from './campaigns.controller';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignsService } from './campaigns.service';
import { CampaignEligibility } from './eligibility.port';
import { IdempotencyKeysRepository } from './idempotency-keys.repository';

/** Campaigns: the API's routes, and CampaignsService for the worker's scheduler (CampaignsWorkerModule). */
@Module({
  imports: [TemplatesModule, EligibilityModule, ImportsModule, PhoneNumbersModule],
  controllers: [CampaignsController, AudiencesController],
  providers: [CampaignsRepository, IdempotencyKeysRepository, CampaignsService, { provide: CampaignEligibility, useExisting: EligibilityService }],
  exports: [CampaignsService, CampaignsRepository],
})
export class CampaignsModule {}
