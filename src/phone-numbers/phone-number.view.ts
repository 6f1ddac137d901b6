import { ApiProperty } from '@nestjs/swagger';
import { MESSAGING_LIMITS, type PhoneNumber } from './phone-number';

export class PhoneNumberView {
  @ApiProperty({ example: '1000000001', description: "Meta's phone number id" }) phoneNumberId: string;
  @ApiProperty({ example: '2000000001' }) wabaId: string;
  @ApiProperty({ example: 'ID', description: 'ISO 3166-1 alpha-2 of the Business Manager address' }) businessCountry: string;
  @ApiProperty({ type: String, nullable: true, example: '3000000001' }) businessPortfolioId: string | null;
  @ApiProperty({ type: 'integer', example: 80, description: 'Messages per second WhatsApp accepts from this number' }) throughputMps: number;
  @ApiProperty({ enum: MESSAGING_LIMITS, nullable: true, example: 'TIER_10K', description: "The portfolio's messaging limit; null: unknown" })
  messagingLimit: string | null;
  @ApiProperty({ example: false }) marketingMessagesApi: boolean;
  @ApiProperty({ type: String, nullable: true, example: '+62 21 5000 0001', description: 'As WhatsApp shows it; null until refreshed' }) displayPhoneNumber: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'Toko Siaran' }) verifiedName: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'GREEN', description: "WhatsApp's quality rating (GREEN, YELLOW, RED, UNKNOWN, NA); null: unknown" })
  qualityRating: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When WhatsApp’s view of it was last read (refresh) or received (webhook)' })
  refreshedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: string;
}

export class PhoneNumberPageView {
  @ApiProperty({ type: [PhoneNumberView] }) data: PhoneNumberView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export function phoneNumberView(n: PhoneNumber): PhoneNumberView {
  return {
    phoneNumberId: n.phoneNumberId,
    wabaId: n.wabaId,
    businessCountry: n.businessCountry,
    businessPortfolioId: n.businessPortfolioId,
    throughputMps: n.throughputMps,
    messagingLimit: n.messagingLimit,
    marketingMessagesApi: n.marketingMessagesApi,
    displayPhoneNumber: n.displayPhoneNumber,
    verifiedName: n.verifiedName,
    qualityRating: n.qualityRating,
    refreshedAt: n.refreshedAt?.toISOString() ?? null,
    createdAt: n.createdAt.toISOString(),
    updatedAt: n.updatedAt.toISOString(),
  };
}
