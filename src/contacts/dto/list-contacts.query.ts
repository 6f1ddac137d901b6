import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsArray, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { COUNTRY_PATTERN, DefaultCountryDto, upperCountry } from './contact-fields';

/** The filters of GET /v1/contacts, which GET /v1/contacts/count takes too. */
export class ContactFilterQuery extends DefaultCountryDto {
  @ApiPropertyOptional({
    example: 'ana',
    minLength: 1,
    maxLength: 100,
    description: 'Name contains this text, in any case ("ana" finds "Ana Wijaya" and "Diana"); % and _ are plain characters',
  })
  @IsOptional()
  @IsString()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @MinLength(1)
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({ example: '+6281234567890', description: 'Exact phone number, in any format (see defaultCountry)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  phone?: string;

  @ApiPropertyOptional({ type: [String], example: ['vip'], description: 'Contacts carrying every given tag (repeat the parameter)' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? [value] : value))
  @IsArray()
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  tag?: string[];

  @ApiPropertyOptional({ example: 'ID', description: 'ISO 3166-1 alpha-2 country of the number (any case)' })
  @IsOptional()
  @Transform(upperCountry)
  @Matches(COUNTRY_PATTERN, { message: 'country must be an ISO 3166-1 alpha-2 code' })
  country?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { city: 'Jakarta' },
    description: 'Attribute equality, one text value per key: attributes[city]=Jakarta',
  })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, string>;

  @ApiPropertyOptional({ example: 'marketing:opted_in', description: '<marketing|utility>:<opted_in|opted_out|none>' })
  @IsOptional()
  @Matches(/^(marketing|utility):(opted_in|opted_out|none)$/, { message: 'consent must look like marketing:opted_in' })
  consent?: string;
}

export class ListContactsQuery extends ContactFilterQuery {
  @ApiPropertyOptional({ type: 'integer', default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor from the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;
}
