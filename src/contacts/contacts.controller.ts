import { applyDecorators, Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentApiKey } from '../auth/current-api-key.decorator';
import type { ApiPrincipal } from '../auth/api-keys.service';
import { ApiErrors } from '../common/api-errors.decorator';
import { ConsentService } from './consent.service';
import { ContactsService } from './contacts.service';
import { ListConsentsQuery, OptInDto, OptOutDto } from './dto/consent.dto';
import {
  ConsentLedgerView,
  consentEventView,
  ConsentRecordedView,
  consentView,
  ContactCountView,
  ContactIdentityView,
  contactIdentityView,
  ContactPageView,
  ContactView,
  contactView,
} from './dto/contact.view';
import { CreateContactDto } from './dto/create-contact.dto';
import { ContactFilterQuery, ListContactsQuery } from './dto/list-contacts.query';
import { UpdateContactDto } from './dto/update-contact.dto';

/** `attributes[city]=Jakarta`: an object in the query string (express's extended parser), as OpenAPI describes one. */
const ApiAttributesQuery = () =>
  applyDecorators(
    ApiQuery({
      name: 'attributes',
      required: false,
      style: 'deepObject',
      explode: true,
      schema: { type: 'object', additionalProperties: { type: 'string' }, example: { city: 'Jakarta' } },
      description: 'Attribute equality, one text value per key: attributes[city]=Jakarta',
    }),
  );

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('v1/contacts')
export class ContactsController {
  constructor(
    private readonly contacts: ContactsService,
    private readonly consent: ConsentService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a contact' })
  @ApiCreatedResponse({ type: ContactView })
  @ApiErrors('CONTACT_PHONE_INVALID', 'CONTACT_ALREADY_EXISTS')
  async create(@Body() dto: CreateContactDto): Promise<ContactView> {
    return contactView(await this.contacts.create(dto));
  }

  @Get()
  @ApiOperation({
    summary: 'List contacts, filtered, in pages (keyset, id order)',
    description: 'Filters combine with AND: q (name contains, any case), phone, tag (each), country, attributes[key], consent.',
  })
  @ApiAttributesQuery()
  @ApiOkResponse({ type: ContactPageView })
  @ApiErrors('CONTACT_PHONE_INVALID', 'INVALID_CURSOR')
  async list(@Query() query: ListContactsQuery): Promise<ContactPageView> {
    const page = await this.contacts.list(query);
    return { data: page.data.map(contactView), nextCursor: page.nextCursor };
  }

  @Get('count')
  @ApiOperation({ summary: 'Count the contacts that match the same filters as the list' })
  @ApiAttributesQuery()
  @ApiOkResponse({ type: ContactCountView })
  @ApiErrors('CONTACT_PHONE_INVALID')
  async count(@Query() query: ContactFilterQuery): Promise<ContactCountView> {
    return { count: await this.contacts.count(query) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a contact' })
  @ApiOkResponse({ type: ContactView })
  @ApiErrors('CONTACT_NOT_FOUND')
  async get(@Param('id') id: string): Promise<ContactView> {
    return contactView(await this.contacts.get(id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update name, attributes (merged; null removes a key) or tags (replaced); the phone cannot change' })
  @ApiOkResponse({ type: ContactView })
  @ApiErrors('CONTACT_NOT_FOUND', 'CONTACT_PHONE_IMMUTABLE')
  async update(@Param('id') id: string, @Body() dto: UpdateContactDto): Promise<ContactView> {
    return contactView(await this.contacts.update(id, dto));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a contact: personal data is erased; phone and consent are kept so opt-outs still hold' })
  @ApiNoContentResponse()
  @ApiErrors('CONTACT_NOT_FOUND')
  async remove(@Param('id') id: string): Promise<void> {
    await this.contacts.remove(id);
  }

  @Post(':id/opt-in')
  @ApiOperation({ summary: 'Record an opt-in, with its evidence' })
  @ApiCreatedResponse({ type: ConsentRecordedView })
  @ApiErrors('CONTACT_NOT_FOUND', 'CONSENT_EVIDENCE_REQUIRED', 'CONSENT_TIME_IN_FUTURE')
  async optIn(@Param('id') id: string, @Body() dto: OptInDto, @CurrentApiKey() key: ApiPrincipal): Promise<ConsentRecordedView> {
    const result = await this.consent.record(id, { ...dto, kind: 'opt_in', source: 'api', apiKeyId: key.id });
    return { event: consentEventView(result.event), consent: consentView(result.consent) };
  }

  @Post(':id/opt-out')
  @ApiOperation({ summary: 'Record an opt-out (scope all unless given); honoured at once' })
  @ApiCreatedResponse({ type: ConsentRecordedView })
  @ApiErrors('CONTACT_NOT_FOUND', 'CONSENT_TIME_IN_FUTURE')
  async optOut(@Param('id') id: string, @Body() dto: OptOutDto, @CurrentApiKey() key: ApiPrincipal): Promise<ConsentRecordedView> {
    const result = await this.consent.record(id, { ...dto, scope: dto.scope ?? 'all', kind: 'opt_out', source: 'api', apiKeyId: key.id });
    return { event: consentEventView(result.event), consent: consentView(result.consent) };
  }

  @Get(':id/identity')
  @ApiOperation({ summary: "A contact's WhatsApp identity: wa_id, BSUID, earlier numbers and merges, and its customer service window per business number" })
  @ApiOkResponse({ type: ContactIdentityView })
  @ApiErrors('CONTACT_NOT_FOUND')
  async identity(@Param('id') id: string): Promise<ContactIdentityView> {
    return contactIdentityView(await this.contacts.identity(id));
  }

  @Get(':id/consents')
  @ApiOperation({ summary: 'The consent ledger of a contact, oldest first, with its current state' })
  @ApiOkResponse({ type: ConsentLedgerView })
  @ApiErrors('CONTACT_NOT_FOUND', 'INVALID_CURSOR')
  async consents(@Param('id') id: string, @Query() query: ListConsentsQuery): Promise<ConsentLedgerView> {
    const ledger = await this.consent.ledgerOf(id, query.cursor);
    return { consent: consentView(ledger.consent), data: ledger.data.map(consentEventView), nextCursor: ledger.nextCursor };
  }
}
