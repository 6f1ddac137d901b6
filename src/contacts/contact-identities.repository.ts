import { Injectable } from '@nestjs/common';
import { applyConsent, ConsentKind, ConsentScope, NO_CONSENT } from './consent';
import { ContactsRepository } from './contacts.repository';
import { Db, one, rows } from '../database/sql';
import { identityOfWaId, WaIdentity } from './wa-id';

/** Who a webhook says a user is: any of WhatsApp's identifiers for them. */
export interface UserIdentity {
  /** wa_id, digits only (src/contacts/wa-id.ts readWaId). */
  waId: string | null;
  /** Business-scoped user id (2026), such as `ID.1349120865530274`. */
  bsuid: string | null;
  /** The WhatsApp profile name, when the webhook gave one for this user. */
  profileName: string | null;
}

/** What the look-ups return: enough to tell whether a webhook teaches the contact anything. */
interface KnownContact {
  id: string;
  waId: string | null;
  phone: string | null;
  bsuid: string | null;
  hasName: boolean;
  deleted: boolean;
}

const KNOWN = `id::text AS id, wa_id AS "waId", phone, bsuid, name IS NOT NULL AS "hasName", deleted_at IS NOT NULL AS deleted`;

/** Whether the webhook tells something the contact does not have yet (see learn). */
function knowsLess(contact: KnownContact, wa: WaIdentity | undefined, identity: UserIdentity): boolean {
  return (
    contact.deleted ||
    (wa !== undefined && (contact.waId !== wa.waId || contact.phone === null)) ||
    (identity.bsuid !== null && contact.bsuid !== identity.bsuid) ||
    (identity.profileName !== null && !contact.hasName)
  );
}

export interface IdentityEventRow {
  id: string;
  kind: 'phone_changed' | 'bsuid_changed' | 'merged';
  fromValue: string | null;
  toValue: string | null;
  occurredAt: Date;
  recordedAt: Date;
}

/** Why an identity changed, kept with the change (a webhook item). */
export type IdentityEvidence = Record<string, unknown>;

/**
 * One person, one contact. Finds the contact a WhatsApp identity belongs to, by wa_id, by every
 * phone form the wa_id may stand for (Mexico 521, Brazil's ninth digit, Argentina 549), by a number
 * the person has moved away from (for messages older than the move), or by BSUID; learns the
 * identifiers it did not know; and merges two contacts that a webhook shows to be one person.
 *
 * Every method runs inside the caller's transaction and locks the rows it changes (FOR UPDATE), so
 * two workers processing the same person serialise on the contact row.
 */
@Injectable()
export class ContactIdentitiesRepository {
  constructor(private readonly contacts: ContactsRepository) {}

  /**
   * The contact of `identity`, created without consent when `create` and none exists. `at` is when
   * the webhook item happened: a message sent from a number before its owner moved to another one
   * belongs to the person who moved. Returns undefined only when nothing identifies a user, or
   * when `create` is false and no contact matches.
   */
  async resolve(db: Db, identity: UserIdentity, at: Date, create: boolean): Promise<string | undefined> {
    const wa = identity.waId ? identityOfWaId(identity.waId) : undefined;
    let found = wa ? await this.findByWa(db, wa) : undefined;
    if (!found && wa) {
      const moved = await this.findMovedFrom(db, wa, at);
      // A message from before the person moved: it is theirs, but its identifiers are the ones they
      // left (learning them would give the old wa_id back, and with it the new owner of the number).
      if (moved) return (await this.lock(db, moved))?.id;
    }
    // The common case, a known sender whose BSUID is the one on file, needs no second look-up.
    const byBsuid = identity.bsuid && found?.bsuid !== identity.bsuid ? await this.findByBsuid(db, identity.bsuid) : undefined;
    let merged = false;
    if (found && byBsuid && found.id !== byBsuid.id) {
      // The webhook shows both identifiers of one person: their contacts become one.
      await this.merge(db, found.id, byBsuid.id, at, { reason: 'wa_id and user_id of one user', waId: identity.waId, bsuid: identity.bsuid });
      merged = true;
    }
    found ??= byBsuid;
    if (!found) {
      if (!create || (!wa && !identity.bsuid)) return undefined;
      const inserted = await this.insert(db, wa, identity);
      // A worker that created the same person a moment earlier: learn what this item tells.
      if (inserted.existed) await this.learn(db, inserted.id, wa, identity, at);
      return inserted.id;
    }
    if (merged || knowsLess(found, wa, identity)) await this.learn(db, found.id, wa, identity, at);
    return found.id;
  }

