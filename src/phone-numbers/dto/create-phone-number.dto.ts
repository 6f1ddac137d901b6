import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO31661Alpha2, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation';
import { upperCountry } from '../../contacts/dto/contact-fields';
import { MESSAGING_LIMITS, META_ID, type MessagingLimit } from '../phone-number';

export const COUNTRY_MESSAGE = 'businessCountry must be an ISO 3166-1 alpha-2 country code such as ID';

/**
 * Registers a business phone number. `businessPortfolioId: null` and `messagingLimit: null` mean
 * unknown (the same as leaving them out); null in any other field is 400 VALIDATION_FAILED.
 */
export class CreatePhoneNumberDto {
  @ApiProperty({ example: '1000000001', pattern: META_ID.source, description: "Meta's phone number id (WhatsApp Manager, or GET /{waba-id}/phone_numbers)" })
  @IsString()
  @Matches(META_ID, { message: "phoneNumberId must be Meta's phone number id: 1 to 32 digits" })
  phoneNumberId: string;

  @ApiProperty({ example: '2000000001', pattern: META_ID.source, description: 'The WhatsApp Business Account the number belongs to' })
  @IsString()
  @Matches(META_ID, { message: 'wabaId must be 1 to 32 digits' })
  wabaId: string;

  @ApiProperty({
    example: 'ID',
    description:
      'ISO 3166-1 alpha-2 country (any case; stored upper case) of the business’s Business Manager address: decides whether it may send marketing templates',
  })
  @Transform(upperCountry)
  @IsString()
  @IsISO31661Alpha2({ message: COUNTRY_MESSAGE })
  businessCountry: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '3000000001',
    pattern: META_ID.source,
    description: 'The business portfolio (Business Manager) id: its numbers share one messaging limit; null: unknown',
  })
  @IsOptional()
  @IsString()
  @Matches(META_ID, { message: 'businessPortfolioId must be 1 to 32 digits' })
  businessPortfolioId?: string | null;

  @ApiPropertyOptional({ type: 'integer', example: 80, default: 80, minimum: 1, maximum: 1000, description: 'Messages per second WhatsApp accepts from this number (80 unless Meta upgraded it to 1,000)' })
  @IsOptionalNotNull('leave it out for 80')
  @IsInt()
  @Min(1)
  @Max(1000)
  throughputMps?: number;

  @ApiPropertyOptional({
    enum: MESSAGING_LIMITS,
    nullable: true,
    example: 'TIER_10K',
    description: 'The portfolio’s messaging limit: unique people reached outside an open window per moving 24 hours; null: unknown (a refresh reads it)',
  })
  @IsOptional()
  @IsIn(MESSAGING_LIMITS)
  messagingLimit?: MessagingLimit | null;

  @ApiPropertyOptional({ example: false, default: false, description: 'Send MARKETING templates through /marketing_messages (the number must be onboarded to it)' })
  @IsOptionalNotNull('leave it out for false')
  @IsBoolean()
  marketingMessagesApi?: boolean;
}
