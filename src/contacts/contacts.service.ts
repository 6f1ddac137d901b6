import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import { decodeCursor, Page, toPage } from '../common/pagination';
import type { ConsentStatus } from './consent';
import type { Db } from '../database/sql';
import { DataSource } from 'typeorm';
import { ContactIdentitiesRepository, IdentityEventRow } from './contact-identities.repository';
import { ContactFilter, ContactPatch, ContactRow, ContactsRepository } from './contacts.repository';
import { InboundMessagesRepository } from './inbound-messages.repository';
import type { CreateContactDto } from './dto/create-contact.dto';
import type { ContactFilterQuery, ListContactsQuery } from './dto/list-contacts.query';
import type { UpdateContactDto } from './dto/update-contact.dto';
import { isCountryCode, normalisePhone } from './phone';

/** Contact ids are bigints; anything else cannot name a contact. */
const CONTACT_ID = /^[1-9][0-9]{0,17}$/;

@Injectable()
export class ContactsService {
  constructor(
    private readonly contacts: ContactsRepository,
    private readonly identities: ContactIdentitiesRepository,
    private readonly inbound: InboundMessagesRepository,
    private readonly db: DataSource,
  ) {}

  async create(dto: CreateContactDto): Promise<ContactRow> {
    if (!dto.phone && !dto.bsuid) {
      throw new DomainError('VALIDATION_FAILED', 'A contact needs a phone number or a bsuid', [
        { field: 'phone', problems: ['phone or bsuid is required'] },
      ]);
    }
    const phone = dto.phone ? this.normalise(dto.phone, dto.defaultCountry) : null;
    try {
      const row = await this.contacts.insertOrRevive({
        phone: phone?.e164 ?? null,
        bsuid: dto.bsuid ?? null,
        country: phone?.country ?? null,
        name: dto.name ?? null,
        attributes: dto.attributes ?? {},
        tags: dto.tags ?? [],
      });
      if (row) return row;
    } catch (error) {
      if ((error as { code?: string }).code !== '23505') throw error;
    }
    const existing = phone ? await this.contacts.findIdByPhone(phone.e164) : undefined;
    throw new DomainError('CONTACT_ALREADY_EXISTS', 'A contact with this phone number or bsuid already exists', {
      contactId: existing ?? null,
    });
  }

  async get(id: string): Promise<ContactRow> {
    const row = CONTACT_ID.test(id) ? await this.contacts.findById(id) : undefined;
    if (!row) throw notFound(id);
    return row;
  }

  /**
   * A contact's WhatsApp identity: its identifiers, its history (number and BSUID changes, merges),
   * and its customer service windows per business phone number (open until lastInboundAt + 24 h).
   */
  async identity(id: string): Promise<{ contact: ContactRow; history: IdentityEventRow[]; windows: Array<{ phoneNumberId: string; lastInboundAt: Date }> }> {
    const contact = await this.get(id);
    const [history, windows] = await Promise.all([this.identities.historyOf(this.db, id), this.inbound.windowsOf(this.db, id)]);
    return { contact, history, windows };
  }

  /**
   * The wa_ids WhatsApp uses for phones we sent to (status `recipient_id`s, the send API's
   * `contacts[].wa_id`), each kept on the contact whose phone is one of its forms, in the caller's
   * transaction (contact-identities.repository.ts learnWaIds). Resolves with how many contacts
   * learnt one.
   */
  learnWaIds(db: Db, waIds: readonly string[]): Promise<number> {
    return this.identities.learnWaIds(db, waIds);
  }

  /**
   * Users that a status showed by wa_id and BSUID together: each pair is one person, whose contacts
   * become one, in the caller's transaction (contact-identities.repository.ts joinUsers). Resolves
   * with the pairs that are on one contact now.
   */
  joinUsers(db: Db, users: ReadonlyArray<{ waId: string; bsuid: string; at: Date }>): Promise<Array<{ waId: string; bsuid: string }>> {
    return this.identities.joinUsers(db, users);
  }

  /** One page of contacts matching the filters, in id order (keyset: `cursor` is the last page's nextCursor). */
  async list(query: ListContactsQuery): Promise<Page<ContactRow>> {
    const limit = query.limit ?? 50;
    const afterId = decodeCursor(query.cursor);
    if (afterId && !CONTACT_ID.test(afterId)) throw new DomainError('INVALID_CURSOR', 'Bad cursor');
    return toPage(await this.contacts.list({ ...this.filterOf(query), limit, afterId }), limit);
  }

