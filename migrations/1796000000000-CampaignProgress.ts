import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A campaign's counts kept as it changes, so that reading its progress costs the same for ten
 * recipients as for a million (issue 12, section 5: live counts).
 *
 * Before: GET /v1/campaigns/:id counted the campaign's rows twice (by decision and reason, and by
 * send state, delivery state and error code). At 20,000 recipients a count took 33 – 41 ms of
 * PostgreSQL, and a console or script polling three campaigns twice a second spent 38% of the
 * database's time in `npm run bench:dispatch` (pg_stat_statements: 14.3 s of 37 s); it grows with
 * the audience (about 2 s a poll at 1,000,000).
 *
 * `campaign_progress` holds signed deltas: one row per (campaign, decision, reason, send state,
 * delivery state, error code) that a statement changed, with how many rows it added (+) or took
 * away (−). Statement-level triggers with transition tables write them for every UPDATE and
 * DELETE, so every path that changes `campaign_recipients` (claims, outcomes, status webhooks,
 * leases running out, cancel, retry, deferred release, erasure) is counted in its own transaction
 * without having to remember it: one INSERT … SELECT … GROUP BY per statement, not per row. New
 * rows are written by eligibility's snapshot alone, which counts them in the same statement: an
 * INSERT trigger's transition table of a million rows added 0.5 – 1.5 s to the snapshot (npm run
 * bench:eligibility, 4.2 – 4.7 s before). A campaign's counts are the sums of its deltas; the
 * dispatcher folds old deltas into one row per group now and then
 * (CampaignsRepository.compactProgress), so a read sums tens of rows, not thousands.
 *
 * PostgreSQL allows transition tables only on single-event triggers without column lists, hence
 * one trigger per event on one function; UPDATEs that change none of the counted columns add
 * nothing (HAVING sum <> 0). TRUNCATE is not counted (nothing truncates campaign_recipients).
 *
 * Campaigns that exist already get their counts now.
 */
export class CampaignProgress1796000000000 implements MigrationInterface {
  name = 'CampaignProgress1796000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE campaign_progress (
        campaign_id     uuid NOT NULL,
        decision        text NOT NULL,
        reason          text,
        send_state      text,
        delivery_state  text,
        error_code      integer,
        n               bigint NOT NULL,
        -- When the change was written (the transaction's time): the current rate is the accepted
        -- deltas of the last seconds. A folded row is dated -infinity.
        at              timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX campaign_progress_campaign ON campaign_progress (campaign_id, at)`);
    await q.query(`
      CREATE FUNCTION campaign_progress_count() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          INSERT INTO campaign_progress (campaign_id, decision, reason, send_state, delivery_state, error_code, n)
          SELECT campaign_id, decision, reason, send_state, delivery_state, error_code, sum(d)
            FROM (SELECT campaign_id, decision, reason, send_state, delivery_state, error_code, 1 AS d FROM new_rows
                  UNION ALL
                  SELECT campaign_id, decision, reason, send_state, delivery_state, error_code, -1 FROM old_rows) x
           GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d) <> 0;
        ELSE
          INSERT INTO campaign_progress (campaign_id, decision, reason, send_state, delivery_state, error_code, n)
          SELECT campaign_id, decision, reason, send_state, delivery_state, error_code, -count(*)
            FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER campaign_progress_update AFTER UPDATE ON campaign_recipients REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_progress_count()`);
    await q.query(`CREATE TRIGGER campaign_progress_delete AFTER DELETE ON campaign_recipients REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_progress_count()`);
    await q.query(`
      INSERT INTO campaign_progress (campaign_id, decision, reason, send_state, delivery_state, error_code, n)
      SELECT campaign_id, decision, reason, send_state, delivery_state, error_code, count(*)
        FROM campaign_recipients GROUP BY 1, 2, 3, 4, 5, 6`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER campaign_progress_delete ON campaign_recipients`);
    await q.query(`DROP TRIGGER campaign_progress_update ON campaign_recipients`);
    await q.query(`DROP FUNCTION campaign_progress_count()`);
    await q.query(`DROP TABLE campaign_progress`);
  }
}
