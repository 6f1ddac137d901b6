import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';

export class PreviewContactDto {
  @ApiPropertyOptional({ example: 'Ana' }) @IsOptional() @IsString() @MaxLength(256) name?: string;
  @ApiPropertyOptional({ example: '+6281234567890' }) @IsOptional() @IsString() @MaxLength(32) phone?: string;
  @ApiPropertyOptional({ example: 'ID' }) @IsOptional() @Matches(/^[A-Z]{2}$/) country?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { city: 'Bandung', total: 125000 } })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown>;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @IsString({ each: true }) tags?: string[];
}

export class PreviewTemplateDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Parameter key → Handlebars expression (or a typed binding for media, currency, date_time, location)',
    example: { 'header.media': { type: 'image', link: 'https://cdn.example/banner.jpg' }, 'body.1': '{{title name}}', 'body.2': '{{default attributes.discount "10%"}}', 'button.1.1': '{{urlencode attributes.code}}' },
  })
  @IsObject()
  binding: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Preview for this contact…' })
  @IsOptional()
  @Matches(/^[1-9][0-9]{0,17}$/, { message: 'contactId must be a contact id' })
  contactId?: string;

  @ApiPropertyOptional({ type: PreviewContactDto, description: '…or for these values' })
  @IsOptional()
  @ValidateNested()
  @Type(() => PreviewContactDto)
  contact?: PreviewContactDto;

  @ApiPropertyOptional({ example: 'id-ID', description: 'Locale for the date and currency helpers' })
  @IsOptional()
  @IsString()
  locale?: string;

  @ApiPropertyOptional({ example: 'Asia/Jakarta', description: 'Time zone for the date helper (default UTC)' })
  @IsOptional()
  @IsString()
  timeZone?: string;
}
