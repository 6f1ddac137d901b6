import { applyDecorators, Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { ApiPrincipal } from '../auth/api-keys.service';
import { CurrentApiKey } from '../auth/current-api-key.decorator';
import { ApiErrors } from '../common/api-errors.decorator';
import { Answer, CampaignsService } from './campaigns.service';
import { CampaignPageView, CampaignRecipientPageView, CampaignView, DryRunView, RecipientSampleView, RetryView } from './dto/campaign.view';
import { ListRecipientsQuery, RetryDto } from './dto/list-recipients.query';
import { CreateCampaignDto } from './dto/create-campaign.dto';
import { ListCampaignsQuery } from './dto/list-campaigns.query';
import { IDEMPOTENCY_HEADER, IdempotencyKey, MAX_IDEMPOTENCY_KEY } from './idempotency';

/** Set on an answer replayed for a repeated Idempotency-Key. */
const REPLAYED_HEADER = 'Idempotent-Replayed';

const ApiIdempotencyKey = () =>
  applyDecorators(
    ApiHeader({
      name: IDEMPOTENCY_HEADER,
      required: false,
      schema: { type: 'string', maxLength: MAX_IDEMPOTENCY_KEY },
      description: `A key of your choosing (1-${MAX_IDEMPOTENCY_KEY} printable ASCII characters, a UUID for one): a repeat with the same key and body answers the same status and body (with ${REPLAYED_HEADER}: true), without doing it again, even while the first is still running; the same key with another body is 422 IDEMPOTENCY_KEY_REUSED. Keys are per API key and operation. A request that failed keeps no key.`,
    }),
  );

/** The answer's body; a replay says so in a header. */
function answered(res: Response, answer: Answer): CampaignView {
  if (answer.replayed) res.setHeader(REPLAYED_HEADER, 'true');
  return answer.body;
}

@ApiTags('campaigns')
@ApiBearerAuth()
@ApiExtraModels(RecipientSampleView)
@Controller('v1/campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a draft campaign: a template and its binding, or a session message (with an optional fallback template); an audience; a sender; a time',
    description: 'Every binding is compiled against its template now: a parameter missing or unknown is 422 CAMPAIGN_BINDING_INVALID with each problem.',
  })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: CampaignView })
  @ApiErrors('PHONE_NUMBER_NOT_REGISTERED', 'TEMPLATE_NOT_FOUND', 'CAMPAIGN_TEMPLATE_OTHER_ACCOUNT', 'CAMPAIGN_BINDING_INVALID', 'IDEMPOTENCY_KEY_REUSED')
  async create(
    @Body() dto: CreateCampaignDto,
    @CurrentApiKey() key: ApiPrincipal,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CampaignView> {
    return answered(res, await this.campaigns.create(dto, { apiKeyId: key.id, idempotencyKey }));
  }

  @Get()
  @ApiOperation({ summary: 'List campaigns, newest first (keyset pages)' })
  @ApiOkResponse({ type: CampaignPageView })
  @ApiErrors('INVALID_CURSOR')
  list(@Query() query: ListCampaignsQuery): Promise<CampaignPageView> {
    return this.campaigns.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A campaign: its status (with the reason when paused or failed), its recipients counted by decision and reason, its timestamps' })
  @ApiOkResponse({ type: CampaignView })
  @ApiErrors('CAMPAIGN_NOT_FOUND')
  get(@Param('id') id: string): Promise<CampaignView> {
    return this.campaigns.get(id);
  }

  @Get(':id/eligibility')
  @ApiOperation({
    summary: 'Dry run: who a launch now would send to, who not and why, with samples; writes nothing',
    description: 'For a draft or scheduled campaign; a started one has its recipients counted in GET /v1/campaigns/:id (409 CAMPAIGN_INVALID_STATE).',
  })
  @ApiOkResponse({ type: DryRunView })
  @ApiErrors('CAMPAIGN_NOT_FOUND', 'CAMPAIGN_INVALID_STATE')
  eligibility(@Param('id') id: string): Promise<DryRunView> {
    return this.campaigns.dryRun(id);
  }

  @Post(':id/launch')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Launch a draft: scheduled when its scheduledAt is still to come, else running now with its audience frozen (campaign_recipients)',
    description: 'Refused with 409 and the code of what blocks it (TEMPLATE_NOT_APPROVED, MARKETING_NOT_AVAILABLE), every blocker in details.blockers.',
  })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: CampaignView })
  @ApiErrors('CAMPAIGN_NOT_FOUND', 'CAMPAIGN_INVALID_TRANSITION', 'TEMPLATE_NOT_APPROVED', 'MARKETING_NOT_AVAILABLE', 'PHONE_NUMBER_NOT_REGISTERED', 'IDEMPOTENCY_KEY_REUSED')
  async launch(
    @Param('id') id: string,
    @CurrentApiKey() key: ApiPrincipal,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CampaignView> {
    return answered(res, await this.campaigns.launch(id, { apiKeyId: key.id, idempotencyKey }));
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause a scheduled or running campaign' })
  @ApiOkResponse({ type: CampaignView })
  @ApiErrors('CAMPAIGN_NOT_FOUND', 'CAMPAIGN_INVALID_TRANSITION')
  pause(@Param('id') id: string): Promise<CampaignView> {
    return this.campaigns.pause(id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Resume a paused campaign',
    description: 'One that never started (paused when due) is launched: scheduled again if its time is still to come, else started now. Refused with 409 and the code of what blocks it.',
  })
  @ApiOkResponse({ type: CampaignView })
  @ApiErrors('CAMPAIGN_NOT_FOUND', 'CAMPAIGN_INVALID_TRANSITION', 'TEMPLATE_NOT_APPROVED', 'MARKETING_NOT_AVAILABLE', 'PHONE_NUMBER_NOT_REGISTERED')
  resume(@Param('id') id: string): Promise<CampaignView> {
    return this.campaigns.resume(id);
  }

  @Get(':id/recipients')
  @ApiOperation({
    summary: "A started campaign's recipients, each with its decision, send state, delivery state and error, in contact order (keyset pages)",
    description: 'Filters combine: decision, reason (exclusion, deferral or skip reason), sendState, deliveryState, errorCode.',
  })
  @ApiOkResponse({ type: CampaignRecipientPageView })
  @ApiErrors('CAMPAIGN_NOT_FOUND', 'INVALID_CURSOR')
  recipients(@Param('id') id: string, @Query() query: ListRecipientsQuery): Promise<CampaignRecipientPageView> {
    return this.campaigns.recipients(id, query);
  }

  @Post(':id/retry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send again to failed recipients, or to unknown ones whose status webhooks had DISPATCH_UNKNOWN_SETTLE (15 min) to resolve them',
    description:
      'On a person\'s word: nothing is retried automatically after a permanent failure or an unknown outcome. A completed campaign runs again; 131049 (per-user marketing cap) waits 24 h after its failure.',
  })
  @ApiOkResponse({ type: RetryView })
  @ApiErrors('CAMPAIGN_NOT_FOUND', 'CAMPAIGN_INVALID_STATE', 'CAMPAIGN_INVALID_TRANSITION')
  retry(@Param('id') id: string, @Body() dto: RetryDto): Promise<RetryView> {
    return this.campaigns.retry(id, dto.which);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a campaign that has not finished (final)' })
  @ApiOkResponse({ type: CampaignView })
  @ApiErrors('CAMPAIGN_NOT_FOUND', 'CAMPAIGN_INVALID_TRANSITION')
  cancel(@Param('id') id: string): Promise<CampaignView> {
    return this.campaigns.cancel(id);
  }
}
