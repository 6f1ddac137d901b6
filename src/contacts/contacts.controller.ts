import { applyDecorators, Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { CurrentApiKey } from '../auth/current-api-key.decorator';
import type { ApiPrincipal } from '../auth/api-keys.service';
import { ApiErrors } from '../common/api-errors.decorator';
import { ConsentService } from './consent.service';
import { ContactsService } from './contacts.service';
import { DataSubjectService } from './data-subject.service';
import { ContactExportView, contactExportView, ErasureView, erasureView } from './dto/data-subject.view';
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
    private readonly subjects: DataSubjectService,
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
  @ApiOperation({
    summary: 'Delete a contact: the same erasure as POST /v1/contacts/{id}/erase, for a contact not deleted yet (404 once it is)',
    description: 'Personal data is erased everywhere; phone, BSUID and consent are kept so opt-outs still hold.',
  })
  @ApiNoContentResponse()
  @ApiErrors('CONTACT_NOT_FOUND')
  async remove(@Param('id') id: string): Promise<void> {
    await this.subjects.erase(id, { live: true });
  }

  @Get(':id/export')
  @ApiOperation({
    summary: 'Everything held about a person, as one JSON document (right of access)',
    description:
      'The contact (all fields, deleted or erased ones too), contacts merged into it, identity history, windows, consent events with wording and evidence, ' +
      'inbound messages, campaign participation (decision, reason, what was sent, delivery, error) and the status events of its messages. Each list is capped; `truncated` says when there were more.',
  })
  @ApiOkResponse({ type: ContactExportView })
  @ApiErrors('CONTACT_NOT_FOUND')
  async export(@Param('id') id: string): Promise<ContactExportView> {
    return contactExportView(await this.subjects.export(id));
  }

  @Post(':id/erase')
  @HttpCode(200)
  @ApiOperation({
    summary: "Erase a person's personal data everywhere, in one transaction (right to erasure); idempotent",
    description:
      'Clears name, attributes, tags and wa_id; consent wording and evidence references; inbound message text; the content of what campaigns sent ' +
      '(the template name and language stay); the values of import rows with the number; the person\'s messages and profile in processed raw webhook deliveries. ' +
      'Keeps the phone, BSUID and consent state and events (kind, scope, source, times: an opt-out keeps holding) and each send with its outcome. ' +
      'The contact is deleted (no campaign reaches it) and marked erased. Contacts merged into it are erased too.',
  })
  @ApiOkResponse({ type: ErasureView })
  @ApiErrors('CONTACT_NOT_FOUND')
  async erase(@Param('id') id: string): Promise<ErasureView> {
    return erasureView(await this.subjects.erase(id));
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
