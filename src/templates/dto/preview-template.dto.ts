import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsArray, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { canonicalLocale, canonicalTimeZone, IsLocale, IsTimeZone } from '../../common/validation';

/** Valid values become their canonical form (`asia/jakarta` → `Asia/Jakarta`); others stay, for the validator to name. */
const canonical =
  (of: (value: string) => string | null) =>
  ({ value }: { value: unknown }): unknown =>
    typeof value === 'string' ? (of(value) ?? value) : value;

export class PreviewContactDto {
  @ApiPropertyOptional({ example: 'Ana' }) @IsOptional() @IsString() @MaxLength(256) name?: string;
  @ApiPropertyOptional({ example: '+6281234567890' }) @IsOptional() @IsString() @MaxLength(32) phone?: string;
  @ApiPropertyOptional({ example: 'ID' }) @IsOptional() @Matches(/^[A-Z]{2}$/) country?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { discount: '25%', code: 'SPRING-7', city: 'Bandung' } })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, unknown>;
  @ApiPropertyOptional({ type: [String], example: ['vip'] }) @IsOptional() @IsArray() @IsString({ each: true }) tags?: string[];
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

  @ApiPropertyOptional({ example: '1042', description: 'Preview for this contact…' })
  @IsOptional()
  @Matches(/^[1-9][0-9]{0,17}$/, { message: 'contactId must be a contact id' })
  contactId?: string;

  @ApiPropertyOptional({ type: PreviewContactDto, description: '…or for these values' })
  @IsOptional()
  @ValidateNested()
  @Type(() => PreviewContactDto)
  contact?: PreviewContactDto;

  @ApiPropertyOptional({
    example: 'id-ID',
    maxLength: 64,
    description: 'BCP 47 locale for the date, currency and case helpers (default: the template language). `en_US` is not one: write `en-US`.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Transform(canonical(canonicalLocale))
  @IsLocale()
  locale?: string;

  @ApiPropertyOptional({
    example: 'Asia/Jakarta',
    maxLength: 64,
    description: 'IANA time zone for the date helper (default UTC); any name or alias Intl accepts (UTC, Etc/GMT+7, Asia/Calcutta)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Transform(canonical(canonicalTimeZone))
  @IsTimeZone()
  timeZone?: string;
}
