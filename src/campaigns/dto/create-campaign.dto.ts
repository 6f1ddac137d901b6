import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  registerDecorator,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { IANAZone } from 'luxon';
import { IsApiDate, IsOptionalNotNull, toApiDate } from '../../common/validation';
import { COUNTRY_PATTERN } from '../../contacts/dto/contact-fields';
import { CONCRETE_SCOPES, type ConcreteScope } from '../../contacts/consent';

const HOUR_MINUTE = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

/** Whether the value is an IANA time zone name Luxon (and so the dispatcher) knows. */
function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be an IANA time zone such as Asia/Jakarta`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && value.length <= 64 && IANAZone.isValidZone(value) && value.includes('/') },
    });
}

/**
 * The local hours a campaign may send in: from `from` (inclusive) to `to` (exclusive), 24-hour
 * "HH:mm" in `timeZone`; a `to` before `from` spans midnight. The zone is required: hours without
 * one would be guessed.
 */
export class SendWindowDto {
  @ApiProperty({ example: '08:00' })
  @IsString()
  @Matches(HOUR_MINUTE, { message: 'from must be a 24-hour time HH:mm' })
  from: string;

  @ApiProperty({ example: '20:00' })
  @IsString()
  @Matches(HOUR_MINUTE, { message: 'to must be a 24-hour time HH:mm' })
  to: string;

  @ApiProperty({ example: 'Asia/Jakarta', description: 'IANA time zone of the hours' })
  @IsTimeZone()
  timeZone: string;
}

/** Tags are stored trimmed (contact-fields.ts), so a tag in an audience is compared trimmed too. */
const trimEach = ({ value }: { value: unknown }) => (Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.trim() : v)) : value);
const upperEach = ({ value }: { value: unknown }) => (Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.trim().toUpperCase() : v)) : value);

/** An object whose every value is a string of at most `max` characters (attribute equality: text to text). */
function IsTextMap(max: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isTextMap',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must map attribute names to text values of at most ${max} characters`, ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string' && v.length <= max),
      },
    });
}

/** A list of tags in an audience condition: at most 100 of 1-64 characters, compared trimmed; optional, not nullable. */
function TagList(what: string, example?: string[]): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: [String],
      maxItems: 100,
      description: `${what} (at most 100 tags of 1-64 characters, compared trimmed)`,
      ...(example ? { example } : {}),
    }),
    IsOptionalNotNull('leave it out for no condition'),
    Transform(trimEach),
    IsArray(),
    ArrayMaxSize(100),
    IsString({ each: true }),
    MinLength(1, { each: true }),
    MaxLength(64, { each: true }),
  );
}

export class AudienceTagsDto {
  @TagList('Contacts with at least one of these tags', ['vip', 'newsletter'])
  any?: string[];

  @TagList('Contacts with every one of these tags')
  all?: string[];

  @TagList('Contacts with none of these tags', ['churned'])
  none?: string[];
}

/**
 * Who a campaign is for. Every part given narrows it (they combine with AND); `{}` is every
 * contact. Erased contacts are never in an audience. No field is nullable: leave one out instead.
 */
export class AudienceDto {
  @ApiPropertyOptional({ type: AudienceTagsDto })
  @IsOptionalNotNull('leave it out for no tag condition')
  @ValidateNested()
  @Type(() => AudienceTagsDto)
  tags?: AudienceTagsDto;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 250,
    example: ['ID', 'MY'],
    description: "ISO 3166-1 alpha-2 countries of the contacts' numbers, in any case (id becomes ID)",
  })
  @IsOptionalNotNull('leave it out for every country')
  @Transform(upperEach)
  @IsArray()
  @ArrayMaxSize(250)
  @Matches(COUNTRY_PATTERN, { each: true, message: 'each of countries must be an ISO 3166-1 alpha-2 code such as ID' })
  countries?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { city: 'Jakarta' },
    description: 'Attribute equality, text to text: contacts whose attributes hold every one of these values',
  })
  @IsOptionalNotNull('leave it out for no attribute condition')
  @IsObject()
  @IsTextMap(1000)
  attributes?: Record<string, string>;

  @ApiPropertyOptional({ type: String, format: 'uuid', description: 'The contacts a CSV import inserted or updated' })
  @IsOptionalNotNull('leave it out for contacts from anywhere')
  @IsUUID('all', { message: 'importId must be the id of an import' })
  importId?: string;

  @ApiPropertyOptional({ type: [String], maxItems: 10_000, example: ['1042', '1043'], description: 'Contact ids (at most 10,000; for more, use an import or tags)' })
  @IsOptionalNotNull('leave it out for no list of contacts')
  @IsArray()
  @ArrayMaxSize(10_000)
  @Matches(/^[1-9][0-9]{0,17}$/, { each: true, message: 'each of contactIds must be a contact id' })
  contactIds?: string[];
}