  /**
   * A `user_changed_number` notice: the person on `fromWaId` now uses `toWaId`. Their contact moves
   * to the new number and keeps its consent; the old number stays in its identity history. A
   * contact already on the new number is the same person now and is merged into the mover (its
   * opt-outs stay opt-outs). Returns the contact, or undefined when no contact had the old number.
   */
  async changeNumber(db: Db, fromWaId: string, toWaId: string, at: Date, evidence: IdentityEvidence): Promise<string | undefined> {
    const from = identityOfWaId(fromWaId);
    const to = identityOfWaId(toWaId);
    const mover = (await this.findByWa(db, from))?.id;
    if (!mover) return undefined;
    const holder = (await this.findByWa(db, to))?.id;
    if (holder && holder !== mover) await this.merge(db, mover, holder, at, { ...evidence, reason: 'number change to a number another contact had' });
    const before = await one<{ phone: string | null }>(db, `SELECT phone FROM contacts WHERE id = $1`, [mover]);
    if (before?.phone === to.phone) return mover;
    await db.query(`UPDATE contacts SET phone = $2, wa_id = $3, country = coalesce($4, country), updated_at = now() WHERE id = $1`, [
      mover,
      to.phone,
      to.waId,
      to.country,
    ]);
    await this.record(db, mover, 'phone_changed', before?.phone ?? null, to.phone, at, evidence);
    return mover;
  }

  /**
   * A BSUID change (`user_id_update`, or a `user_changed_user_id` notice): the contact known by
   * `fromBsuid` (or, failing that, by `waId`) now has `toBsuid`. A contact already holding the new
   * BSUID is the same person and is merged in.
   */
  async changeBsuid(db: Db, change: { fromBsuid: string | null; toBsuid: string; waId: string | null }, at: Date, evidence: IdentityEvidence): Promise<string | undefined> {
    const holder = (await this.findByBsuid(db, change.toBsuid))?.id;
    let contact = change.fromBsuid ? (await this.findByBsuid(db, change.fromBsuid))?.id : undefined;
    if (!contact && change.waId) contact = (await this.findByWa(db, identityOfWaId(change.waId)))?.id;
    if (!contact) return holder;
    if (holder && holder !== contact) await this.merge(db, contact, holder, at, { ...evidence, reason: 'BSUID change to a BSUID another contact had' });
    const before = await one<{ bsuid: string | null }>(db, `SELECT bsuid FROM contacts WHERE id = $1`, [contact]);
    if (before?.bsuid === change.toBsuid) return contact;
    await db.query(`UPDATE contacts SET bsuid = $2, updated_at = now() WHERE id = $1`, [contact, change.toBsuid]);
    await this.record(db, contact, 'bsuid_changed', before?.bsuid ?? null, change.toBsuid, at, evidence);
    return contact;
  }

