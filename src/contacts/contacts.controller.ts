import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  ContactPageView,
  ContactView,
  contactView,
} from './dto/contact.view';
import { CreateContactDto } from './dto/create-contact.dto';
import { ListContactsQuery } from './dto/list-contacts.query';
import { UpdateContactDto } from './dto/update-contact.dto';

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
  @ApiOperation({ summary: 'List contacts, filtered, in pages (keyset)' })
  @ApiOkResponse({ type: ContactPageView })
  @ApiErrors('CONTACT_PHONE_INVALID', 'INVALID_CURSOR')
  async list(@Query() query: ListContactsQuery): Promise<ContactPageView> {
    const page = await this.contacts.list(query);
    return { data: page.data.map(contactView), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a contact' })
  @ApiOkResponse({ type: ContactView })
  @ApiErrors('CONTACT_NOT_FOUND')
  async get(@Param('id') id: string): Promise<ContactView> {
    return contactView(await this.contacts.get(id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update name, attributes (merged; null removes a key) or tags (replaced)' })
  @ApiOkResponse({ type: ContactView })
  @ApiErrors('CONTACT_NOT_FOUND')
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

  @Get(':id/consents')
  @ApiOperation({ summary: 'The consent ledger of a contact, oldest first, with its current state' })
  @ApiOkResponse({ type: ConsentLedgerView })
  @ApiErrors('CONTACT_NOT_FOUND', 'INVALID_CURSOR')
  async consents(@Param('id') id: string, @Query() query: ListConsentsQuery): Promise<ConsentLedgerView> {
    const ledger = await this.consent.ledgerOf(id, query.cursor);
    return { consent: consentView(ledger.consent), data: ledger.data.map(consentEventView), nextCursor: ledger.nextCursor };
  }
}
