import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation';

export const COUNTRY_PATTERN = /^[A-Z]{2}$/;
export const TAG_RULES = 'at most 100 tags of 1-64 characters';

const trimTags = ({ value }: { value: unknown }) =>
  Array.isArray(value) ? [...new Set(value.map((t) => (typeof t === 'string' ? t.trim() : t)))] : value;

/** ISO 3166-1 codes in any case (`id`, `Id`) become upper case (`ID`); other values stay, for the validator to refuse. */
export const upperCountry = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value);

/**
 * Fields a client may set on a contact besides its identity. Null: `name: null` clears the name
 * (on create: no name); `attributes: null` and `tags: null` are refused with 400 VALIDATION_FAILED
 * naming the field. Null there could mean "unchanged" (as many serialisers write an unset field)
 * or "clear everything", and guessing wrong loses data: `tags: []` removes every tag, and an
 * attribute set to null (`{"city": null}`) removes that key.
 */
export class ContactFieldsDto {
  @ApiPropertyOptional({ type: String, example: 'Ana Wijaya', nullable: true, maxLength: 256, description: 'null clears it (PATCH); on create, the same as leaving it out' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  name?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { city: 'Jakarta', plan: 'gold' },
    description:
      'Free-form data for template bindings and filters. PATCH merges key by key; a null value removes the key. Not nullable: attributes: null is refused (400), list the keys to remove with null values instead. Keys __proto__, constructor and prototype are refused; numbers must be finite.',
  })
  @IsOptionalNotNull('leave it out to keep them; a key set to null ({"city": null}) removes that key')
  @IsObject()
  attributes?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [String], example: ['vip'], description: `${TAG_RULES}; PATCH replaces them ([] removes every tag). Not nullable: tags: null is refused (400)` })
  @IsOptionalNotNull('send [] to remove every tag, or leave it out to keep them')
  @Transform(trimTags)
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(64, { each: true })
  tags?: string[];
}

export class DefaultCountryDto {
  @ApiPropertyOptional({ example: 'ID', description: 'ISO 3166-1 alpha-2 country (any case: ID or id) for numbers written in national format' })
  @IsOptionalNotNull()
  @Transform(upperCountry)
  @Matches(COUNTRY_PATTERN, { message: 'defaultCountry must be an ISO 3166-1 alpha-2 code such as ID' })
  defaultCountry?: string;
}
