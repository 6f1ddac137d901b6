import { Injectable } from '@nestjs/common';
import { applyConsent, ConsentKind, ConsentScope, NO_CONSENT } from './consent';
import { ContactsRepository } from './contacts.repository';
import { Db, one, rows } from '../database/sql';
import { identityOfWaId, readWaId, WaIdentity } from './wa-id';

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

/** Whether the absorbed contact's phone ($2, set at $9) replaces the survivor's in a merge: it is newer, or the survivor has none. */
const NEWER_PHONE = `($2::text IS NOT NULL AND (s.phone IS NULL OR $9::timestamptz > coalesce(s.phone_event_at, '-infinity') OR ($11 AND $9::timestamptz = s.phone_event_at)))`;
/** The same for the BSUID ($4, set at $10). $11: the absorbed contact's identifiers win a tie (they come later in the person's chain). */
const NEWER_BSUID = `($4::text IS NOT NULL AND (s.bsuid IS NULL OR $10::timestamptz > coalesce(s.bsuid_event_at, '-infinity') OR ($11 AND $10::timestamptz = s.bsuid_event_at)))`;

/** learn: the contact had no phone, and no other contact has this one ($3). */
const LEARNS_PHONE = `(c.phone IS NULL AND $3::text IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contacts o WHERE o.phone = $3))`;
/**
 * learn: a BSUID ($5) other than the contact's, held by no other contact, from an item ($7) newer
 * than the fact that set the contact's BSUID (one of the same second may have been sent before it).
 */
const LEARNS_BSUID = `($5::text IS NOT NULL AND c.bsuid IS DISTINCT FROM $5 AND NOT EXISTS (SELECT 1 FROM contacts o WHERE o.bsuid = $5 AND o.id <> c.id)
  AND (c.bsuid IS NULL OR c.bsuid_event_at IS NULL OR c.bsuid_event_at < $7::timestamptz))`;

/** Whether a fact at `a` is newer than one at `b` (a fact without a time is older than any other); `tie`: the same time counts as newer. */
function newer(a: Date | null, b: Date | null, tie = false): boolean {
  return a !== null && (b === null || a > b || (tie && a.getTime() === b.getTime()));
}

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
  /** False for a change kept in the history only: a newer fact had set the current value. */
  applied: boolean;
}

/** Why an identity changed, kept with the change (a webhook item). */
export type IdentityEvidence = Record<string, unknown>;

