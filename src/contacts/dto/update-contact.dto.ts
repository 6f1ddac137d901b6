import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { ContactFieldsDto } from './contact-fields';

/**
 * `name: null` clears the name; attributes merge key by key (a null value removes the key); tags
 * replace (`[]` removes them all). `attributes: null` and `tags: null` are 400 VALIDATION_FAILED
 * (see ContactFieldsDto). The phone number cannot change: consent belongs to the person behind a
 * number, so a new number is a new contact. `phone` is accepted only to say so (422
 * CONTACT_PHONE_IMMUTABLE), or when it is the contact's own number (nothing changes; `null` for a
 * contact without one).
 */
export class UpdateContactDto extends ContactFieldsDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '+6281234567890',
    description: "Cannot change: a different number answers 422 CONTACT_PHONE_IMMUTABLE (create a new contact); the contact's own number is accepted and changes nothing",
  })
  @IsOptional()
  phone?: unknown;
}
