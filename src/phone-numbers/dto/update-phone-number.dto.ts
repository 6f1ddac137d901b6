import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO31661Alpha2, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation';
import { upperCountry } from '../../contacts/dto/contact-fields';
import { MESSAGING_LIMITS, META_ID, type MessagingLimit } from '../phone-number';
import { COUNTRY_MESSAGE } from './create-phone-number.dto';

/**
 * Changes a registered number: the fields of a registration but its id, validated the same way. A
 * field left out keeps its value; `businessPortfolioId: null` and `messagingLimit: null` make them
 * unknown; null in any other field is 400 VALIDATION_FAILED.
 */
export class UpdatePhoneNumberDto {
  @ApiPropertyOptional({ example: '2000000001', pattern: META_ID.source })
  @IsOptionalNotNull('leave it out to keep it')
  @IsString()
  @Matches(META_ID, { message: 'wabaId must be 1 to 32 digits' })
  wabaId?: string;

  @ApiPropertyOptional({ example: 'ID', description: 'ISO 3166-1 alpha-2 country (any case) of the Business Manager address' })
  @IsOptionalNotNull('leave it out to keep it')
  @Transform(upperCountry)
  @IsString()
  @IsISO31661Alpha2({ message: COUNTRY_MESSAGE })
  businessCountry?: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: '3000000001', pattern: META_ID.source, description: 'null: unknown' })
  @IsOptional()
  @IsString()
  @Matches(META_ID, { message: 'businessPortfolioId must be 1 to 32 digits' })
  businessPortfolioId?: string | null;

  @ApiPropertyOptional({ type: 'integer', example: 80, minimum: 1, maximum: 1000 })
  @IsOptionalNotNull('leave it out to keep it')
  @IsInt()
  @Min(1)
  @Max(1000)
  throughputMps?: number;

  @ApiPropertyOptional({ enum: MESSAGING_LIMITS, nullable: true, example: 'TIER_10K', description: 'null: unknown' })
  @IsOptional()
  @IsIn(MESSAGING_LIMITS)
  messagingLimit?: MessagingLimit | null;

  @ApiPropertyOptional({ example: false })
  @IsOptionalNotNull('leave it out to keep it')
  @IsBoolean()
  marketingMessagesApi?: boolean;
}
