import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator';
import { EligibilityService } from '../eligibility/eligibility.service';
import { AudienceDto } from './dto/create-campaign.dto';

export class AudienceSizeView {
  @ApiProperty({ type: 'integer', example: 1200, description: 'Contacts the audience selects, before any rule decides who may receive what' }) contacts: number;
}

/** Audiences before there is a campaign: the campaign form's live count. */
@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('v1/audiences')
export class AudiencesController {
  constructor(private readonly eligibility: EligibilityService) {}

  @Post('count')
  @HttpCode(200)
  @ApiOperation({
    summary: 'How many contacts an audience (as a campaign takes it) selects; writes nothing',
    description: 'The same audience JSON as POST /v1/campaigns. Who of them may receive a given message is the campaign dry run (GET /v1/campaigns/:id/eligibility).',
  })
  @ApiOkResponse({ type: AudienceSizeView })
  @ApiErrors()
  async count(@Body() audience: AudienceDto): Promise<AudienceSizeView> {
    return { contacts: await this.eligibility.audienceSize(audience) };
  }
}