  /** How many contacts match the same filters as `list`. */
  async count(query: ContactFilterQuery): Promise<number> {
    return this.contacts.count(this.filterOf(query));
  }

  private filterOf(query: ContactFilterQuery): Omit<ContactFilter, 'afterId' | 'limit'> {
    const filter: Omit<ContactFilter, 'afterId' | 'limit'> = {};
    if (query.q) filter.nameContains = query.q;
    if (query.phone) filter.phone = this.normalise(query.phone, query.defaultCountry).e164;
    if (query.tag) filter.tags = query.tag;
    if (query.country) filter.country = query.country;
    if (query.attributes) {
      const bad = Object.entries(query.attributes).filter(([, v]) => typeof v !== 'string');
      if (bad.length > 0) {
        throw new DomainError('VALIDATION_FAILED', 'Attribute filters compare with one text value each: attributes[city]=Jakarta', [
          { field: 'attributes', problems: bad.map(([k]) => `${k} must be a single value`) },
        ]);
      }
      filter.attributes = query.attributes;
    }
    if (query.consent) {
      const [scope, status] = query.consent.split(':') as ['marketing' | 'utility', ConsentStatus | 'none'];
      filter.consent = { scope, status };
    }
    return filter;
  }

  /**
   * Changes name (null clears it), attributes (merged; null removes a key) and tags (replaced; []
   * removes them). `attributes: null` and `tags: null` never get here: the DTO refuses them (400
   * VALIDATION_FAILED naming the field, see ContactFieldsDto), as null could mean "unchanged" as
   * well as "clear everything". The phone cannot
   * change: consent belongs to the person behind a number (README, Contacts and consent), so a
   * different phone is 422 CONTACT_PHONE_IMMUTABLE; the contact's own number (in any format) is
   * accepted and changes nothing.
   */
  async update(id: string, dto: UpdateContactDto): Promise<ContactRow> {
    if (dto.phone !== undefined) await this.assertSamePhone(id, dto.phone);
    const patch: ContactPatch = { name: dto.name, tags: dto.tags };
    if (dto.attributes) {
      const entries = Object.entries(dto.attributes);
      patch.setAttributes = Object.fromEntries(entries.filter(([, v]) => v !== null));
      patch.removeAttributes = entries.filter(([, v]) => v === null).map(([k]) => k);
    }
    const row = CONTACT_ID.test(id) ? await this.contacts.update(id, patch) : undefined;
    if (!row) throw notFound(id);
    return row;
  }

  /** 404 for an unknown contact; 422 CONTACT_PHONE_IMMUTABLE unless `given` is its own number (read in its country), or null for a contact without one. */
  private async assertSamePhone(id: string, given: unknown): Promise<void> {
    const current = await this.get(id);
    if (given === null && current.phone === null) return;
    const country = current.country !== null && isCountryCode(current.country) ? current.country : undefined;
    const parsed = typeof given === 'string' ? normalisePhone(given, country) : undefined;
    if (!parsed?.ok || parsed.e164 !== current.phone) {
      throw new DomainError('CONTACT_PHONE_IMMUTABLE', "A contact's phone cannot change; create a new contact", [
        { field: 'phone', problems: ["a contact's phone cannot change: consent belongs to the person behind the number"] },
      ]);
    }
  }

  private normalise(raw: string, defaultCountry: string | undefined) {
    if (defaultCountry !== undefined && !isCountryCode(defaultCountry)) {
      throw new DomainError('VALIDATION_FAILED', `Unknown country ${defaultCountry}`, [
        { field: 'defaultCountry', problems: ['not a country libphonenumber knows'] },
      ]);
    }
    const result = normalisePhone(raw, defaultCountry);
    if (!result.ok) {
      throw new DomainError('CONTACT_PHONE_INVALID', `Phone number ${result.message}`, { reason: result.reason });
    }
    return result;
  }
}

export function notFound(id: string): DomainError {
  return new DomainError('CONTACT_NOT_FOUND', `No contact ${id}`);
}

export function isContactId(id: string): boolean {
  return CONTACT_ID.test(id);
}
