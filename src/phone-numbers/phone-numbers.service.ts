import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../common/domain-error';
import { decodeTimeCursor, encodeCursor, type Page } from '../common/pagination';
import { CloudApiClient } from '../whatsapp/cloud-api.client';
import type { PhoneNumberInfo } from '../whatsapp/cloud-api.types';
import { graphFailure } from '../whatsapp/graph-failure';
import { requireWhatsappSettings } from '../whatsapp/whatsapp-settings';
import type { CreatePhoneNumberDto } from './dto/create-phone-number.dto';
import type { ListPhoneNumbersQuery } from './dto/list-phone-numbers.query';
import type { UpdatePhoneNumberDto } from './dto/update-phone-number.dto';
import { DEFAULT_THROUGHPUT_MPS, META_ID, messagingLimitOf, type PhoneNumber, throughputMpsOf } from './phone-number';
import { PhoneNumbersRepository, type WhatsappView } from './phone-numbers.repository';

/**
 * The business phone numbers campaigns are sent from: registered by a client or, for the configured
 * number, at the API's start-up; refreshed from the Graph API on request; kept up to date by
 * `phone_number_quality_update` webhooks (PhoneNumberEventsHandler).
 */
@Injectable()
export class PhoneNumbersService {
  private readonly logger = new Logger(PhoneNumbersService.name);

  constructor(
    private readonly numbers: PhoneNumbersRepository,
    private readonly cloud: CloudApiClient,
    private readonly config: AppConfig,
  ) {}

  /**
   * Registers a sender with the defaults WhatsApp gives a new number (80 mps, the Marketing
   * Messages API off). Nothing is read from WhatsApp: a refresh does that. 409 PHONE_NUMBER_EXISTS
   * when the number is registered already (its settings are not changed: PATCH does that).
   */
  async register(dto: CreatePhoneNumberDto): Promise<PhoneNumber> {
    const row = await this.numbers.insert({
      phoneNumberId: dto.phoneNumberId,
      wabaId: dto.wabaId,
      businessCountry: dto.businessCountry,
      businessPortfolioId: dto.businessPortfolioId ?? null,
      throughputMps: dto.throughputMps ?? DEFAULT_THROUGHPUT_MPS,
      messagingLimit: dto.messagingLimit ?? null,
      marketingMessagesApi: dto.marketingMessagesApi ?? false,
    });
    if (!row) throw new DomainError('PHONE_NUMBER_EXISTS', `Phone number ${dto.phoneNumberId} is already registered: change it with PATCH /v1/phone-numbers/${dto.phoneNumberId}`);
    return row;
  }

  /**
   * A registered sender, by Meta's phone number id: what campaigns send from. Throws DomainError
   * PHONE_NUMBER_NOT_FOUND (404) for a number that is not registered (any id that is not
   * Meta's 1 to 32 digits included).
   */
  /** The number when it is registered; undefined otherwise (any id). For callers with their own answer (a campaign's 409 PHONE_NUMBER_NOT_REGISTERED). */
  async find(phoneNumberId: string): Promise<PhoneNumber | undefined> {
    return META_ID.test(phoneNumberId) ? this.numbers.find(phoneNumberId) : undefined;
  }

  async get(phoneNumberId: string): Promise<PhoneNumber> {
    const row = META_ID.test(phoneNumberId) ? await this.numbers.find(phoneNumberId) : undefined;
    if (!row) throw notRegistered(phoneNumberId);
    return row;
  }

  /** Newest first, `limit` (default 50, at most 200) a page; a cursor that is not one of ours is 400 INVALID_CURSOR. */
  async list(query: ListPhoneNumbersQuery): Promise<Page<PhoneNumber>> {
    const limit = query.limit ?? 50;
    const afterKey = decodeTimeCursor(query.cursor, META_ID);
    const found = await this.numbers.list({ afterKey, limit });
    const data = found.slice(0, limit).map(({ cursorKey: _key, ...row }) => row);
    return { data, nextCursor: found.length > limit ? encodeCursor(found[limit - 1].cursorKey) : null };
  }

  /** Changes the fields given (validated as on registration); 404 PHONE_NUMBER_NOT_FOUND. */
  async update(phoneNumberId: string, dto: UpdatePhoneNumberDto): Promise<PhoneNumber> {
    const row = META_ID.test(phoneNumberId) ? await this.numbers.update(phoneNumberId, dto) : undefined;
    if (!row) throw notRegistered(phoneNumberId);
    return row;
  }

