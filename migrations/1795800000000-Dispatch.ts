import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dispatcher (issue 12): each campaign recipient's sending, as a row in PostgreSQL.
 *
 * - `send_state` (NULL for excluded recipients): `pending` → `sending` (claimed, the intent
 *   committed before any HTTP call) → `accepted` | `failed` | `unknown` (the request may have
 *   reached WhatsApp and no answer came; resolved by a status webhook, else reported), or
 *   `cancelled` (the campaign was cancelled, or a re-check at claim time found the person may no
 *   longer be sent to: `skip_reason`). A retryable failure goes back to `pending` with `not_before`.
 * - `delivery_state` follows the status webhooks, forward only (sent < delivered < read; failed final).
 * - `sent_message`: what was sent (the Cloud API content without the recipient), so the report can
 *   show exactly what each person received.
 * - `campaigns.send_window`: optional local hours the campaign may send in.
 *
 * Indexes: the claim reads pending eligible rows of one campaign in contact order; the lease sweep
 * reads rows in `sending`; "one message in flight per person" looks rows in `sending` up by contact.
 * All three are partial, so sent rows leave them.
 */
export class Dispatch1795800000000 implements MigrationInterface {
  name = 'Dispatch1795800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE campaign_recipients
        ADD COLUMN send_state      text CHECK (send_state IN ('pending', 'sending', 'accepted', 'failed', 'unknown', 'cancelled')),
        -- Send attempts made (claims that reached the HTTP call or were refused by WhatsApp).
        ADD COLUMN attempts        smallint NOT NULL DEFAULT 0,
        -- A pending row is not claimed before this (retry backoff, pair rate).
        ADD COLUMN not_before      timestamptz,
        -- A row in sending past this is left by a worker that died: it becomes unknown.
        ADD COLUMN lease_until     timestamptz,
        -- When it was last claimed for sending (an unknown one may be retried by hand some time after).
        ADD COLUMN attempted_at    timestamptz,
        -- The message id WhatsApp gave, and the wa_id it answered for the number we sent to.
        ADD COLUMN wamid           text COLLATE "C",
        ADD COLUMN wa_id           text COLLATE "C",
        -- The last WhatsApp error (or Siaran's own refusal: see error_title) of this recipient.
        ADD COLUMN error_code      integer,
        ADD COLUMN error_title     text,
        -- Why a recipient was cancelled without a send: opted_out, no_opt_in, window_closed, campaign_cancelled.
        ADD COLUMN skip_reason     text,
        ADD COLUMN sent_message    jsonb,
        ADD COLUMN delivery_state  text CHECK (delivery_state IN ('sent', 'delivered', 'read', 'failed')),
        ADD COLUMN delivery_at     timestamptz,
        -- The pricing category of the status webhooks (marketing, utility, service, …).
        ADD COLUMN pricing_category text,
        ADD CONSTRAINT campaign_recipients_send_state CHECK ((decision = 'excluded') = (send_state IS NULL))`);
    // Recipients of campaigns started before this migration: pending, or accepted if they were sent.
    await q.query(`UPDATE campaign_recipients SET send_state = CASE WHEN sent_at IS NULL THEN 'pending' ELSE 'accepted' END WHERE decision <> 'excluded'`);
    await q.query(`CREATE INDEX campaign_recipients_to_send ON campaign_recipients (campaign_id, contact_id) WHERE send_state = 'pending' AND decision = 'eligible'`);
    await q.query(`CREATE INDEX campaign_recipients_leases ON campaign_recipients (lease_until) WHERE send_state = 'sending'`);
    await q.query(`CREATE INDEX campaign_recipients_in_flight ON campaign_recipients (contact_id) WHERE send_state = 'sending'`);
    await q.query(`
      ALTER TABLE campaigns
        -- {"from": "08:00", "to": "20:00", "timeZone": "Asia/Jakarta"}: outside it the campaign waits.
        ADD COLUMN send_window jsonb CHECK (send_window IS NULL OR jsonb_typeof(send_window) = 'object')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaigns DROP COLUMN send_window`);
    await q.query(`DROP INDEX campaign_recipients_in_flight`);
    await q.query(`DROP INDEX campaign_recipients_leases`);
    await q.query(`DROP INDEX campaign_recipients_to_send`);
    await q.query(`
      ALTER TABLE campaign_recipients
        DROP CONSTRAINT campaign_recipients_send_state,
        DROP COLUMN send_state, DROP COLUMN attempts, DROP COLUMN not_before, DROP COLUMN lease_until, DROP COLUMN attempted_at,
        DROP COLUMN wamid, DROP COLUMN wa_id, DROP COLUMN error_code, DROP COLUMN error_title,
        DROP COLUMN skip_reason, DROP COLUMN sent_message, DROP COLUMN delivery_state, DROP COLUMN delivery_at,
        DROP COLUMN pricing_category`);
  }
}
