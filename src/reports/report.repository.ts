import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import type { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { discardConnection } from '../database/connections';
import { one, rows } from '../database/sql';

export interface TemplateAsSent {
  id: string;
  name: string;
  language: string;
  category: string;
  components: unknown[];
  status: string;
  /** Edited (new content submitted) after the campaign started: what each person got is in the CSV's message column. */
  editedSinceStart: boolean;
}

export interface PolicyVersionRow {
  id: number;
  baseVersion: string;
  overrides: Array<{ id: string; scope: string; country: string; category: string; allow: boolean; reason: string }>;
}

export interface ErrorCountRow {
  code: number;
  title: string | null;
  count: number;
}

/** Messages per pricing category as WhatsApp's status webhooks gave it (`pricing`): WhatsApp sends no prices. */
export interface PricingRow {
  category: string | null;
  type: string | null;
  pricingModel: string | null;
  billable: boolean | null;
  messages: number;
}

export interface TimelineRow {
  at: Date;
  status: string;
  previousStatus: string | null;
  reason: string | null;
}

export interface OptOutRow {
  eventId: string;
  contactId: string;
  scope: string;
  source: string;
  occurredAt: Date;
  recordedAt: Date;
  /** Whether the campaign had been sent to this person (accepted) before the opt-out was recorded. */
  afterReceiving: boolean;
}


/**
 * The report.csv query: one row per recipient in contact order. Text that a spreadsheet could run
 * is neutralised by csv_cell (the migration's copy of src/common/csv.ts). COPY takes no bind
 * parameters, so the campaign's id comes from a setting of the transaction (CAMPAIGN_SETTING, set
 * with set_config and a bind parameter): no value is ever spliced into the SQL. Times are written
 * as PostgreSQL writes a timestamptz in the copy's transaction (TimeZone UTC, DateStyle ISO):
 * `2026-11-30 19:20:19.737345+00`; to_char into `…T…Z` cost about a second per million cells per
 * column, a third of the whole report.
 */
export const CAMPAIGN_SETTING = 'siaran.report_campaign';
export const REPORT_CSV_SQL = reportCsvSql(`current_setting('${CAMPAIGN_SETTING}')::uuid`);

function reportCsvSql(campaign: string): string {
  return `COPY (
    SELECT r.contact_id,
           csv_cell(coalesce(c.phone, s.phone)) AS phone,
           r.decision,
           r.reason,
           r.consent_event_id,
           e.source AS consent_source,
           e.occurred_at AS consent_occurred_at,
           csv_cell(e.wording) AS consent_wording,
           csv_cell(e.evidence_ref) AS consent_evidence_ref,
           v.base_version || '+' || v.id AS policy_version,
           r.sends,
           r.category,
           csv_cell(r.sent_message #>> '{template,name}') AS template_name,
           csv_cell(r.sent_message #>> '{template,language,code}') AS template_language,
           csv_cell(CASE WHEN r.sent_message ? 'template'
                         THEN jsonb_path_query_array(r.sent_message, '$.template.components[*].parameters[*].text')::text
                         ELSE r.sent_message #>> '{text,body}' END) AS parameters_or_text,
           r.send_state,
           r.skip_reason,
           r.attempts,
           r.attempted_at AS attempted_at,
           r.sent_at AS sent_at,
           r.wamid,
           r.wa_id,
           r.delivery_state,
           r.delivery_at AS delivery_at,
           r.error_code,
           csv_cell(r.error_title) AS error_title,
           r.pricing_category
      FROM campaign_recipients r
      JOIN contacts c ON c.id = r.contact_id
      -- A merged contact's number moved to its survivor.
      LEFT JOIN contacts s ON s.id = c.merged_into
      LEFT JOIN consent_events e ON e.id = r.consent_event_id
      LEFT JOIN eligibility_policy_versions v ON v.id = r.policy_version_id
     WHERE r.campaign_id = ${campaign}
     ORDER BY r.contact_id
  ) TO STDOUT WITH (FORMAT csv, HEADER)`;
}

/** What the campaign report reads, besides what GET /v1/campaigns/:id already counts. */
@Injectable()
export class ReportRepository {
  constructor(private readonly db: DataSource) {}

  templates(ids: string[], startedAt: Date | null): Promise<TemplateAsSent[]> {
    return rows(
      this.db,
      `SELECT t.id, t.name, t.language, t.category, t.components, t.status,
              EXISTS (SELECT 1 FROM template_history h
                       WHERE h.template_id = t.id AND h.change = 'edited' AND $2::timestamptz IS NOT NULL AND h.occurred_at > $2) AS "editedSinceStart"
         FROM templates t WHERE t.id = ANY ($1::uuid[])`,
      [ids, startedAt],
    );
  }

  async policyVersion(id: number): Promise<PolicyVersionRow | undefined> {
    return one(
      this.db,
      `SELECT v.id, v.base_version AS "baseVersion",
              coalesce((SELECT jsonb_agg(jsonb_build_object('id', o.id::text, 'scope', o.scope, 'country', o.country, 'category', o.category,
                                                            'allow', o.allow, 'reason', o.reason) ORDER BY o.id)
                          FROM eligibility_policy_overrides o WHERE o.id = ANY (v.override_ids)), '[]') AS overrides
         FROM eligibility_policy_versions v WHERE v.id = $1`,
      [id],
    );
  }

  errors(campaignId: string): Promise<ErrorCountRow[]> {
    return rows(
      this.db,
      `SELECT error_code AS code, max(error_title) AS title, count(*)::int AS count
         FROM campaign_recipients WHERE campaign_id = $1 AND error_code IS NOT NULL
        GROUP BY error_code ORDER BY count(*) DESC, error_code`,
      [campaignId],
    );
  }

  pricing(campaignId: string): Promise<PricingRow[]> {
    return rows(
      this.db,
      `SELECT m.pricing ->> 'category' AS category, m.pricing ->> 'type' AS type, m.pricing ->> 'pricing_model' AS "pricingModel",
              (m.pricing ->> 'billable')::boolean AS billable, count(*)::int AS messages
         FROM campaign_recipients r
         JOIN message_statuses m ON m.wamid = r.wamid
        WHERE r.campaign_id = $1 AND r.wamid IS NOT NULL AND m.pricing IS NOT NULL
        GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC`,
      [campaignId],
    );
  }

  timeline(campaignId: string): Promise<TimelineRow[]> {
    return rows(
      this.db,
      `SELECT at, status, previous_status AS "previousStatus", reason FROM campaign_events WHERE campaign_id = $1 ORDER BY id`,
      [campaignId],
    );
  }

  /** Opt-outs recorded since `since` from the campaign's recipients (as persons: merges followed), newest first. */
  async optOuts(campaignId: string, since: Date, limit: number): Promise<{ total: number; bySource: Array<{ source: string; scope: string; count: number }>; rows: OptOutRow[] }> {
    const found = await rows<OptOutRow & { total: number }>(
      this.db,
      `WITH o AS (
         SELECT e.id::text AS "eventId", r.contact_id::text AS "contactId", e.scope, e.source, e.occurred_at AS "occurredAt",
                e.recorded_at AS "recordedAt", (r.sent_at IS NOT NULL AND r.sent_at <= e.recorded_at) AS "afterReceiving"
           FROM campaign_recipients r
           JOIN contacts k ON k.id = r.contact_id
           JOIN consent_events e ON e.contact_id = coalesce(k.merged_into, k.id)
          WHERE r.campaign_id = $1 AND e.kind = 'opt_out' AND e.recorded_at >= $2)
       SELECT count(*) OVER ()::int AS total, o.* FROM o ORDER BY o."recordedAt" DESC, o."eventId" DESC LIMIT $3`,
      [campaignId, since, Math.max(limit, 1)],
    );
    const bySource = await rows<{ source: string; scope: string; count: number }>(
      this.db,
      `SELECT e.source, e.scope, count(*)::int AS count
         FROM campaign_recipients r
         JOIN contacts k ON k.id = r.contact_id
         JOIN consent_events e ON e.contact_id = coalesce(k.merged_into, k.id)
        WHERE r.campaign_id = $1 AND e.kind = 'opt_out' AND e.recorded_at >= $2
        GROUP BY 1, 2 ORDER BY 3 DESC`,
      [campaignId, since],
    );
    return { total: found[0]?.total ?? 0, bySource, rows: found.slice(0, limit).map(({ total: _t, ...row }) => row) };
  }

  /**
   * Runs report.csv's COPY on a connection of its own, taken from the pool and given back when the
   * copy ends; `use` pipes the COPY stream (with backpressure) and resolves when it is written.
   * When the copy is interrupted (the client went away, an error), the connection is closed instead
   * of pooled: it is mid-COPY.
   */
  async copyCsv(campaignId: string, use: (copy: NodeJS.ReadableStream) => Promise<void>): Promise<void> {
    const runner = this.db.createQueryRunner() as PostgresQueryRunner;
    const client = (await runner.connect()) as PoolClient;
    let clean = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`SELECT set_config($1, $2, true), set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true)`, [CAMPAIGN_SETTING, campaignId]);
      const copy = client.query(copyTo(REPORT_CSV_SQL));
      await use(copy);
      await client.query('COMMIT');
      clean = true;
    } finally {
      if (clean) await runner.release();
      else await discardConnection(runner, new Error('report.csv interrupted; connection not reused'));
    }
  }
}
