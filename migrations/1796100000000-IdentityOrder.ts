import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identity changes in WhatsApp's order (issue 8 follow-up).
 *
 * - `contacts.phone_event_at` / `bsuid_event_at`: WhatsApp's time of the fact that set the current
 *   phone / BSUID (a number or BSUID change, or the webhook that first showed it). A change older
 *   than it, delivered late, does not reverse it; a message older than it does not teach the old
 *   BSUID back. Null: set by an import or the API, or before this migration (no webhook time).
 * - `contact_identity_events.applied`: false for a change kept in the history only, because an
 *   event newer than it had set the current value (as template_history.applied).
 * - Every BSUID a contact had leads to it (a message under an old BSUID is the person's): the
 *   BSUID history is looked up by its old and new values, and by `evidence->>'replaced'` (the BSUID
 *   the contact had when an update named another one as the previous).
 */
export class IdentityOrder1796100000000 implements MigrationInterface {
  name = 'IdentityOrder1796100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contacts ADD COLUMN phone_event_at timestamptz, ADD COLUMN bsuid_event_at timestamptz`);
    await q.query(`ALTER TABLE contact_identity_events ADD COLUMN applied boolean NOT NULL DEFAULT true`);
    await q.query(`
      UPDATE contacts c SET phone_event_at = e.phone_at, bsuid_event_at = e.bsuid_at
        FROM (SELECT contact_id,
                     max(occurred_at) FILTER (WHERE kind = 'phone_changed') AS phone_at,
                     max(occurred_at) FILTER (WHERE kind = 'bsuid_changed') AS bsuid_at
                FROM contact_identity_events WHERE kind IN ('phone_changed', 'bsuid_changed') GROUP BY contact_id) e
       WHERE c.id = e.contact_id`);
    await q.query(`CREATE INDEX contact_identity_events_bsuid_from ON contact_identity_events (from_value) WHERE kind = 'bsuid_changed'`);
    await q.query(`CREATE INDEX contact_identity_events_bsuid_to ON contact_identity_events (to_value) WHERE kind = 'bsuid_changed'`);
    await q.query(`CREATE INDEX contact_identity_events_bsuid_replaced ON contact_identity_events ((evidence ->> 'replaced')) WHERE kind = 'bsuid_changed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX contact_identity_events_bsuid_replaced`);
    await q.query(`DROP INDEX contact_identity_events_bsuid_to`);
    await q.query(`DROP INDEX contact_identity_events_bsuid_from`);
    await q.query(`ALTER TABLE contact_identity_events DROP COLUMN applied`);
    await q.query(`ALTER TABLE contacts DROP COLUMN bsuid_event_at, DROP COLUMN phone_event_at`);
  }
}
