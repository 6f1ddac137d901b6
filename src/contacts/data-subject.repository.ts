import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Db, affected, one, rows } from '../database/sql';
import { CONTACT_COLUMNS, ContactRow } from './contacts.repository';

/**
 * The most rows of each kind an export lists (a person's consent events, inbound messages,
 * campaign messages, statuses): far more than one person has in practice, while keeping one
 * answer's size bounded. A list that reaches it says `truncated`.
 */
export const EXPORT_LIST_LIMIT = 10_000;

/** Every column of a contact, for the export. */
export interface SubjectContactRow extends ContactRow {
  mergedInto: string | null;
  deletedAt: Date | null;
  erasedAt: Date | null;
}

const SUBJECT_COLUMNS = `${CONTACT_COLUMNS}, c.merged_into::text AS "mergedInto", c.deleted_at AS "deletedAt", c.erased_at AS "erasedAt"`;

/** What a person's export holds besides the contact, identities and windows (each list capped at `limit + 1`). */
export const EXPORT_QUERIES = {
  // Every event on the contact: a merge moves the absorbed contact's events here.
  consentEvents: `
    SELECT e.id::text AS id, e.contact_id::text AS "contactId", e.kind, e.scope, e.source, e.wording, e.evidence_ref AS "evidenceRef", e.evidence,
           e.occurred_at AS "occurredAt", e.recorded_at AS "recordedAt", e.api_key_id AS "apiKeyId",
           e.import_id AS "importId", e.import_line AS "importLine", e.merged_from_contact_id::text AS "mergedFromContactId"
      FROM consent_events e WHERE e.contact_id = ANY($1::bigint[]) ORDER BY e.id LIMIT $2`,
  inboundMessages: `
    SELECT m.wamid, m.phone_number_id AS "phoneNumberId", m.from_wa_id AS "fromWaId", m.from_user_id AS "fromUserId",
           m.type, m.text_body AS "textBody", m.reply_id AS "replyId", m.group_id AS "groupId",
           m.sent_at AS "sentAt", m.received_at AS "receivedAt"
      FROM inbound_messages m WHERE m.contact_id = ANY($1::bigint[]) ORDER BY m.sent_at, m.wamid LIMIT $2`,
  campaigns: `
    SELECT r.campaign_id AS "campaignId", k.name AS "campaignName", r.contact_id::text AS "contactId", r.decision, r.reason,
           r.sends, r.category, r.consent_event_id::text AS "consentEventId", r.decided_at AS "decidedAt",
           r.send_state AS "sendState", r.skip_reason AS "skipReason", r.sent_at AS "sentAt", r.sent_message AS "sentMessage",
           r.wamid, r.wa_id AS "waId", r.delivery_state AS "deliveryState", r.delivery_at AS "deliveryAt",
           r.error_code AS "errorCode", r.error_title AS "errorTitle", r.pricing_category AS "pricingCategory"
      FROM campaign_recipients r JOIN campaigns k ON k.id = r.campaign_id
     WHERE r.contact_id = ANY($1::bigint[]) ORDER BY r.decided_at, r.campaign_id LIMIT $2`,
  // Every status WhatsApp reported for the messages sent to the person, as received.
  messageStatuses: `
    SELECT s.wamid, s.status, s.occurred_at AS "occurredAt", s.recipient, s.errors, s.pricing,
           s.phone_number_id AS "phoneNumberId", s.received_at AS "receivedAt"
      FROM campaign_recipients r JOIN message_status_events s ON s.wamid = r.wamid
     WHERE r.contact_id = ANY($1::bigint[]) AND r.wamid IS NOT NULL
     ORDER BY s.occurred_at, s.id LIMIT $2`,
} as const;

export type ExportList = keyof typeof EXPORT_QUERIES;

/** What one erasure changed, per kind of data (0 when there was nothing left: erasing twice is fine). */
export interface ErasureCounts {
  contacts: number;
  consentEvents: number;
  inboundMessages: number;
  campaignMessages: number;
  importRows: number;
  webhookDeliveries: number;
  webhookItems: number;
  accountEvents: number;
}

/**
 * Reads and erases everything held about one person, across the tables that hold personal data
 * (contacts, consent_events, inbound_messages, campaign_recipients, message_status_events,
 * contact_import_rejections/warnings, webhook_deliveries, webhook_item_errors, whatsapp_events).
 * The erasure statements run in the caller's transaction.
 */
@Injectable()
export class DataSubjectRepository {
  constructor(private readonly db: DataSource) {}