/**
 * One person, one contact. Finds the contact a WhatsApp identity belongs to, by wa_id, by every
 * phone form the wa_id may stand for (Mexico 521, Brazil's ninth digit, Argentina 549), by a number
 * the person has moved away from (for messages older than the move), or by any BSUID the person
 * has had; learns the identifiers it did not know; and merges two contacts that a webhook shows to
 * be one person.
 *
 * Identity changes apply in WhatsApp's order, not in the order webhooks arrive (a retried webhook
 * may come hours late):
 * - each contact keeps WhatsApp's time of the fact that set its phone and its BSUID
 *   (`phone_event_at`, `bsuid_event_at`); a number or BSUID change older than it is kept in the
 *   identity history only (`applied` false), and a message older than it does not teach an older
 *   BSUID back;
 * - a change whose old identifier no contact has yet (B→C delivered before A→B) is not lost: the
 *   person is the contact on the new identifier (created without consent when there is none), with
 *   the change in its history; when another contact arrives at the old identifier at a time before
 *   the change, the two are one person and are merged (settle), the newer identifiers winning;
 * - a message sent from a number before a recorded move away from it is the mover's, whoever has
 *   the number now; a message under a BSUID the person had (BSUIDs belong to one user and are not
 *   given to another) is the person's.
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
    let wa = identity.waId ? identityOfWaId(identity.waId) : undefined;
    let found: KnownContact | undefined;
    if (wa) {
      // A message from before its sender moved away from the number is the mover's, whoever has the
      // number now; its wa_id is the one they left (learning it would give the old number back, and
      // with it the number's new owner), so only its other identifiers are looked at.
      const moved = await this.findMovedFrom(db, wa, at);
      if (moved) {
        found = await this.lock(db, moved);
        wa = undefined;
      } else {
        found = await this.findByWa(db, wa);
      }
    }
    // The common case, a known sender whose BSUID is the one on file, needs no second look-up.
    let byBsuid: KnownContact | undefined;
    let formerBsuid = false;
    if (identity.bsuid && found?.bsuid !== identity.bsuid) {
      byBsuid = await this.findByBsuid(db, identity.bsuid);
      if (!byBsuid) {
        byBsuid = await this.findByFormerBsuid(db, identity.bsuid);
        formerBsuid = byBsuid !== undefined;
      }
    }
    let merged = false;
    if (found && byBsuid && found.id !== byBsuid.id) {
      // The webhook shows both identifiers of one person: their contacts become one.
      await this.merge(db, found.id, byBsuid.id, at, { reason: 'wa_id and user_id of one user', waId: identity.waId, bsuid: identity.bsuid });
      merged = true;
    }
    found ??= byBsuid;
    // A BSUID the person had before is theirs, but not theirs now: nothing to learn from it.
    const told: UserIdentity = formerBsuid ? { ...identity, bsuid: null } : identity;
    if (!found) {
      if (!create || (!wa && !told.bsuid)) return undefined;
      const inserted = await this.insert(db, wa, told, at);
      // A worker that created the same person a moment earlier: learn what this item tells.
      if (inserted.existed) await this.learn(db, inserted.id, wa, told, at);
      return inserted.id;
    }
    if (merged || knowsLess(found, wa, told)) await this.learn(db, found.id, wa, told, at);
    return found.id;
  }

  /**
   * A `user_changed_number` notice: the person on `fromWaId` uses `toWaId` since `at`. Their contact
   * moves to the new number and keeps its consent; the old number stays in its identity history.
   * A contact already on the new number is the same person now and is merged into the mover (its
   * opt-outs stay opt-outs). A change older than the one that set the contact's number is kept in
   * the history only. When no contact has the old number (yet), the person is the contact on the new
   * one, created when there is none, and the change is kept in its history: the old number leads to
   * it, and a contact that arrives at the old number before `at` joins it (settle). Returns the
   * contact.
   */
  async changeNumber(db: Db, fromWaId: string, toWaId: string, at: Date, evidence: IdentityEvidence): Promise<string | undefined> {
    const from = identityOfWaId(fromWaId);
    const to = identityOfWaId(toWaId);
    const mover = await this.locateByWa(db, from, at);
    if (from.phone === to.phone) return mover?.id;
    const holder = await this.findByWa(db, to);
    let id: string;
    if (mover) {
      id = mover.id;
      if (holder && holder.id !== id) await this.merge(db, id, holder.id, at, { ...evidence, reason: 'number change to a number another contact had' });
    } else {
      id = holder?.id ?? (await this.insert(db, to, { waId: to.waId, bsuid: null, profileName: null }, at)).id;
    }
    const now = (await one<{ phone: string | null; eventAt: Date | null }>(db, `SELECT phone, phone_event_at AS "eventAt" FROM contacts WHERE id = $1`, [id]))!;
    const older = now.phone !== to.phone && ((now.eventAt !== null && now.eventAt > at) || (await this.movedOn(db, id, 'phone_changed', to.phones, at)));
    if (older && mover && id === mover.id && now.phone === from.phone && !(await this.arrivedBy(db, id, from.phone, at))) {
      return this.splitAtMove(db, id, from, to, holder && holder.id !== id ? holder.id : undefined, at, evidence);
    }
    if (!older) {
      await db.query(
        `UPDATE contacts SET phone = $2, wa_id = $3, country = coalesce($4, country),
                phone_event_at = greatest(phone_event_at, $5), updated_at = now()
          WHERE id = $1`,
        [id, to.phone, to.waId, to.country, at],
      );
    }
    await this.record(db, id, 'phone_changed', from.phone, to.phone, at, older ? { ...evidence, notApplied: 'older than the change that set the current number' } : evidence, !older);
    if (!older) await this.settle(db, id, at, evidence);
    return id;
  }

  /** Whether the contact came to `phone` by a number change later than `at` (rather than by being first seen there). */
  private async arrivedBy(db: Db, id: string, phone: string | null, at: Date): Promise<boolean> {
    const row = await one(
      db,
      `SELECT 1 FROM contact_identity_events WHERE contact_id = $1 AND kind = 'phone_changed' AND applied AND to_value = $2 AND occurred_at > $3 LIMIT 1`,
      [id, phone, at],
    );
    return row !== undefined;
  }

  /**
   * A number change A→B at `at` about a contact first seen on A after `at` (a later message from A
   * created it before the change was delivered): the number has a new owner since the move, and
   * what came from A up to `at` was the mover's. The mover is the contact on B (created when there
   * is none): it takes the messages from A dated up to `at`, and copies of the consent events
   * WhatsApp gave from A up to then (a STOP before the move is the mover's). The ledger is
   * append-only, so the originals stay with the contact on A: an opt-out there is on the safe side.
   * The change is recorded on the mover, applied.
   */
  private async splitAtMove(db: Db, onOld: string, from: WaIdentity, to: WaIdentity, holder: string | undefined, at: Date, evidence: IdentityEvidence): Promise<string> {
    const mover = holder ?? (await this.insert(db, to, { waId: to.waId, bsuid: null, profileName: null }, at)).id;
    await db.query(`UPDATE inbound_messages SET contact_id = $2 WHERE contact_id = $1 AND sent_at <= $3`, [onOld, mover, at]);
    await db.query(
      `INSERT INTO consent_events (contact_id, kind, scope, source, wording, evidence_ref, occurred_at, evidence)
       SELECT $2, kind, scope, source, wording, evidence_ref, occurred_at,
              coalesce(evidence, '{}'::jsonb) || jsonb_build_object('copiedFrom', id, 'reason', 'given from the number before the user changed it')
         FROM consent_events
        WHERE contact_id = $1 AND source IN ('keyword', 'button', 'whatsapp_signal') AND occurred_at <= $3
        ORDER BY id`,
      [onOld, mover, at],
    );
    await this.refoldConsent(db, mover);
    await db.query(`UPDATE contacts SET phone_event_at = greatest(phone_event_at, $2), updated_at = now() WHERE id = $1`, [mover, at]);
    await this.record(db, mover, 'phone_changed', from.phone, to.phone, at, { ...evidence, reason: `the contact on the old number (${onOld}) was first seen there after the change` });
    return mover;
  }

  /**
   * A BSUID change (`user_id_update`, or a `user_changed_user_id` notice): the contact known by
   * `fromBsuid` (now or before), or failing that by `waId`, has `toBsuid` since `at`. A contact
   * that has or had the new BSUID is the same person and is merged in. A change older than the
   * one that set the contact's BSUID is kept in the history only; a change that finds no contact
   * is kept on the contact of the new BSUID (created when there is none), as for numbers.
   */
  async changeBsuid(db: Db, change: { fromBsuid: string | null; toBsuid: string; waId: string | null }, at: Date, evidence: IdentityEvidence): Promise<string | undefined> {
    const wa = change.waId ? identityOfWaId(change.waId) : undefined;
    let contact = change.fromBsuid ? ((await this.findByBsuid(db, change.fromBsuid)) ?? (await this.findByFormerBsuid(db, change.fromBsuid))) : undefined;
    if (!contact && wa) contact = await this.locateByWa(db, wa, at);
    const holder = (await this.findByBsuid(db, change.toBsuid)) ?? (await this.findByFormerBsuid(db, change.toBsuid));
    let id: string;
    if (contact) {
      id = contact.id;
      if (holder && holder.id !== id) await this.merge(db, id, holder.id, at, { ...evidence, reason: 'BSUID change to a BSUID another contact had' });
    } else {
      id = holder?.id ?? (await this.insert(db, wa, { waId: change.waId, bsuid: change.toBsuid, profileName: null }, at)).id;
    }
    const now = (await one<{ bsuid: string | null; eventAt: Date | null }>(db, `SELECT bsuid, bsuid_event_at AS "eventAt" FROM contacts WHERE id = $1`, [id]))!;
    const older = now.bsuid !== change.toBsuid && ((now.eventAt !== null && now.eventAt > at) || (await this.movedOn(db, id, 'bsuid_changed', [change.toBsuid], at)));
    if (!older) {
      await db.query(`UPDATE contacts SET bsuid = $2, bsuid_event_at = greatest(bsuid_event_at, $3), updated_at = now() WHERE id = $1`, [id, change.toBsuid, at]);
    }
    const from = change.fromBsuid ?? (now.bsuid !== change.toBsuid ? now.bsuid : null);
    // The contact had another BSUID than the one WhatsApp names as the previous: it stays the person's.
    const replaced = !older && now.bsuid !== null && now.bsuid !== from && now.bsuid !== change.toBsuid ? { replaced: now.bsuid } : {};
    const told = older ? { ...evidence, notApplied: 'older than the change that set the current BSUID' } : { ...evidence, ...replaced };
    if (from !== change.toBsuid) await this.record(db, id, 'bsuid_changed', from, change.toBsuid, at, told, !older);
    if (!older) await this.settle(db, id, at, evidence);
    return id;
  }

  /**
   * Users that a webhook shows by wa_id and BSUID together (statuses with `recipient_id` and
   * `recipient_user_id`): each pair is one person, so their contacts become one and each learns the
   * identifier it lacked, as for a message (resolve), without creating a contact. Pairs already on
   * one contact are skipped in one set-based look-up. Resolves with the pairs that are on one
   * contact now (the caller may remember them).
   */
  async joinUsers(db: Db, users: ReadonlyArray<{ waId: string; bsuid: string; at: Date }>): Promise<Array<{ waId: string; bsuid: string }>> {
    if (users.length === 0) return [];
    const consistent = await rows<{ waId: string; bsuid: string }>(
      db,
      `SELECT x.wa_id AS "waId", x.bsuid FROM unnest($1::text[], $2::text[]) AS x(wa_id, bsuid)
        WHERE EXISTS (SELECT 1 FROM contacts c WHERE c.bsuid = x.bsuid AND c.wa_id = x.wa_id AND c.merged_into IS NULL)`,
      [users.map((u) => u.waId), users.map((u) => u.bsuid)],
    );
    const done = new Set(consistent.map((p) => `${p.waId} ${p.bsuid}`));
    const joined = [...consistent];
    for (const user of users) {
      const key = `${user.waId} ${user.bsuid}`;
      if (done.has(key)) continue;
      done.add(key);
      if (await this.resolve(db, { waId: user.waId, bsuid: user.bsuid, profileName: null }, user.at, false)) joined.push(user);
    }
    return joined;
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
   * identifier applies to the person. Of each identifier (phone with its wa_id, BSUID), the one set
   * by the newer WhatsApp fact wins (the survivor's when neither has a time, the absorbed one's in a
   * tie when `absorbedLater`, as in a chain of changes); the other stays in the
   * identity history. Name, attributes (the survivor's win), tags, windows, inbound messages and the
   * identity history move too; the merge is kept in the survivor's identity history.
   */
  async merge(db: Db, survivor: string, absorbed: string, at: Date, evidence: IdentityEvidence, absorbedLater = false): Promise<void> {
    type Ids = { phone: string | null; waId: string | null; bsuid: string | null; phoneEventAt: Date | null; bsuidEventAt: Date | null };
    const gone = await one<Ids & { country: string | null; name: string | null; attributes: unknown; tags: string[] }>(
      db,
      `UPDATE contacts c SET merged_into = $2, phone = NULL, wa_id = NULL, bsuid = NULL,
              deleted_at = coalesce(c.deleted_at, now()), updated_at = now()
         FROM contacts before
        WHERE c.id = $1 AND before.id = c.id
       RETURNING before.phone, before.wa_id AS "waId", before.bsuid, before.country, before.name, before.attributes, before.tags,
                 before.phone_event_at AS "phoneEventAt", before.bsuid_event_at AS "bsuidEventAt"`,
      [absorbed, survivor],
    );
    if (!gone) return;
    const kept = (await one<Ids>(
      db,
      `UPDATE contacts s SET
              phone = CASE WHEN ${NEWER_PHONE} THEN $2 ELSE s.phone END,
              wa_id = CASE WHEN ${NEWER_PHONE} THEN $3 ELSE coalesce(s.wa_id, $3) END,
              country = CASE WHEN ${NEWER_PHONE} THEN coalesce($5, s.country) ELSE coalesce(s.country, $5) END,
              phone_event_at = CASE WHEN ${NEWER_PHONE} THEN $9 ELSE s.phone_event_at END,
              bsuid = CASE WHEN ${NEWER_BSUID} THEN $4 ELSE s.bsuid END,
              bsuid_event_at = CASE WHEN ${NEWER_BSUID} THEN $10 ELSE s.bsuid_event_at END,
              name = coalesce(s.name, $6), attributes = $7::jsonb || s.attributes,
              tags = ARRAY(SELECT DISTINCT t FROM unnest(s.tags || $8::text[]) AS t ORDER BY t), deleted_at = NULL, updated_at = now()
         FROM contacts before
        WHERE s.id = $1 AND before.id = s.id
       RETURNING before.phone, before.wa_id AS "waId", before.bsuid, before.phone_event_at AS "phoneEventAt", before.bsuid_event_at AS "bsuidEventAt"`,
      [survivor, gone.phone, gone.waId, gone.bsuid, gone.country, gone.name, JSON.stringify(gone.attributes ?? {}), gone.tags ?? [], gone.phoneEventAt, gone.bsuidEventAt, absorbedLater],
    ))!;
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
    // The person's identity history is one: the absorbed contact's numbers and BSUIDs lead to the survivor.
    await db.query(`UPDATE contact_identity_events SET contact_id = $2 WHERE contact_id = $1`, [absorbed, survivor]);
    await this.refoldConsent(db, survivor);
    await this.record(db, survivor, 'merged', absorbed, survivor, at, { ...evidence, absorbed: { phone: gone.phone, waId: gone.waId, bsuid: gone.bsuid } });
    // An identifier of the survivor that a newer one replaced stays in its history (and leads to it),
    // unless the history already shows it left (a chain of changes that the merge completes).
    if (kept.phone !== null && gone.phone !== null && newer(gone.phoneEventAt, kept.phoneEventAt, absorbedLater)) {
      const left = await one(
        db,
        `SELECT 1 FROM contact_identity_events WHERE contact_id = $1 AND kind = 'phone_changed' AND from_value = $2 AND occurred_at >= coalesce($3::timestamptz, '-infinity')`,
        [survivor, kept.phone, kept.phoneEventAt],
      );
      if (!left) await this.record(db, survivor, 'phone_changed', kept.phone, gone.phone, gone.phoneEventAt!, { ...evidence, reason: 'merged with a contact on a newer number' });
    }
    if (kept.bsuid !== null && gone.bsuid !== null && kept.bsuid !== gone.bsuid && newer(gone.bsuidEventAt, kept.bsuidEventAt, absorbedLater)) {
      const known = await one(
        db,
        `SELECT 1 FROM contact_identity_events WHERE contact_id = $1 AND kind = 'bsuid_changed' AND (from_value = $2 OR to_value = $2 OR evidence ->> 'replaced' = $2)`,
        [survivor, kept.bsuid],
      );
      if (!known) await this.record(db, survivor, 'bsuid_changed', kept.bsuid, gone.bsuid, gone.bsuidEventAt!, { ...evidence, reason: 'merged with a contact with a newer BSUID' });
    }
  }

  /** A contact's identity history, oldest first (at most 1,000 entries: identity changes are rare). */
  historyOf(db: Db, contactId: string): Promise<IdentityEventRow[]> {
    return rows<IdentityEventRow>(
      db,
      `SELECT e.id::text AS id, e.kind, e.from_value AS "fromValue", e.to_value AS "toValue", e.occurred_at AS "occurredAt", e.recorded_at AS "recordedAt", e.applied
         FROM contact_identity_events e WHERE e.contact_id = $1 ORDER BY e.occurred_at, e.id LIMIT 1000`,
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

  /**
   * After a contact arrived at a number or BSUID: another contact that is the same person (it moved
   * away from that number after the contact arrived there, or it has had that BSUID) is merged in,
   * the newer identifiers winning, until none is left. This completes a chain of changes that
   * arrived out of order (B→C, then A→B: the contact on A arrives at B, and joins the one on C).
   */
  private async settle(db: Db, id: string, at: Date, evidence: IdentityEvidence): Promise<void> {
    for (let round = 0; round < 16; round++) {
      const c = await one<{ phone: string | null; waId: string | null; bsuid: string | null; phoneEventAt: Date | null }>(
        db,
        `SELECT phone, wa_id AS "waId", bsuid, phone_event_at AS "phoneEventAt" FROM contacts WHERE id = $1`,
        [id],
      );
      if (!c) return;
      const waId = c.waId ?? readWaId(c.phone ?? undefined);
      let other = waId && c.phoneEventAt ? await this.findMovedFrom(db, identityOfWaId(waId), c.phoneEventAt, id) : undefined;
      if (!other && c.bsuid) other = (await this.findByFormerBsuid(db, c.bsuid, id))?.id;
      if (!other) return;
      // The other contact left the identifier this one arrived at: its identifiers are the later ones.
      await this.merge(db, id, other, at, { ...evidence, reason: 'the same person: an identifier this contact has now was theirs' }, true);
    }
  }

  /**
   * Whether the contact's history shows it left `values` at or after `at`: a change to them at `at`
   * comes before that one in the person's chain (WhatsApp's times are whole seconds, so two changes
   * may share one).
   */
  private async movedOn(db: Db, id: string, kind: 'phone_changed' | 'bsuid_changed', values: string[], at: Date): Promise<boolean> {
    const row = await one(
      db,
      `SELECT 1 FROM contact_identity_events WHERE contact_id = $1 AND kind = $2 AND applied AND from_value = ANY($3::text[]) AND occurred_at >= $4 LIMIT 1`,
      [id, kind, values, at],
    );
    return row !== undefined;
  }

  /** The contact a webhook item from this number at `at` belongs to: the mover, if the item predates a move away from it, else the contact on it. */
  private async locateByWa(db: Db, wa: WaIdentity, at: Date): Promise<KnownContact | undefined> {
    const moved = await this.findMovedFrom(db, wa, at);
    return moved ? this.lock(db, moved) : this.findByWa(db, wa);
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

  /**
   * The person who had this number at `at` and moved away from it later: the first recorded move
   * away from it at or after `at` (in the same second: the number's next owner cannot have it yet), unless that person arrived at the number only after `at` too (someone
   * else had it then). `except`: a contact not to return (the one arriving).
   */
  private async findMovedFrom(db: Db, wa: WaIdentity, at: Date, except?: string): Promise<string | undefined> {
    const row = await one<{ id: string }>(
      db,
      `SELECT coalesce(c.merged_into, c.id)::text AS id
         FROM contact_identity_events e JOIN contacts c ON c.id = e.contact_id
        WHERE e.kind = 'phone_changed' AND e.from_value = ANY($1::text[]) AND e.occurred_at >= $2
          AND coalesce(c.merged_into, c.id) IS DISTINCT FROM $3::bigint
          AND NOT EXISTS (SELECT 1 FROM contact_identity_events a
                           WHERE a.contact_id = e.contact_id AND a.kind = 'phone_changed' AND a.to_value = ANY($1::text[])
                             AND a.occurred_at > $2 AND a.occurred_at < e.occurred_at)
        ORDER BY e.occurred_at
        LIMIT 1`,
      [wa.phones, at, except ?? null],
    );
    return row?.id;
  }

  private findByBsuid(db: Db, bsuid: string): Promise<KnownContact | undefined> {
    return one<KnownContact>(db, `SELECT ${KNOWN} FROM contacts WHERE bsuid = $1 AND merged_into IS NULL FOR UPDATE`, [bsuid]);
  }

  /**
   * The contact of the person who has had this BSUID (a BSUID is one user's and is not given to
   * another): its identity history names it as an old or new BSUID, or as the one a change replaced.
   * `except`: a contact not to return.
   */
  private async findByFormerBsuid(db: Db, bsuid: string, except?: string): Promise<KnownContact | undefined> {
    const row = await one<{ id: string }>(
      db,
      `SELECT coalesce(c.merged_into, c.id)::text AS id
         FROM contact_identity_events e JOIN contacts c ON c.id = e.contact_id
        WHERE e.kind = 'bsuid_changed' AND (e.from_value = $1 OR e.to_value = $1 OR e.evidence ->> 'replaced' = $1)
          AND coalesce(c.merged_into, c.id) IS DISTINCT FROM $2::bigint
        ORDER BY e.occurred_at DESC
        LIMIT 1`,
      [bsuid, except ?? null],
    );
    return row ? this.lock(db, row.id) : undefined;
  }

  /**
   * A new contact, without consent, its identifiers dated `at` (WhatsApp's time of the item). Two
   * workers creating the same person meet on the unique index; `existed` says this one found it
   * there (xmax is set on a row the statement updated).
   */
  private async insert(db: Db, wa: WaIdentity | undefined, identity: UserIdentity, at: Date): Promise<{ id: string; existed: boolean }> {
    const conflict = wa ? 'ON CONFLICT (phone)' : 'ON CONFLICT (bsuid) WHERE bsuid IS NOT NULL';
    const row = await one<{ id: string; existed: boolean }>(
      db,
      `INSERT INTO contacts AS c (phone, wa_id, bsuid, country, name, phone_event_at, bsuid_event_at)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $1::text IS NOT NULL THEN $6::timestamptz END, CASE WHEN $3::text IS NOT NULL THEN $6::timestamptz END)
       ${conflict} DO UPDATE SET updated_at = now()
       RETURNING id::text AS id, (xmax <> 0) AS existed`,
      [wa?.phone ?? null, wa?.waId ?? null, identity.bsuid, wa?.country ?? null, identity.profileName, at],
    );
    return row!;
  }

  /**
   * What the webhook tells about a known contact: its wa_id, its phone when it had only a BSUID,
   * its BSUID (a different one means the BSUID changed, unless the item is older than the fact
   * that set the current one: then it is only kept in the history), its profile name when it has
   * none; a deleted contact who writes again is restored (its consent was kept).
   */
  private async learn(db: Db, id: string, wa: WaIdentity | undefined, identity: UserIdentity, at: Date): Promise<void> {
    const before = await one<{ bsuid: string | null; bsuidEventAt: Date | null; nowBsuid: string | null }>(
      db,
      `UPDATE contacts c
          SET wa_id = coalesce($2, c.wa_id),
              phone = CASE WHEN ${LEARNS_PHONE} THEN $3 ELSE c.phone END,
              phone_event_at = CASE WHEN ${LEARNS_PHONE} THEN $7 ELSE c.phone_event_at END,
              country = CASE WHEN c.phone IS NULL THEN coalesce($4, c.country) ELSE c.country END,
              bsuid = CASE WHEN ${LEARNS_BSUID} THEN $5 ELSE c.bsuid END,
              bsuid_event_at = CASE WHEN ${LEARNS_BSUID} THEN $7 ELSE c.bsuid_event_at END,
              name = CASE WHEN c.deleted_at IS NOT NULL THEN $6 ELSE coalesce(c.name, $6) END,
              deleted_at = NULL,
              updated_at = now()
         FROM contacts before
        WHERE c.id = $1 AND before.id = c.id
       RETURNING before.bsuid, before.bsuid_event_at AS "bsuidEventAt", c.bsuid AS "nowBsuid"`,
      [id, wa?.waId ?? null, wa?.phone ?? null, wa?.country ?? null, identity.bsuid, identity.profileName, at],
    );
    if (before && identity.bsuid && before.bsuid && before.bsuid !== identity.bsuid) {
      const applied = before.nowBsuid === identity.bsuid;
      await this.record(
        db,
        id,
        'bsuid_changed',
        before.bsuid,
        identity.bsuid,
        at,
        applied
          ? { reason: 'a webhook showed a new user_id for this user', waId: identity.waId }
          : { reason: 'a webhook older than the current BSUID showed another user_id for this user', waId: identity.waId, notApplied: 'older than the fact that set the current BSUID' },
        applied,
      );
    }
  }

  /**
   * Appends to the identity history, once: the same change of the same contact at the same time
   * (a webhook WhatsApp sent twice, or a change that a merge brought along) is not repeated.
   */
  private async record(db: Db, contactId: string, kind: 'phone_changed' | 'bsuid_changed' | 'merged', from: string | null, to: string | null, at: Date, evidence: IdentityEvidence, applied = true): Promise<void> {
    await db.query(
      `INSERT INTO contact_identity_events (contact_id, kind, from_value, to_value, occurred_at, evidence, applied)
       SELECT $1, $2, $3, $4, $5, $6, $7
        WHERE $2 = 'merged' OR NOT EXISTS (SELECT 1 FROM contact_identity_events
                                            WHERE contact_id = $1 AND kind = $2 AND from_value IS NOT DISTINCT FROM $3
                                              AND to_value IS NOT DISTINCT FROM $4 AND occurred_at = $5)`,
      [contactId, kind, from, to, at, JSON.stringify(evidence), applied],
    );
  }
}
