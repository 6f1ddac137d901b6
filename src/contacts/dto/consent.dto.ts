import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { CONSENT_SCOPES, ConsentScope } from '../consent';

class ConsentEvidenceDto {
  @ApiPropertyOptional({
    example: 'Yes, I want offers from Toko Ana on WhatsApp',
    description: 'The words the person agreed to (opt-in) or wrote (opt-out)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  wording?: string;

  @ApiPropertyOptional({ example: 'https://toko.example/signup#v3', description: 'Where: the form, page or document' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  evidenceRef?: string;

  @ApiPropertyOptional({ description: 'When it happened (default: now). Not in the future.' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  occurredAt?: Date;
}

export class OptInDto extends ConsentEvidenceDto {
  @ApiProperty({ enum: CONSENT_SCOPES, description: 'What the person agreed to receive' })
  @IsIn(CONSENT_SCOPES)
  scope: ConsentScope;
}

export class OptOutDto extends ConsentEvidenceDto {
  @ApiPropertyOptional({ enum: CONSENT_SCOPES, default: 'all' })
  @IsOptional()
  @IsIn(CONSENT_SCOPES)
  scope?: ConsentScope;
}

export class ListConsentsQuery {
  @ApiPropertyOptional({ description: 'nextCursor from the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;
}
