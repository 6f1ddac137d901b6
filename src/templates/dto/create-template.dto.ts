import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class CreateTemplateDto {
  @ApiPropertyOptional({ example: '2000000001', description: 'The WhatsApp Business Account; default WHATSAPP_WABA_ID' })
  @IsOptional()
  @Matches(/^\d+$/, { message: 'wabaId must be digits' })
  wabaId?: string;

  @ApiProperty({ example: 'spring_sale', description: 'Lowercase letters, digits and _; at most 512' })
  @IsString()
  @MaxLength(512)
  name: string;

  @ApiProperty({ example: 'id', description: 'WhatsApp language code: id, en_US, pt_BR, …' })
  @IsString()
  @MaxLength(16)
  language: string;

  @ApiProperty({ enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION'] })
  @IsIn(['MARKETING', 'UTILITY', 'AUTHENTICATION'])
  category: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';

  @ApiPropertyOptional({ enum: ['POSITIONAL', 'NAMED'], default: 'POSITIONAL' })
  @IsOptional()
  @IsIn(['POSITIONAL', 'NAMED'])
  parameterFormat?: 'POSITIONAL' | 'NAMED';

  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: "WhatsApp's components (HEADER, BODY, FOOTER, BUTTONS), with an example for every variable",
    example: [
      { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['https://example.com/banner.jpg'] } },
      { type: 'BODY', text: 'Halo {{1}}, diskon {{2}} untukmu!', example: { body_text: [['Ana', '20%']] } },
      { type: 'FOOTER', text: 'Balas STOP untuk berhenti' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Stop promosi' }] },
    ],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @IsObject({ each: true })
  components: Array<Record<string, unknown>>;
}

/** A draft's content can change until it is submitted; its name and language cannot. */
export class UpdateTemplateDto {
  @ApiPropertyOptional({ enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION'] })
  @IsOptional()
  @IsIn(['MARKETING', 'UTILITY', 'AUTHENTICATION'])
  category?: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';

  @ApiPropertyOptional({ enum: ['POSITIONAL', 'NAMED'] })
  @IsOptional()
  @IsIn(['POSITIONAL', 'NAMED'])
  parameterFormat?: 'POSITIONAL' | 'NAMED';

  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true } })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @IsObject({ each: true })
  components?: Array<Record<string, unknown>>;
}

export class ListTemplatesQuery {
  @ApiPropertyOptional({ enum: ['DRAFT', 'PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED', 'IN_APPEAL', 'PENDING_DELETION', 'DELETED', 'ARCHIVED', 'LIMIT_EXCEEDED'] })
  @IsOptional()
  @IsIn(['DRAFT', 'PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED', 'IN_APPEAL', 'PENDING_DELETION', 'DELETED', 'ARCHIVED', 'LIMIT_EXCEEDED'])
  status?: string;

  @ApiPropertyOptional({ enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION'] })
  @IsOptional()
  @IsIn(['MARKETING', 'UTILITY', 'AUTHENTICATION'])
  category?: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';

  @ApiPropertyOptional() @IsOptional() @IsString() name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() language?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(/^\d+$/) wabaId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() cursor?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional()
  @Matches(/^\d+$/)
  limit?: string;
}

export class SyncTemplatesDto {
  @ApiPropertyOptional({ description: 'Default WHATSAPP_WABA_ID' })
  @IsOptional()
  @Matches(/^\d+$/)
  wabaId?: string;
}
