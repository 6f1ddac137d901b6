import { Module } from '@nestjs/common';
import { PhoneNumbersModule } from '../phone-numbers/phone-numbers.module';
import { TemplatesModule } from '../templates/templates.module';
import { EligibilityPolicyController } from './eligibility-policy.controller';
import { EligibilityPolicyRepository } from './eligibility-policy.repository';
import { EligibilityPolicyService } from './eligibility-policy.service';
import { EligibilityRepository } from './eligibility.repository';
import { EligibilityService } from './eligibility.service';

/**
 * Who may receive what (issue 11, section 3): the country policy with its versions and overrides,
 * campaign blockers, the dry run and the snapshot. The API serves the policy; campaigns (API and
 * worker) call EligibilityService.
 */
@Module({
  imports: [TemplatesModule, PhoneNumbersModule],
  controllers: [EligibilityPolicyController],
  providers: [EligibilityPolicyRepository, EligibilityPolicyService, EligibilityRepository, EligibilityService],
  exports: [EligibilityService, EligibilityPolicyService],
})
export class EligibilityModule {}
