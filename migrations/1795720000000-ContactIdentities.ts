import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One person, one contact (issue 8).
 *
 * - A contact is found by any of WhatsApp's identifiers: its wa_id (indexed here), its phone in any
 *   of the forms WhatsApp uses for it (src/contacts/wa-id.ts), or its BSUID. Two contacts that turn
 *   out to be one person are merged: the absorbed one keeps its row (contacts are never deleted)
 *   with `merged_into`, and its consent events move to the survivor, which is the one change the
 *   append-only consent ledger allows (`merged_from_contact_id` keeps where each came from).
 * - Identity changes (a number change, a BSUID change, a merge) are kept per contact in
 *   `contact_identity_events`, so the old number stays in the contact's history.
 * - The 24-hour customer service window belongs to a (contact, business phone number) pair:
 *   `contact_windows`. `contacts.last_inbound_at` stays as the latest of them, for display.
 * - Webhook items that cannot be processed are kept with their error (`webhook_item_errors`);
 *   a delivery that fails as a whole is retried with backoff (`next_attempt_at`).
 * - Template events apply in WhatsApp's order: the time of the event that set each of status,
 *   quality and category is kept, and so is the status a template had before it was archived.
 */
export class ContactIdentities1795720000000 implements MigrationInterface {
  name = 'ContactIdentities1795720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contacts ADD COLUMN merged_into bigint`);
    // The Foundation's anonymous CHECK (phone IS NOT NULL OR bsuid IS NOT NULL) is contacts_check.
    await q.query(`ALTER TABLE contacts DROP CONSTRAINT contacts_check`);
    await q.query(`ALTER TABLE contacts ADD CONSTRAINT contacts_identified CHECK (phone IS NOT NULL OR bsuid IS NOT NULL OR merged_into IS NOT NULL)`);
    await q.query(`CREATE INDEX contacts_wa_id ON contacts (wa_id) WHERE wa_id IS NOT NULL`);

    await q.query(`ALTER TABLE consent_events ADD COLUMN merged_from_contact_id bigint`);
    // Append-only, except for the one change a merge makes: moving an event, and nothing else
    // about it, from a contact to the contact it was merged into.
    await q.query(`
      CREATE OR REPLACE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        -- merged_from_contact_id keeps the contact the event was first recorded on, through merges of merges.
        IF TG_OP = 'UPDATE' THEN
          IF NEW.merged_from_contact_id IS NOT DISTINCT FROM coalesce(OLD.merged_from_contact_id, OLD.contact_id)
             AND (to_jsonb(NEW) - 'contact_id' - 'merged_from_contact_id') = (to_jsonb(OLD) - 'contact_id' - 'merged_from_contact_id')
             AND EXISTS (SELECT 1 FROM contacts WHERE id = OLD.contact_id AND merged_into = NEW.contact_id) THEN
            RETURN NEW;
          END IF;
        END IF;
        RAISE EXCEPTION 'consent_events is append-only' USING ERRCODE = 'restrict_violation';
      END $$`);

    await q.query(`
      CREATE TABLE contact_identity_events (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        contact_id   bigint NOT NULL,
        kind         text NOT NULL CHECK (kind IN ('phone_changed', 'bsuid_changed', 'merged')),
        from_value   text COLLATE "C",
        to_value     text COLLATE "C",
        -- When WhatsApp says it happened (the notice's timestamp).
        occurred_at  timestamptz NOT NULL,
        recorded_at  timestamptz NOT NULL DEFAULT now(),
        -- The webhook item that said so.
        evidence     jsonb
      )`);
    await q.query(`CREATE INDEX contact_identity_events_contact ON contact_identity_events (contact_id, id)`);
    // A message from a number that has since moved finds its person through this.
    await q.query(`CREATE INDEX contact_identity_events_from ON contact_identity_events (from_value) WHERE kind = 'phone_changed'`);

    await q.query(`
      CREATE TABLE contact_windows (
        contact_id       bigint NOT NULL,
        phone_number_id  text COLLATE "C" NOT NULL,
        -- The latest message (or call) from the user to this business number: the customer
        -- service window is open until 24 hours after it.
        last_inbound_at  timestamptz NOT NULL,
        PRIMARY KEY (contact_id, phone_number_id)
      )`);
    await q.query(`
      INSERT INTO contact_windows (contact_id, phone_number_id, last_inbound_at)
      SELECT contact_id, phone_number_id, max(sent_at) FROM inbound_messages
       WHERE contact_id IS NOT NULL AND type <> 'system'
       GROUP BY contact_id, phone_number_id`);

    await q.query(`ALTER TABLE inbound_messages ADD COLUMN group_id text, ADD COLUMN opens_window boolean NOT NULL DEFAULT true`);

    await q.query(`
      CREATE TABLE webhook_item_errors (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id  bigint NOT NULL,
        field        text NOT NULL,
        -- What the item was: 'message', 'status', 'error' (a value-level errors[] entry), ...
        item_kind    text NOT NULL,
        item         jsonb,
        code         text NOT NULL,
        message      text NOT NULL,
        recorded_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_item_errors_delivery ON webhook_item_errors (delivery_id)`);

    await q.query(`ALTER TABLE webhook_deliveries ADD COLUMN next_attempt_at timestamptz`);

    await q.query(`
      ALTER TABLE templates
        ADD COLUMN status_event_at        timestamptz,
        ADD COLUMN quality_event_at       timestamptz,
        ADD COLUMN category_event_at      timestamptz,
        -- When (our clock) a status webhook was last applied: a submission or edit in flight when
        -- one arrived must not overwrite it with the answer to its own request.
        ADD COLUMN status_applied_at      timestamptz,
        ADD COLUMN status_before_archive  text`);
    // A webhook event older than the one that set the current value is kept in the history only.
    await q.query(`ALTER TABLE template_history ADD COLUMN applied boolean NOT NULL DEFAULT true`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE template_history DROP COLUMN applied`);
    await q.query(`
      ALTER TABLE templates DROP COLUMN status_before_archive, DROP COLUMN status_applied_at, DROP COLUMN category_event_at,
        DROP COLUMN quality_event_at, DROP COLUMN status_event_at`);
    await q.query(`ALTER TABLE webhook_deliveries DROP COLUMN next_attempt_at`);
    await q.query(`DROP TABLE webhook_item_errors`);
    await q.query(`ALTER TABLE inbound_messages DROP COLUMN opens_window, DROP COLUMN group_id`);
    await q.query(`DROP TABLE contact_windows`);
    await q.query(`DROP TABLE contact_identity_events`);
    await q.query(`
      CREATE OR REPLACE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'consent_events is append-only' USING ERRCODE = 'restrict_violation';
      END $$`);
    await q.query(`ALTER TABLE consent_events DROP COLUMN merged_from_contact_id`);
    await q.query(`DROP INDEX contacts_wa_id`);
    await q.query(`ALTER TABLE contacts DROP CONSTRAINT contacts_identified`);
    await q.query(`ALTER TABLE contacts ADD CONSTRAINT contacts_check CHECK (phone IS NOT NULL OR bsuid IS NOT NULL)`);
    await q.query(`ALTER TABLE contacts DROP COLUMN merged_into`);
  }
}