  /**
   * The wa_ids WhatsApp answered for phones we sent to (the send API's `contacts[].input` →
   * `contacts[].wa_id`) or addressed statuses with (`statuses[].recipient_id`): each is kept on the
   * contact whose phone is one of the wa_id's forms. Set-based; returns how many contacts learned one.
   */
  async learnWaIds(db: Db, waIds: readonly string[]): Promise<number> {
    const pairs: Array<[string, string]> = [];
    for (const waId of new Set(waIds)) for (const phone of identityOfWaId(waId).phones) pairs.push([phone, waId]);
    if (pairs.length === 0) return 0;
    const learned = await rows<{ id: string }>(
      db,
      `UPDATE contacts c SET wa_id = x.wa_id, updated_at = now()
         FROM unnest($1::text[], $2::text[]) AS x(phone, wa_id)
        WHERE c.phone = x.phone AND c.wa_id IS DISTINCT FROM x.wa_id
          AND NOT EXISTS (SELECT 1 FROM contacts o WHERE o.wa_id = x.wa_id AND o.id <> c.id)
       RETURNING c.id::text AS id`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
    return learned.length;
  }

  /**
   * Makes two contacts one: `absorbed` keeps its row (contacts are never deleted) with `merged_into`
   * and no identifiers; its consent events move to `survivor` (the one update the ledger allows),
   * and the survivor's consent is folded again from all of them, so an opt-out given under either
   * identifier applies to the person. Identifiers, name, attributes (the survivor's win), tags,
   * windows and inbound messages move too; the merge is kept in the survivor's identity history.
   */
  async merge(db: Db, survivor: string, absorbed: string, at: Date, evidence: IdentityEvidence): Promise<void> {
    const gone = await one<{ phone: string | null; waId: string | null; bsuid: string | null; country: string | null; name: string | null; attributes: unknown; tags: string[] }>(
      db,
      `UPDATE contacts c SET merged_into = $2, phone = NULL, wa_id = NULL, bsuid = NULL,
              deleted_at = coalesce(c.deleted_at, now()), updated_at = now()
         FROM contacts before
        WHERE c.id = $1 AND before.id = c.id
       RETURNING before.phone, before.wa_id AS "waId", before.bsuid, before.country, before.name, before.attributes, before.tags`,
      [absorbed, survivor],
    );
    if (!gone) return;
    await db.query(
      `UPDATE contacts s SET phone = coalesce(s.phone, $2), wa_id = coalesce(s.wa_id, $3), bsuid = coalesce(s.bsuid, $4),
              country = coalesce(s.country, $5), name = coalesce(s.name, $6), attributes = $7::jsonb || s.attributes,
              tags = ARRAY(SELECT DISTINCT t FROM unnest(s.tags || $8::text[]) AS t ORDER BY t), deleted_at = NULL, updated_at = now()
        WHERE s.id = $1`,
      [survivor, gone.phone, gone.waId, gone.bsuid, gone.country, gone.name, JSON.stringify(gone.attributes ?? {}), gone.tags ?? []],
    );
    await db.query(`UPDATE contacts SET merged_into = $2 WHERE merged_into = $1`, [absorbed, survivor]);
    await db.query(
      `UPDATE consent_events SET contact_id = $2, merged_from_contact_id = coalesce(merged_from_contact_id, contact_id) WHERE contact_id = $1`,
      [absorbed, survivor],
    );
    await db.query(
      `WITH moved AS (DELETE FROM contact_windows WHERE contact_id = $1 RETURNING phone_number_id, last_inbound_at)
       INSERT INTO contact_windows AS w (contact_id, phone_number_id, last_inbound_at)
       SELECT $2, phone_number_id, last_inbound_at FROM moved
       ON CONFLICT (contact_id, phone_number_id) DO UPDATE SET last_inbound_at = greatest(w.last_inbound_at, EXCLUDED.last_inbound_at)`,
      [absorbed, survivor],
    );
    await db.query(`UPDATE inbound_messages SET contact_id = $2 WHERE contact_id = $1`, [absorbed, survivor]);
    await db.query(
      `UPDATE contacts SET last_inbound_at = (SELECT max(last_inbound_at) FROM contact_windows WHERE contact_id = $1) WHERE id = $1`,
      [survivor],
    );
    await this.refoldConsent(db, survivor);
    await this.record(db, survivor, 'merged', absorbed, survivor, at, { ...evidence, absorbed: { phone: gone.phone, waId: gone.waId, bsuid: gone.bsuid } });
  }

  /** A contact's identity history, oldest first (at most 1,000 entries: identity changes are rare). */
  historyOf(db: Db, contactId: string): Promise<IdentityEventRow[]> {
    return rows<IdentityEventRow>(
      db,
      `SELECT e.id::text AS id, e.kind, e.from_value AS "fromValue", e.to_value AS "toValue", e.occurred_at AS "occurredAt", e.recorded_at AS "recordedAt"
         FROM contact_identity_events e WHERE e.contact_id = $1 ORDER BY e.id LIMIT 1000`,
      [contactId],
    );
  }

  /** The consent state of a contact, folded again from its whole ledger (src/contacts/consent.ts). */
  private async refoldConsent(db: Db, contactId: string): Promise<void> {
    const events = await rows<{ kind: ConsentKind; scope: ConsentScope; occurredAt: Date | null }>(
      db,
      `SELECT kind, scope, occurred_at AS "occurredAt" FROM consent_events WHERE contact_id = $1 ORDER BY id`,
      [contactId],
    );
    const state = events.reduce((s, e) => applyConsent(s, { kind: e.kind, scope: e.scope, effectiveAt: e.occurredAt }), NO_CONSENT);
    await this.contacts.saveConsent(contactId, state, db);
  }

  private findByWa(db: Db, wa: WaIdentity): Promise<KnownContact | undefined> {
    return one<KnownContact>(
      db,
      `SELECT ${KNOWN} FROM contacts
        WHERE merged_into IS NULL AND (wa_id = $1 OR phone = ANY($2::text[]))
        ORDER BY (wa_id IS NOT DISTINCT FROM $1) DESC, array_position($2::text[], phone::text), id
        LIMIT 1
        FOR UPDATE`,
      [wa.waId, wa.phones],
    );
  }

  private lock(db: Db, id: string): Promise<KnownContact | undefined> {
    return one<KnownContact>(db, `SELECT ${KNOWN} FROM contacts WHERE id = $1 AND merged_into IS NULL FOR UPDATE`, [id]);
  }

  /** The person who moved away from this number after `at` (their message was sent before the move). */
  private async findMovedFrom(db: Db, wa: WaIdentity, at: Date): Promise<string | undefined> {
    const row = await one<{ id: string }>(
      db,
      `SELECT coalesce(c.merged_into, c.id)::text AS id
         FROM contact_identity_events e JOIN contacts c ON c.id = e.contact_id
        WHERE e.kind = 'phone_changed' AND e.from_value = ANY($1::text[]) AND e.occurred_at > $2
        ORDER BY e.occurred_at
        LIMIT 1`,
      [wa.phones, at],
    );
    return row?.id;
  }

  private findByBsuid(db: Db, bsuid: string): Promise<KnownContact | undefined> {
    return one<KnownContact>(db, `SELECT ${KNOWN} FROM contacts WHERE bsuid = $1 AND merged_into IS NULL FOR UPDATE`, [bsuid]);
  }

  /**
   * A new contact, without consent. Two workers creating the same person meet on the unique index;
   * `existed` says this one found it there (xmax is set on a row the statement updated).
   */
  private async insert(db: Db, wa: WaIdentity | undefined, identity: UserIdentity): Promise<{ id: string; existed: boolean }> {
    const conflict = wa ? 'ON CONFLICT (phone)' : 'ON CONFLICT (bsuid) WHERE bsuid IS NOT NULL';
    const row = await one<{ id: string; existed: boolean }>(
      db,
      `INSERT INTO contacts AS c (phone, wa_id, bsuid, country, name) VALUES ($1, $2, $3, $4, $5)
       ${conflict} DO UPDATE SET updated_at = now()
       RETURNING id::text AS id, (xmax <> 0) AS existed`,
      [wa?.phone ?? null, wa?.waId ?? null, identity.bsuid, wa?.country ?? null, identity.profileName],
    );
    return row!;
  }

  /**
   * What the webhook tells about a known contact: its wa_id, its phone when it had only a BSUID,
   * its BSUID (a different one means the BSUID changed), its profile name when it has none; a
   * deleted contact who writes again is restored (its consent was kept).
   */
  private async learn(db: Db, id: string, wa: WaIdentity | undefined, identity: UserIdentity, at: Date): Promise<void> {
    const before = await one<{ phone: string | null; bsuid: string | null }>(
      db,
      `UPDATE contacts c
          SET wa_id = coalesce($2, c.wa_id),
              phone = CASE WHEN c.phone IS NULL AND NOT EXISTS (SELECT 1 FROM contacts o WHERE o.phone = $3) THEN $3 ELSE c.phone END,
              country = CASE WHEN c.phone IS NULL THEN coalesce($4, c.country) ELSE c.country END,
              bsuid = CASE WHEN $5::text IS NULL OR EXISTS (SELECT 1 FROM contacts o WHERE o.bsuid = $5 AND o.id <> c.id) THEN c.bsuid ELSE $5 END,
              name = CASE WHEN c.deleted_at IS NOT NULL THEN $6 ELSE coalesce(c.name, $6) END,
              deleted_at = NULL,
              updated_at = now()
         FROM contacts before
        WHERE c.id = $1 AND before.id = c.id
       RETURNING before.phone, before.bsuid`,
      [id, wa?.waId ?? null, wa?.phone ?? null, wa?.country ?? null, identity.bsuid, identity.profileName],
    );
    if (before && identity.bsuid && before.bsuid && before.bsuid !== identity.bsuid) {
      await this.record(db, id, 'bsuid_changed', before.bsuid, identity.bsuid, at, { reason: 'a webhook showed a new user_id for this user', waId: identity.waId });
    }
  }

  private async record(db: Db, contactId: string, kind: 'phone_changed' | 'bsuid_changed' | 'merged', from: string | null, to: string | null, at: Date, evidence: IdentityEvidence): Promise<void> {
    await db.query(
      `INSERT INTO contact_identity_events (contact_id, kind, from_value, to_value, occurred_at, evidence) VALUES ($1, $2, $3, $4, $5, $6)`,
      [contactId, kind, from, to, at, JSON.stringify(evidence)],
    );
  }
}
