import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsArray, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { COUNTRY_PATTERN, DefaultCountryDto } from './contact-fields';

export class ListContactsQuery extends DefaultCountryDto {
  @ApiPropertyOptional({ description: 'Exact phone number, in any format (see defaultCountry)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  phone?: string;

  @ApiPropertyOptional({ type: [String], description: 'Contacts carrying every given tag (repeat the parameter)' })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? [value] : value))
  @IsArray()
  @IsString({ each: true })
  tag?: string[];

  @ApiPropertyOptional({ example: 'ID' })
  @IsOptional()
  @Matches(COUNTRY_PATTERN, { message: 'country must be an ISO 3166-1 alpha-2 code' })
  country?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Attribute equality: attributes[city]=Jakarta',
  })
  @IsOptional()
  @IsObject()
  attributes?: Record<string, string>;

  @ApiPropertyOptional({ example: 'marketing:opted_in', description: '<marketing|utility>:<opted_in|opted_out|none>' })
  @IsOptional()
  @Matches(/^(marketing|utility):(opted_in|opted_out|none)$/, { message: 'consent must look like marketing:opted_in' })
  consent?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
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
