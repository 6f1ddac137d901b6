import { ContactFieldsDto } from './contact-fields';

/**
 * `name: null` clears the name; attributes merge key by key (a null value removes the key); tags
 * replace. The phone number cannot change: consent belongs to the person behind a number, so a new
 * number is a new contact.
 */
export class UpdateContactDto extends ContactFieldsDto {}
