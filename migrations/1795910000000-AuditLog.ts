import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Data-subject rights and the audit log (issue 13 §3).
 *
 * - `audit_log`: one row per API write (POST, PUT, PATCH, DELETE under /v1), written after the
 *   answer was sent: which key, which route (its pattern, not the URL), which target, the request
 *   id, the status and our error code. Never a body, a header or a secret.
 * - `contacts.erased_at`: when the person's data was last erased (POST /v1/contacts/:id/erase, or
 *   DELETE). Kept when the contact is brought back by a later import, API create or message, so
 *   its export still says an erasure happened.
 * - The consent ledger stays append-only, with one more change allowed: erasure clears the free
 *   text of an event (wording, evidence_ref) of an erased contact, and nothing else. Kind, scope,
 *   source, times and ids stay: they prove that an opt-in or opt-out happened, and when.
 */
export class AuditLog1795910000000 implements MigrationInterface {
  name = 'AuditLog1795910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        -- When the request arrived.
        at            timestamptz NOT NULL,
        -- The key the request was authenticated with; NULL when none was (a 401, or a request
        -- refused before the key was checked: a body that is not JSON, too large, ...).
        api_key_id    uuid,
        api_key_name  text,
        -- The method and route pattern: 'POST /v1/campaigns/:id/launch'.
        action        text NOT NULL,
        -- The resource segment of the route ('campaigns') and its id from the route, or for a
        -- create the id the answer gave.
        target_type   text,
        target_id     text,
        -- pino-http's request id (X-Request-Id).
        request_id    text,
        status_code   integer NOT NULL,
        -- 'ok', or the code of the error body (VALIDATION_FAILED, AUTH_MISSING_API_KEY, ...).
        outcome       text NOT NULL,
        duration_ms   integer NOT NULL
      )`);
    // The listing: newest first, keyset on (at, id).
    await q.query(`CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_log_target ON audit_log (target_id, at DESC) WHERE target_id IS NOT NULL`);

    await q.query(`ALTER TABLE contacts ADD COLUMN erased_at timestamptz`);
    await q.query(`
      CREATE OR REPLACE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          -- A merge: moving an event, and nothing else about it, to the contact it was merged into.
          -- merged_from_contact_id keeps the contact the event was first recorded on, through merges of merges.
          IF NEW.merged_from_contact_id IS NOT DISTINCT FROM coalesce(OLD.merged_from_contact_id, OLD.contact_id)
             AND (to_jsonb(NEW) - 'contact_id' - 'merged_from_contact_id') = (to_jsonb(OLD) - 'contact_id' - 'merged_from_contact_id')
             AND EXISTS (SELECT 1 FROM contacts WHERE id = OLD.contact_id AND merged_into = NEW.contact_id) THEN
            RETURN NEW;
          END IF;
          -- An erasure: the free text of an erased contact's event cleared, and nothing else changed.
          IF NEW.wording IS NULL AND NEW.evidence_ref IS NULL
             AND (to_jsonb(NEW) - 'wording' - 'evidence_ref') = (to_jsonb(OLD) - 'wording' - 'evidence_ref')
             AND EXISTS (SELECT 1 FROM contacts WHERE id = OLD.contact_id AND erased_at IS NOT NULL) THEN
            RETURN NEW;
          END IF;
        END IF;
        RAISE EXCEPTION 'consent_events is append-only' USING ERRCODE = 'restrict_violation';
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          IF NEW.merged_from_contact_id IS NOT DISTINCT FROM coalesce(OLD.merged_from_contact_id, OLD.contact_id)
             AND (to_jsonb(NEW) - 'contact_id' - 'merged_from_contact_id') = (to_jsonb(OLD) - 'contact_id' - 'merged_from_contact_id')
             AND EXISTS (SELECT 1 FROM contacts WHERE id = OLD.contact_id AND merged_into = NEW.contact_id) THEN
            RETURN NEW;
          END IF;
        END IF;
        RAISE EXCEPTION 'consent_events is append-only' USING ERRCODE = 'restrict_violation';
      END $$`);
    await q.query(`ALTER TABLE contacts DROP COLUMN erased_at`);
    await q.query(`DROP TABLE audit_log`);
  }
}
