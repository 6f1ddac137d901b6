import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ContactFieldsDto, DefaultCountryDto } from './contact-fields';

export class CreateContactDto extends IntersectionType(ContactFieldsDto, DefaultCountryDto) {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '+62 812-3456-7890',
    description: 'Any format; stored in E.164. Phone or bsuid is required; null is the same as leaving it out.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  phone?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: 'ID.1349120865530274',
    description: 'Business-scoped user id, for users known only by username; null is the same as leaving it out',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,128}$/, { message: 'bsuid must be 1-128 letters, digits, . _ -' })
  bsuid?: string | null;
}
