import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsArray, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { canonicalLocale, canonicalTimeZone, IsLocale, IsOptionalNotNull, IsTimeZone, LOCALE_RULE } from '../../common/validation';

/** Valid values become their canonical form (`asia/jakarta` → `Asia/Jakarta`); others stay, for the validator to name. */
const canonical =
  (of: (value: string) => string | null) =>
  ({ value }: { value: unknown }): unknown =>
    typeof value === 'string' ? (of(value) ?? value) : value;

/**
 * The values of a contact to preview with. `name`, `phone` and `country` may be null, as a stored
 * contact's may (the expression then reads nothing); `attributes` and `tags` may be left out (none)
 * but not null.
 */
export class PreviewContactDto {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'Ana', description: 'null: no name' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  name?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: '+6281234567890', description: 'null: no phone' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  phone?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'ID', description: 'null: no country' })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/)
  country?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { discount: '25%', code: 'SPRING-7', city: 'Bandung' },
    description: 'Not nullable (leave it out for none). Numbers must be finite; keys __proto__, constructor and prototype are refused.',
  })
  @IsOptionalNotNull('leave it out for none')
  @IsObject()
  attributes?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [String], example: ['vip'], description: 'Not nullable (leave it out for none)' })
  @IsOptionalNotNull('leave it out for none')
  @IsArray()
  @IsString({ each: true })
  tags?: string[];
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
  @IsOptionalNotNull('give contactId or contact')
  @Matches(/^[1-9][0-9]{0,17}$/, { message: 'contactId must be a contact id' })
  contactId?: string;

  @ApiPropertyOptional({ type: PreviewContactDto, description: '…or for these values' })
  @IsOptionalNotNull('give contactId or contact')
  @ValidateNested()
  @Type(() => PreviewContactDto)
  contact?: PreviewContactDto;

  @ApiPropertyOptional({
    example: 'id-ID',
    maxLength: 64,
    description: `${LOCALE_RULE.replace(/^a /, 'A ')}, for the date, currency and case helpers (default: the template language). \`en_US\` is not one: write \`en-US\`; a locale without data (\`zz\`) is refused rather than shown in English.`,
  })
  @IsOptionalNotNull('leave it out for the template language')
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
  @IsOptionalNotNull('leave it out for UTC')
  @IsString()
  @MaxLength(64)
  @Transform(canonical(canonicalTimeZone))
  @IsTimeZone()
  timeZone?: string;
}