  /** The contact, whatever its state (deleted, erased, merged into another), or undefined. `lock`: FOR UPDATE. */
  contact(db: Db, id: string, lock = false): Promise<SubjectContactRow | undefined> {
    return one<SubjectContactRow>(db, `SELECT ${SUBJECT_COLUMNS} FROM contacts c WHERE c.id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  }

  /** The contacts merged into this one (their rows stay, with what the merge left on them). */
  mergedInto(db: Db, id: string, lock = false): Promise<SubjectContactRow[]> {
    return rows<SubjectContactRow>(db, `SELECT ${SUBJECT_COLUMNS} FROM contacts c WHERE c.merged_into = $1 ORDER BY c.id${lock ? ' FOR UPDATE' : ''}`, [id]);
  }

  /** `limit + 1` rows of one export list for these contacts. */
  list<T>(list: ExportList, contactIds: string[], limit: number): Promise<T[]> {
    return rows<T>(this.db, EXPORT_QUERIES[list], [contactIds, limit + 1]);
  }

  /**
   * Name, attributes, tags and wa_id cleared and the contact marked erased (and deleted, so no
   * campaign reaches it: the dispatcher's claim skips it as contact_erased). Phone, BSUID, country
   * and the consent state stay: an opt-out must outlive the contact (README, Contacts and consent).
   * `erased_at` is set before the consent events are touched: the ledger's trigger allows their
   * free text to be cleared only for an erased contact.
   */
  eraseContacts(db: Db, ids: string[]): Promise<number> {
    return affected(
      db,
      // Erasing again changes nothing (and counts nothing) unless personal data came back since;
      // the first erasure's time stays, as evidence of when the request was honoured.
      `UPDATE contacts SET name = NULL, attributes = '{}', tags = '{}', wa_id = NULL, erased_at = coalesce(erased_at, now()),
              deleted_at = coalesce(deleted_at, now()), updated_at = now()
        WHERE id = ANY($1::bigint[])
          AND (erased_at IS NULL OR deleted_at IS NULL OR name IS NOT NULL OR attributes <> '{}' OR tags <> '{}' OR wa_id IS NOT NULL)`,
      [ids],
    );
  }

  /** The free text of the consent events (wording, evidence_ref); kind, scope, source, times and ids stay. */
  eraseConsentText(db: Db, ids: string[]): Promise<number> {
    return affected(
      db,
      `UPDATE consent_events SET wording = NULL, evidence_ref = NULL
        WHERE contact_id = ANY($1::bigint[]) AND (wording IS NOT NULL OR evidence_ref IS NOT NULL)`,
      [ids],
    );
  }

  /**
   * The text of the person's inbound messages; type, times, ids and reply ids (a button's payload is
   * the business's own string, and the evidence of a stop button) stay. Answers every message of the
   * person (its wamid, the delivery that carried it, and the sender ids it came from), erased now or
   * before, for erasing the raw webhook copies.
   */
  async eraseInboundText(db: Db, ids: string[]): Promise<{ erased: number; messages: Array<{ wamid: string; deliveryId: string; fromWaId: string | null; fromUserId: string | null }> }> {
    const erased = await affected(db, `UPDATE inbound_messages SET text_body = NULL WHERE contact_id = ANY($1::bigint[]) AND text_body IS NOT NULL`, [ids]);
    const messages = await rows<{ wamid: string; deliveryId: string; fromWaId: string | null; fromUserId: string | null }>(
      db,
      `SELECT wamid, delivery_id::text AS "deliveryId", from_wa_id AS "fromWaId", from_user_id AS "fromUserId"
         FROM inbound_messages WHERE contact_id = ANY($1::bigint[])`,
      [ids],
    );
    return { erased, messages };
  }

  /**
   * What was sent to the person, without its content: a template keeps its name and language (the
   * category is the row's), a session message its type; parameter values and texts go. The row
   * keeps its decision, reason, send state, times, wamid, delivery state and error.
   */
  eraseSentContent(db: Db, ids: string[]): Promise<number> {
    return affected(
      db,
      `UPDATE campaign_recipients
          SET sent_message = CASE WHEN sent_message->>'type' = 'template'
                THEN jsonb_build_object('type', 'template', 'erased', true,
                       'template', jsonb_build_object('name', sent_message#>'{template,name}', 'language', sent_message#>'{template,language}'))
                ELSE jsonb_build_object('type', sent_message->'type', 'erased', true) END
        WHERE contact_id = ANY($1::bigint[]) AND sent_message IS NOT NULL AND NOT (sent_message ? 'erased')`,
      [ids],
    );
  }

  /**
   * The raw values of import rows (rejected, or imported with a warning) that carry one of these
   * national numbers, read as digits whatever the cell's format (`0812-3456-7890`, `+62 812…`):
   * each cell becomes empty, the line and reason stay. Reads every kept row (no index serves a
   * match on a cell's digits): erasure is rare.
   */
  async eraseImportRows(db: Db, nationalNumbers: string[]): Promise<number> {
    if (nationalNumbers.length === 0) return 0;
    let count = 0;
    for (const table of ['contact_import_rejections', 'contact_import_warnings']) {
      count += await affected(
        db,
        `UPDATE ${table} SET fields = ARRAY(SELECT '' FROM unnest(fields))
          WHERE EXISTS (SELECT 1 FROM unnest(fields) f, unnest($1::text[]) n
                         WHERE length(f) > 0 AND regexp_replace(f, '[^0-9]', '', 'g') LIKE '%' || n)`,
        [nationalNumbers],
      );
    }
    return count;
  }

  /** Processed webhook deliveries among these, locked, with their raw bodies. */
  processedDeliveries(db: Db, deliveryIds: string[]): Promise<Array<{ id: string; body: string }>> {
    return rows(db, `SELECT id::text AS id, body FROM webhook_deliveries WHERE id = ANY($1::bigint[]) AND processed_at IS NOT NULL ORDER BY id FOR UPDATE`, [deliveryIds]);
  }

  async replaceDeliveryBody(db: Db, id: string, body: string): Promise<void> {
    await db.query(`UPDATE webhook_deliveries SET body = $2 WHERE id = $1`, [id, body]);
  }

  /**
   * Webhook items set aside with an error that are the person's (by wamid or sender): the item is
   * cleared, its error kept. Answers the deliveries they came in.
   */
  async eraseItemErrors(db: Db, wamids: string[], waIds: string[], bsuids: string[]): Promise<string[]> {
    const erased = await rows<{ deliveryId: string }>(
      db,
      `UPDATE webhook_item_errors SET item = NULL
        WHERE item IS NOT NULL AND jsonb_typeof(item) = 'object'
          AND (item->>'id' = ANY($1::text[]) OR item->>'from' = ANY($2::text[]) OR item->>'from_user_id' = ANY($3::text[])
               OR item->>'wa_id' = ANY($2::text[]) OR item->>'user_id' = ANY($3::text[]))
       RETURNING delivery_id::text AS "deliveryId"`,
      [wamids, waIds, bsuids],
    );
    return erased.map((r) => r.deliveryId);
  }

  /**
   * The person's WhatsApp profile (name) in kept account events (`user_preferences`, `calls`):
   * `contacts[].profile` goes. Reads every event with contacts (no index serves it): erasure is
   * rare. Answers the deliveries they came in.
   */
  async eraseEventProfiles(db: Db, waIds: string[], bsuids: string[]): Promise<string[]> {
    const erased = await rows<{ deliveryId: string }>(
      db,
      `UPDATE whatsapp_events e
          SET payload = jsonb_set(e.payload, '{contacts}', (
                SELECT jsonb_agg(CASE WHEN c->>'wa_id' = ANY($1::text[]) OR c->>'user_id' = ANY($2::text[]) THEN c - 'profile' ELSE c END ORDER BY i)
                  FROM jsonb_array_elements(e.payload->'contacts') WITH ORDINALITY AS x(c, i)))
        WHERE jsonb_typeof(e.payload->'contacts') = 'array'
          AND EXISTS (SELECT 1 FROM jsonb_array_elements(e.payload->'contacts') c
                       WHERE (c->>'wa_id' = ANY($1::text[]) OR c->>'user_id' = ANY($2::text[])) AND c ? 'profile')
       RETURNING e.delivery_id::text AS "deliveryId"`,
      [waIds, bsuids],
    );
    return erased.map((r) => r.deliveryId);
  }

  /** Earlier numbers of the person (identity history), for finding their import rows. */
  async earlierPhones(db: Db, ids: string[]): Promise<string[]> {
    const found = await rows<{ phone: string }>(
      db,
      `SELECT DISTINCT from_value AS phone FROM contact_identity_events WHERE contact_id = ANY($1::bigint[]) AND kind = 'phone_changed' AND from_value IS NOT NULL`,
      [ids],
    );
    return found.map((r) => r.phone);
  }
}
