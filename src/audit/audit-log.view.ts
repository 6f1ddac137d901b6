import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQuery } from '../common/pagination';
import { IsApiDate, toApiDate } from '../common/validation';
import type { AuditRow } from './audit-log.repository';

export class AuditLogQuery extends PageQuery {
  @ApiPropertyOptional({ example: '2026-11-01T00:00:00+07:00', description: 'Entries at or after this time: ISO 8601 with a zone (a time without one is refused)' })
  @IsOptional()
  @Transform(toApiDate)
  @IsApiDate()
  from?: Date;

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00+07:00', description: 'Entries before this time: ISO 8601 with a zone; after from' })
  @IsOptional()
  @Transform(toApiDate)
  @IsApiDate()
  to?: Date;

  @ApiPropertyOptional({ example: 'crm-sync', description: 'The name of the API key' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  apiKeyName?: string;

  @ApiPropertyOptional({ example: 'POST /v1/campaigns/:id/launch', description: 'Method and route pattern, exactly' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  action?: string;

  @ApiPropertyOptional({ example: '3f0c9a8e-7f43-4a57-9a35-1b1f4f7d2a10', description: 'The id of the target (a campaign, contact, template, ...)' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  targetId?: string;

  @ApiPropertyOptional({ example: 'CAMPAIGN_INVALID_TRANSITION', description: 'ok, or an error code' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_]{1,64}$/, { message: 'outcome must be ok or an error code such as VALIDATION_FAILED' })
  outcome?: string;
}

export class AuditEntryView {
  @ApiProperty({ example: '1207' }) id: string;
  @ApiProperty({ type: String, format: 'date-time', description: 'When the request arrived' }) at: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null: no key was checked (401, or refused before: 415, 413)' })
  apiKeyId: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'crm-sync' }) apiKeyName: string | null;
  @ApiProperty({ example: 'POST /v1/campaigns/:id/launch', description: 'Method and route pattern (never the URL with its values)' }) action: string;
  @ApiProperty({ type: String, nullable: true, example: 'campaigns', description: 'The resource segment of the route' }) targetType: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The id from the route, or for a create the id it answered with' }) targetId: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'X-Request-Id of the answer (the id in the logs)' }) requestId: string | null;
  @ApiProperty({ type: 'integer', example: 200 }) statusCode: number;
  @ApiProperty({ example: 'ok', description: 'ok, or the code of the error body' }) outcome: string;
  @ApiProperty({ type: 'integer', description: 'From arrival to the last byte of the answer, in milliseconds' }) durationMs: number;
}

export class AuditLogPageView {
  @ApiProperty({ type: [AuditEntryView] }) data: AuditEntryView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export function auditEntryView(row: AuditRow): AuditEntryView {
  const { cursorKey: _cursorKey, at, ...rest } = row;
  return { ...rest, at: at.toISOString() };
}
