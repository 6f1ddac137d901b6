import { Injectable } from '@nestjs/common';
import { Db, one, rows } from '../database/sql';

/** An inbound message as it is kept (`inbound_messages`). */
export interface InboundMessageRow {
  wamid: string;
  phoneNumberId: string;
  wabaId: string;
  fromWaId: string | null;
  fromUserId: string | null;
  /** Unknown yet for a system notice, which is kept before it changes who the person is (see assignContact). */
  contactId: string | null;
  type: string;
  textBody: string | null;
  /** A quick-reply payload or an interactive reply's id. */
  replyId: string | null;
  sentAt: Date;
  deliveryId: string;
  groupId: string | null;
  /** Whether it opens the customer service window with `phoneNumberId` (inbound-messages.handler.ts opensWindow). */
  opensWindow: boolean;
}

/**
 * Opening windows, as common table expressions over a relation `opened (contact_id, phone_number_id,
 * at)` that the statement defines before them: each pair's window moves to `at` if that is later,
 * and so does the contact's latest inbound time. Shared by openWindow and the inbound-message
 * statement, which opens the window in the same statement that records the message.
 */
const OPEN_WINDOW = `
  opened_window AS (
    INSERT INTO contact_windows AS w (contact_id, phone_number_id, last_inbound_at)
    SELECT contact_id, phone_number_id, at FROM opened
    ON CONFLICT (contact_id, phone_number_id) DO UPDATE SET last_inbound_at = greatest(w.last_inbound_at, EXCLUDED.last_inbound_at)
  ), latest_inbound AS (
    UPDATE contacts c SET last_inbound_at = greatest(c.last_inbound_at, o.at), updated_at = now()
      FROM opened o WHERE c.id = o.contact_id
  )`;

/**
 * What users sent us (`inbound_messages`) and the customer service windows it opened
 * (`contact_windows`, per contact and business phone number). Every method runs in the caller's
 * transaction or on the pool it is given.
 */
@Injectable()
export class InboundMessagesRepository {
  /**
   * Keeps a message once (by wamid) and, when it opens a window and has a contact, opens that
   * window, in one statement: the window moves only for a message seen for the first time.
   * Resolves with whether the message was new.
   */
  async record(db: Db, m: InboundMessageRow): Promise<boolean> {
    const fresh = await one<{ wamid: string }>(
      db,
      `WITH fresh AS (
         INSERT INTO inbound_messages (wamid, phone_number_id, waba_id, from_wa_id, from_user_id, contact_id, type, text_body, reply_id, sent_at, delivery_id, group_id, opens_window)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (wamid) DO NOTHING
         RETURNING wamid
       ), opened AS (
         SELECT $6::bigint AS contact_id, $2::text AS phone_number_id, $10::timestamptz AS at FROM fresh WHERE $13 AND $6::bigint IS NOT NULL
       ), ${OPEN_WINDOW}
       SELECT wamid FROM fresh`,
      [m.wamid, m.phoneNumberId, m.wabaId, m.fromWaId, m.fromUserId, m.contactId, m.type, m.textBody, m.replyId, m.sentAt, m.deliveryId, m.groupId, m.opensWindow],
    );
    return fresh !== undefined;
  }

  /** Attaches a kept message to its contact (a system notice, once it has been applied). */
  async assignContact(db: Db, wamid: string, contactId: string): Promise<void> {
    await db.query(`UPDATE inbound_messages SET contact_id = $2 WHERE wamid = $1`, [wamid, contactId]);
  }

  /**
   * Opens (or restarts) the customer service window of a contact with one business phone number:
   * a message or call from the user at `at`. The window is per (contact, phone_number_id).
   */
  async openWindow(db: Db, contactId: string, phoneNumberId: string, at: Date): Promise<void> {
    await db.query(`WITH opened AS (SELECT $1::bigint AS contact_id, $2::text AS phone_number_id, $3::timestamptz AS at), ${OPEN_WINDOW} SELECT 1`, [
      contactId,
      phoneNumberId,
      at,
    ]);
  }

  /** A contact's customer service windows, one per business phone number it wrote to. */
  windowsOf(db: Db, contactId: string): Promise<Array<{ phoneNumberId: string; lastInboundAt: Date }>> {
    return rows(
      db,
      `SELECT phone_number_id AS "phoneNumberId", last_inbound_at AS "lastInboundAt" FROM contact_windows WHERE contact_id = $1 ORDER BY phone_number_id`,
      [contactId],
    );
  }
}
