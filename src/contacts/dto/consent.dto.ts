import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsApiDate, IsOptionalNotNull, toApiDate } from '../../common/validation';
import { CONSENT_SCOPES, ConsentScope } from '../consent';

class ConsentEvidenceDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'https://toko.example/signup#v3',
    maxLength: 2048,
    description: 'Where: the form, page or document (null: none, as when left out)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  evidenceRef?: string | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2025-03-01T09:30:00Z',
    description:
      'When it happened (default: now): ISO 8601 with a zone (Z or ±hh:mm; a time without one is refused, never guessed), years 1 to 9999, not in the future. Not nullable: leave it out for now',
  })
  @IsOptionalNotNull('leave it out for now')
  @Transform(toApiDate)
  @IsApiDate()
  occurredAt?: Date;
}

export class OptInDto extends ConsentEvidenceDto {
  @ApiProperty({ enum: CONSENT_SCOPES, description: 'What the person agreed to receive' })
  @IsIn(CONSENT_SCOPES)
  scope: ConsentScope;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'Yes, I want offers from Toko Ana on WhatsApp',
    maxLength: 4096,
    description: 'The words the person agreed to (wording or evidenceRef is required; null: none, as when left out)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  wording?: string | null;
}

export class OptOutDto extends ConsentEvidenceDto {
  @ApiPropertyOptional({ enum: CONSENT_SCOPES, default: 'all', description: 'What the person no longer wants (default: everything; leave it out, null is refused)' })
  @IsOptionalNotNull('leave it out for all')
  @IsIn(CONSENT_SCOPES)
  scope?: ConsentScope;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'STOP', maxLength: 4096, description: 'What the person wrote or said to opt out (null: none, as when left out)' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  wording?: string | null;
}

export class ListConsentsQuery {
  @ApiPropertyOptional({ description: 'nextCursor from the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;
}
