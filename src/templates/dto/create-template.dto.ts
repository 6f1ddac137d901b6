import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation';

/** No field of a template request is nullable: null is 400 VALIDATION_FAILED naming the field (leave an optional one out). */
export class CreateTemplateDto {
  @ApiPropertyOptional({ example: '2000000001', description: 'The WhatsApp Business Account; default WHATSAPP_WABA_ID' })
  @IsOptionalNotNull('leave it out for WHATSAPP_WABA_ID')
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
  @IsOptionalNotNull('leave it out for POSITIONAL')
  @IsIn(['POSITIONAL', 'NAMED'])
  parameterFormat?: 'POSITIONAL' | 'NAMED';

  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description:
      "WhatsApp's components (HEADER, BODY, FOOTER, BUTTONS), with an example for every variable; a media header's example is the handle of a sample uploaded to Meta",
    // The preview's example binding (PreviewTemplateDto) fits this template: header.media, body.1, body.2, button.1.1.
    example: [
      { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['4::aW1hZ2UvanBlZw=='] } },
      { type: 'BODY', text: 'Halo {{1}}, diskon {{2}} untukmu hari ini saja!', example: { body_text: [['Ana', '20%']] } },
      { type: 'FOOTER', text: 'Balas STOP untuk berhenti' },
      {
        type: 'BUTTONS',
        buttons: [
          { type: 'QUICK_REPLY', text: 'Stop promosi' },
          { type: 'URL', text: 'Belanja', url: 'https://toko.example/p/{{1}}', example: ['SPRING-7'] },
        ],
      },
    ],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @IsObject({ each: true })
  components: Array<Record<string, unknown>>;
}

/** A draft's content can change until it is submitted; its name and language cannot. A field left out keeps its value; null is refused. */
export class UpdateTemplateDto {
  @ApiPropertyOptional({ enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION'] })
  @IsOptionalNotNull('leave it out to keep it')
  @IsIn(['MARKETING', 'UTILITY', 'AUTHENTICATION'])
  category?: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';

  @ApiPropertyOptional({ enum: ['POSITIONAL', 'NAMED'] })
  @IsOptionalNotNull('leave it out to keep it')
  @IsIn(['POSITIONAL', 'NAMED'])
  parameterFormat?: 'POSITIONAL' | 'NAMED';

  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true } })
  @IsOptionalNotNull('leave it out to keep them')
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @IsObject({ each: true })
  components?: Array<Record<string, unknown>>;
}

/**
 * An edit of a template WhatsApp knows (APPROVED, REJECTED or PAUSED): every component is replaced,
 * as WhatsApp replaces them; the category may change, except an APPROVED template's.
 */
export class EditTemplateDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'Every component of the template after the edit (HEADER, BODY, FOOTER, BUTTONS), with an example for every variable',
    example: [{ type: 'BODY', text: 'Halo {{1}}, diskon {{2}} untukmu hari ini dan besok!', example: { body_text: [['Ana', '20%']] } }],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @IsObject({ each: true })
  components: Array<Record<string, unknown>>;

  @ApiPropertyOptional({ enum: ['MARKETING', 'UTILITY', 'AUTHENTICATION'], description: 'Leave it out to keep it; an APPROVED template keeps its category' })
  @IsOptionalNotNull('leave it out to keep it')
  @IsIn(['MARKETING', 'UTILITY', 'AUTHENTICATION'])
  category?: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';
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

  @ApiPropertyOptional({ example: 'spring_sale' }) @IsOptional() @IsString() @MaxLength(512) name?: string;
  @ApiPropertyOptional({ example: 'id' }) @IsOptional() @IsString() @MaxLength(16) language?: string;
  @ApiPropertyOptional({ example: '2000000001' }) @IsOptional() @Matches(/^\d{1,32}$/) wabaId?: string;
  @ApiPropertyOptional({ description: 'nextCursor from the previous page' }) @IsOptional() @IsString() cursor?: string;

  @ApiPropertyOptional({ type: 'integer', default: 50, minimum: 1, maximum: 200 })
  @IsOptional()
  @Matches(/^\d{1,4}$/, { message: 'limit must be an integer from 1 to 200' })
  limit?: string;
}

export class SyncTemplatesDto {
  @ApiPropertyOptional({ description: 'Default WHATSAPP_WABA_ID' })
  @IsOptionalNotNull('leave it out for WHATSAPP_WABA_ID')
  @Matches(/^\d+$/)
  wabaId?: string;
}
