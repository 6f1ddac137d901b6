import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentApiKey } from '../auth/current-api-key.decorator';
import type { ApiPrincipal } from '../auth/api-keys.service';
import { ApiErrors } from '../common/api-errors.decorator';
import { CreatePolicyOverrideDto, overrideView, PolicyOverrideCreatedView, PolicyView, policyView } from './eligibility-policy.dto';
import { EligibilityPolicyService } from './eligibility-policy.service';

@ApiTags('eligibility')
@ApiBearerAuth()
@Controller('v1/eligibility/policy')
export class EligibilityPolicyController {
  constructor(private readonly policy: EligibilityPolicyService) {}

  @Get()
  @ApiOperation({ summary: 'The country policy in force: its version, rules (with dates and sources) and overrides' })
  @ApiOkResponse({ type: PolicyView })
  async get(): Promise<PolicyView> {
    return policyView(await this.policy.current());
  }

  @Post('overrides')
  @ApiOperation({ summary: 'Add an override (allow or refuse a country for a category); makes a new policy version' })
  @ApiCreatedResponse({ type: PolicyOverrideCreatedView })
  @ApiErrors('VALIDATION_FAILED')
  async addOverride(@Body() dto: CreatePolicyOverrideDto, @CurrentApiKey() key: ApiPrincipal): Promise<PolicyOverrideCreatedView> {
    const { override, policy } = await this.policy.addOverride(dto, key.id);
    return { override: overrideView(override), policy: policyView(policy) };
  }

  @Delete('overrides/:id')
  @ApiOperation({ summary: 'Remove an override (kept for the versions that used it); makes a new policy version' })
  @ApiOkResponse({ type: PolicyView })
  @ApiErrors('POLICY_OVERRIDE_NOT_FOUND')
  async removeOverride(@Param('id') id: string, @CurrentApiKey() key: ApiPrincipal): Promise<PolicyView> {
    return policyView(await this.policy.removeOverride(id, key.id));
  }
}
