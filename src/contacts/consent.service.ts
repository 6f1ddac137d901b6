import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { applyConsent, ConsentKind, ConsentScope, ConsentSource, ConsentState } from './consent';
import { ConsentEventRow, ConsentRepository } from './consent.repository';
import { ContactIdentitiesRepository, UserIdentity } from './contact-identities.repository';
import { consentOf, ContactsRepository } from './contacts.repository';
import { isContactId, notFound } from './contacts.service';

/** Clocks differ a little; an event this far ahead of ours is still "now". */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface ConsentInput {
  kind: ConsentKind;
  scope: ConsentScope;
  source: ConsentSource;
  wording?: string | null;
  evidenceRef?: string | null;
  evidence?: Record<string, unknown> | null;
  occurredAt?: Date | null;
  apiKeyId?: string | null;
}

@Injectable()
export class ConsentService {
  constructor(
    private readonly db: DataSource,
    private readonly contacts: ContactsRepository,
    private readonly ledger: ConsentRepository,
    private readonly identities: ContactIdentitiesRepository,
  ) {}

  /**
   * Appends an event to the ledger and updates the contact's state in the same transaction, with
   * the contact's row locked so that concurrent events are applied one after the other.
   */
  async record(contactId: string, input: ConsentInput): Promise<{ event: ConsentEventRow; consent: ConsentState }> {
    if (input.kind === 'opt_in' && input.source === 'api' && !input.wording && !input.evidenceRef) {
      throw new DomainError(
        'CONSENT_EVIDENCE_REQUIRED',
        'An opt-in needs evidence: the wording the person agreed to, or a reference to where they agreed',
        [{ field: 'wording', problems: ['wording or evidenceRef is required'] }],
      );
    }
    if (input.occurredAt && input.occurredAt.getTime() > Date.now() + CLOCK_SKEW_MS) {
      throw new DomainError('CONSENT_TIME_IN_FUTURE', 'occurredAt is in the future');
    }
    if (!isContactId(contactId)) throw notFound(contactId);
    return this.db.transaction(async (tx) => {
      const recorded = await this.recordWithin(tx, contactId, input);
      if (!recorded) throw notFound(contactId);
      return recorded;
    });
  }

  /**
   * The same, inside a transaction the caller owns (webhook processing records opt-outs together
   * with the message that carried them). Returns undefined when the contact does not exist.
   */
  async recordWithin(tx: EntityManager, contactId: string, input: ConsentInput): Promise<{ event: ConsentEventRow; consent: ConsentState } | undefined> {
    const current = await this.contacts.lockConsent(contactId, tx);
    if (!current) return undefined;
    // A consent given now, or an opt-out of unknown time, takes effect now.
    const occurredAt = input.occurredAt ?? new Date();
    const consent = applyConsent(current, { kind: input.kind, scope: input.scope, effectiveAt: occurredAt });
    const event = await this.ledger.insert(
      {
        contactId,
        kind: input.kind,
        scope: input.scope,
        source: input.source,
        wording: input.wording ?? null,
        evidenceRef: input.evidenceRef ?? null,
        evidence: input.evidence ?? null,
        occurredAt,
        apiKeyId: input.apiKeyId ?? null,
      },
      tx,
    );
    await this.contacts.saveConsent(contactId, consent, tx);
    return { event, consent };
  }

  /**
   * A consent event WhatsApp reported about one of its users (a `user_preferences` change, a status
   * failed with 131050), inside the caller's transaction: recorded on the contact of that user,
   * found by any of the identifiers given (contact-identities.repository.ts resolve) and created
   * without consent when there is none. Resolves with the event, or undefined when the identity
   * names nobody (no wa_id and no BSUID).
   */
  async recordFromWhatsapp(tx: EntityManager, user: UserIdentity, input: ConsentInput & { occurredAt: Date }): Promise<{ event: ConsentEventRow; consent: ConsentState } | undefined> {
    const contactId = await this.identities.resolve(tx, user, input.occurredAt, true);
    return contactId === undefined ? undefined : this.recordWithin(tx, contactId, input);
  }

  async ledgerOf(contactId: string, cursor: string | undefined, limit = 100): Promise<{ consent: ConsentState } & Page<ConsentEventRow>> {
    const contact = isContactId(contactId) ? await this.contacts.findById(contactId) : undefined;
    if (!contact) throw notFound(contactId);
    const afterId = decodeCursor(cursor);
    if (afterId && !isContactId(afterId)) throw new DomainError('INVALID_CURSOR', 'Bad cursor');
    const events = await this.ledger.listForContact(contactId, afterId, limit);
    return { consent: consentOf(contact), ...toPage(events, limit) };
  }
}