  /**
   * Reads the number from the Graph API (GET /{phone-number-id}: display number, verified name,
   * quality rating, throughput level and the portfolio's messaging limit) and stores what it says:
   * WhatsApp's throughput and limit replace the ones given at registration or by PATCH. A level or
   * tier Siaran cannot hold (see throughputMpsOf, messagingLimitOf) leaves that field as it was, and
   * is logged. The call happens outside any transaction.
   *
   * Errors: 404 PHONE_NUMBER_NOT_FOUND (before any call); 503 WHATSAPP_NOT_CONFIGURED without
   * WHATSAPP_ACCESS_TOKEN; 422 PHONE_NUMBER_REFUSED_BY_WHATSAPP (Graph's own refusal, such as a
   * number this token cannot see, with `details.whatsappCode`); 502 WHATSAPP_UNAVAILABLE.
   */
  async refresh(phoneNumberId: string): Promise<PhoneNumber> {
    await this.get(phoneNumberId);
    requireWhatsappSettings(this.config, ['WHATSAPP_ACCESS_TOKEN'], 'read the phone number from WhatsApp');
    let info: PhoneNumberInfo;
    try {
      info = await this.cloud.getPhoneNumber(phoneNumberId);
    } catch (error) {
      throw graphFailure(error, 'read the phone number', 'PHONE_NUMBER_REFUSED_BY_WHATSAPP');
    }
    const row = await this.numbers.applyWhatsappView(phoneNumberId, this.viewOf(phoneNumberId, info), { event: false });
    if (!row) throw notRegistered(phoneNumberId);
    return row;
  }

  /**
   * Registers the configured number (WHATSAPP_PHONE_NUMBER_ID in WHATSAPP_WABA_ID) with
   * WHATSAPP_BUSINESS_COUNTRY, if it is not registered yet; a registered one is left as it is.
   * Without the country (or the WABA) it logs a warning and registers nothing: a business country
   * is never guessed. Safe when several API processes start at once (INSERT … ON CONFLICT DO NOTHING).
   */
  async registerConfigured(): Promise<void> {
    const { phoneNumberId, wabaId, businessCountry } = this.config.whatsapp;
    if (!phoneNumberId) return;
    if (!wabaId || !businessCountry) {
      const missing = [...(wabaId ? [] : ['WHATSAPP_WABA_ID']), ...(businessCountry ? [] : ['WHATSAPP_BUSINESS_COUNTRY'])];
      this.logger.warn(
        `WHATSAPP_PHONE_NUMBER_ID is set without ${missing.join(' and ')}: the number is not registered as a sender (its business country is never guessed); set ${missing.join(' and ')}, or register it with POST /v1/phone-numbers`,
      );
      return;
    }
    const row = await this.numbers.insert({
      phoneNumberId,
      wabaId,
      businessCountry,
      businessPortfolioId: null,
      throughputMps: DEFAULT_THROUGHPUT_MPS,
      messagingLimit: null,
      marketingMessagesApi: this.config.whatsapp.marketingMessagesApi,
    });
    if (row) this.logger.log({ phoneNumberId, wabaId, businessCountry }, 'Registered the configured phone number (WHATSAPP_PHONE_NUMBER_ID)');
  }

  /** What a Graph read says, as the columns it sets; what cannot be held is left out and logged. */
  private viewOf(phoneNumberId: string, info: PhoneNumberInfo): WhatsappView {
    const view: WhatsappView = { at: new Date() };
    if (info.display_phone_number !== undefined) view.displayPhoneNumber = info.display_phone_number;
    if (info.verified_name !== undefined) view.verifiedName = info.verified_name;
    if (info.quality_rating !== undefined) view.qualityRating = info.quality_rating;
    const level = info.throughput?.level;
    view.throughputMps = throughputMpsOf(level);
    // messaging_limit_tier is deprecated by Meta; still read when the portfolio's limit is not given.
    const tier = info.whatsapp_business_manager_messaging_limit ?? info.messaging_limit_tier;
    view.messagingLimit = messagingLimitOf(tier);
    if ((level !== undefined && view.throughputMps === undefined) || (tier !== undefined && view.messagingLimit === undefined)) {
      this.logger.warn({ phoneNumberId, throughputLevel: level ?? null, messagingLimit: tier ?? null }, 'WhatsApp gave a throughput level or messaging limit Siaran does not hold: left as it was');
    }
    return view;
  }
}

function notRegistered(phoneNumberId: string): DomainError {
  return new DomainError('PHONE_NUMBER_NOT_FOUND', `Phone number ${phoneNumberId} is not registered: register it with POST /v1/phone-numbers`);
}
