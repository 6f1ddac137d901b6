import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { DEFERRAL_REASONS, EXCLUSION_REASONS } from '../../eligibility/eligibility-rules';
import { SKIP_REASONS } from '../../dispatcher/dispatch.repository';
import { DELIVERY_STATES, SEND_STATES } from './campaign.view';

const REASONS = [...EXCLUSION_REASONS, ...DEFERRAL_REASONS, ...SKIP_REASONS];

/** GET /v1/campaigns/:id/recipients: filters (all optional, combined with AND) and a keyset page. */
export class ListRecipientsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['eligible', 'excluded', 'deferred'] })
  @IsOptional()
  @IsIn(['eligible', 'excluded', 'deferred'])
  decision?: string;

  @ApiPropertyOptional({ enum: REASONS, description: 'An exclusion or deferral reason, or why a recipient was cancelled without a send (skip reason)' })
  @IsOptional()
  @IsIn(REASONS)
  reason?: string;

  @ApiPropertyOptional({ enum: SEND_STATES })
  @IsOptional()
  @IsIn(SEND_STATES)
  sendState?: string;

  @ApiPropertyOptional({ enum: DELIVERY_STATES })
  @IsOptional()
  @IsIn(DELIVERY_STATES)
  deliveryState?: string;

  @ApiPropertyOptional({ type: 'integer', example: 131026, description: 'WhatsApp error code' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  errorCode?: number;
}

/** POST /v1/campaigns/:id/retry */
export class RetryDto {
  @ApiProperty({ enum: ['failed', 'unknown'], description: 'failed: refused by WhatsApp or failed by a status webhook; unknown: no outcome known after DISPATCH_UNKNOWN_SETTLE' })
  @IsIn(['failed', 'unknown'])
  which: 'failed' | 'unknown';
}