/**
 * A new campaign: a template with its binding, or a session message (with an optional fallback
 * template for recipients whose window is closed); who it goes to; from which number; when. No
 * field is nullable: leave an optional one out.
 */
export class CreateCampaignDto {
  @ApiProperty({ example: 'Promo Ramadan 2026', minLength: 1, maxLength: 200 })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: '106540352242922', description: "The sender: Meta's phone number id of a registered number (POST /v1/phone-numbers)" })
  @Matches(/^[0-9]{1,32}$/, { message: 'phoneNumberId must be the digits of a phone number id' })
  phoneNumberId: string;

  @ApiPropertyOptional({ type: String, format: 'uuid', description: 'The template to send (with binding); or give session instead' })
  @IsOptionalNotNull('leave it out for a session message')
  @IsString()
  @MaxLength(64)
  templateId?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "The template's parameters bound to contact data, as POST /v1/templates/:id/preview takes it; checked against the template now",
    example: { 'body.1': '{{title name}}', 'body.2': '{{default attributes.discount "10%"}}' },
  })
  @IsOptionalNotNull('leave it out for a session message')
  @IsObject()
  binding?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'A session message (text, image, video, audio, document, sticker, location, contacts or interactive) whose strings may hold expressions over the contact; sent only inside a 24-hour customer service window',
    example: { type: 'text', text: { body: 'Halo {{title name}}, pesanan {{attributes.order}} sudah siap.' } },
  })
  @IsOptionalNotNull('leave it out for a template campaign')
  @IsObject()
  session?: Record<string, unknown>;

  @ApiPropertyOptional({
    enum: CONCRETE_SCOPES,
    default: 'marketing',
    description: "The consent a session message's content needs: marketing (the default for a broadcast) or utility",
  })
  @IsOptionalNotNull('leave it out for marketing')
  @IsIn(CONCRETE_SCOPES)
  sessionScope?: ConcreteScope;

  @ApiPropertyOptional({ type: String, format: 'uuid', description: 'With session: the template sent instead to recipients whose window is closed (with fallbackBinding)' })
  @IsOptionalNotNull('leave it out for no fallback')
  @IsString()
  @MaxLength(64)
  fallbackTemplateId?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: "The fallback template's binding" })
  @IsOptionalNotNull('leave it out for no fallback')
  @IsObject()
  fallbackBinding?: Record<string, unknown>;

  @ApiProperty({ type: AudienceDto, description: 'Who it is for; {} is every contact' })
  @IsObject()
  @ValidateNested()
  @Type(() => AudienceDto)
  audience: AudienceDto;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    example: '2026-03-01T09:00:00+07:00',
    description: 'When a launch starts it (ISO 8601 with a zone); a time already past when launched starts it at once',
  })
  @IsOptionalNotNull('leave it out to start when launched')
  @Transform(toApiDate)
  @IsApiDate()
  scheduledAt?: Date;

  @ApiPropertyOptional({
    type: SendWindowDto,
    description: 'Local hours the campaign may send in; outside them it waits (recipients stay pending). Leave it out to send at any hour',
  })
  @IsOptionalNotNull('leave it out to send at any hour')
  @IsObject()
  @ValidateNested()
  @Type(() => SendWindowDto)
  sendWindow?: SendWindowDto;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, example: 20, description: "Messages per second at most; not above the number's throughput" })
  @IsOptionalNotNull("leave it out for the number's throughput")
  @IsInt()
  @Min(1)
  @Max(1000)
  maxMps?: number;
}
