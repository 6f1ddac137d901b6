import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The campaign report (issue 13, section 1).
 *
 * - `campaign_events`: a campaign's timeline, one row per status change (created, scheduled,
 *   running, paused with its reason, resumed, completed, cancelled). Written by a trigger on
 *   `campaigns`, so every path that changes a status (the API, the scheduler, the dispatcher's
 *   pauses, template webhooks) is recorded in the same transaction without each having to
 *   remember it. Campaigns change status a handful of times: the trigger costs nothing that
 *   matters. Campaigns made before this migration get their creation and their status now.
 * - `csv_cell(text)`: src/common/csv.ts's `neutraliseCell` in SQL, for CSVs written by COPY: a cell
 *   starting with =, +, -, @, tab or CR (after any quotes) gets one more ' in front (OWASP).
 *   test/campaign-report.spec.ts checks the two agree.
 */
export class CampaignReport1795900000000 implements MigrationInterface {
  name = 'CampaignReport1795900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE campaign_events (
        id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        campaign_id      uuid NOT NULL REFERENCES campaigns (id),
        at               timestamptz NOT NULL DEFAULT now(),
        -- The status it moved to, and from (NULL: created).
        status           text NOT NULL,
        previous_status  text,
        -- campaigns.status_reason after the change (why paused or failed).
        reason           text
      )`);
    await q.query(`CREATE INDEX campaign_events_campaign ON campaign_events (campaign_id, id)`);
    await q.query(`
      CREATE FUNCTION campaign_events_record() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO campaign_events (campaign_id, status, reason) VALUES (NEW.id, NEW.status, NEW.status_reason);
        ELSIF NEW.status IS DISTINCT FROM OLD.status OR NEW.status_reason IS DISTINCT FROM OLD.status_reason THEN
          INSERT INTO campaign_events (campaign_id, status, previous_status, reason) VALUES (NEW.id, NEW.status, OLD.status, NEW.status_reason);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER campaign_events_record AFTER INSERT OR UPDATE OF status, status_reason ON campaigns FOR EACH ROW EXECUTE FUNCTION campaign_events_record()`);
    await q.query(`
      INSERT INTO campaign_events (campaign_id, at, status)
      SELECT id, created_at, 'draft' FROM campaigns`);
    await q.query(`
      INSERT INTO campaign_events (campaign_id, at, status, previous_status, reason)
      SELECT id, updated_at, status, 'draft', status_reason FROM campaigns WHERE status <> 'draft'`);

    // Written so that the planner inlines it (a SQL function, not STRICT: a strict one whose body
    // is a CASE is called through the function executor, about a second per million cells; inlined,
    // it costs next to nothing), and so that the first character decides for nearly every cell
    // (ascii(): a code point, no regular expression); only a cell starting with ' needs one.
    // NULL stays NULL (ascii(NULL) is NULL: the ELSE branch).
    await q.query(`
      CREATE FUNCTION csv_cell(value text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT CASE WHEN ascii(value) IN (61, 43, 45, 64, 9, 13) THEN '''' || value
                        WHEN ascii(value) = 39 AND value ~ '^''+[=+\\-@\\t\\r]' THEN '''' || value
                        ELSE value END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION csv_cell(text)`);
    await q.query(`DROP TRIGGER campaign_events_record ON campaigns`);
    await q.query(`DROP FUNCTION campaign_events_record()`);
    await q.query(`DROP TABLE campaign_events`);
  }
}
