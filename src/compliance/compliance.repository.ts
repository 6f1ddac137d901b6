import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { one, rows } from '../database/sql';
import type { PolicyOverrideRow } from '../eligibility/eligibility-policy.repository';
import { BASE_POLICY_VERSION } from '../eligibility/country-policy.data';
import { INVARIANTS, InvariantDefinition, PolicyRuleParameter, UNVERIFIABLE_POLICY_SQL } from './invariants';

export interface Period {
  from: Date;
  to: Date;
}

/** Messages of the period per sender and category (what counts as a message: invariants.ts). */
export interface MessagesRow {
  phoneNumberId: string;
  businessCountry: string;
  category: string;
  messages: number;
  /** The answer was lost: may have been sent. */
  unknown: number;
  delivered: number;
  read: number;
  failed: number;
}

export interface OffendingRow {
  campaignId: string;
  contactId: string;
  phone: string | null;
  category: string;
  phoneNumberId: string;
  sentAt: Date;
  detail: Record<string, unknown>;
}

export interface InvariantResult {
  definition: InvariantDefinition;
  violations: number;
  rows: OffendingRow[];
}

/** Seconds from an opt-out reaching Siaran (or the person's act) to its suppression, per source. */
export interface OptOutLatencyRow {
  source: string;
  optOuts: number;
  /** Those whose arrival at Siaran is known (the webhook delivery, the import upload, the API call). */
  measured: number;
  fromReceived: Distribution;
  fromOccurred: Distribution;
}

export interface Distribution {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

/**
 * The ledger read for the period report. Every query is parameterised by the period (`$1` from,
 * inclusive; `$2` to, exclusive) and runs in one REPEATABLE READ snapshot, so the numbers agree
 * with each other while the dispatcher writes.
 */
@Injectable()
export class ComplianceRepository {
  constructor(private readonly db: DataSource) {}

  /** Runs `fn` in one read-only snapshot of the database. */
  snapshot<T>(fn: (read: ComplianceRead) => Promise<T>): Promise<T> {
    return this.db.transaction('REPEATABLE READ', async (tx) => {
      await tx.query('SET TRANSACTION READ ONLY');
      return fn(new ComplianceRead(tx));
    });
  }
}

export class ComplianceRead {
  constructor(private readonly tx: Parameters<typeof rows>[0]) {}

  /** Every override ever made, removed ones included (older policy versions used them). */
  overrides(): Promise<PolicyOverrideRow[]> {
    return rows(
      this.tx,
      `SELECT id::text, scope, country, category, allow, reason, created_at AS "createdAt", api_key_id AS "apiKeyId"
         FROM eligibility_policy_overrides ORDER BY id`,
    );
  }

  messages(period: Period): Promise<MessagesRow[]> {
    return rows(
      this.tx,
      `SELECT cp.phone_number_id AS "phoneNumberId", pn.business_country AS "businessCountry", r.category,
              count(*)::int AS messages,
              count(*) FILTER (WHERE r.send_state = 'unknown')::int AS unknown,
              count(*) FILTER (WHERE r.delivery_state IN ('delivered', 'read'))::int AS delivered,
              count(*) FILTER (WHERE r.delivery_state = 'read')::int AS read,
              count(*) FILTER (WHERE r.delivery_state = 'failed')::int AS failed
         FROM campaign_recipients r
         JOIN campaigns cp ON cp.id = r.campaign_id
         JOIN phone_numbers pn ON pn.phone_number_id = cp.phone_number_id
        WHERE r.send_state IN ('accepted', 'unknown')
          AND coalesce(r.sent_at, r.attempted_at) >= $1 AND coalesce(r.sent_at, r.attempted_at) < $2
        GROUP BY 1, 2, 3
        ORDER BY 1, 3`,
      [period.from, period.to],
    );
  }

  /** One invariant: how many messages break it, and the first `limit` of them. */
  async invariant(definition: InvariantDefinition, period: Period, rules: PolicyRuleParameter[], limit: number): Promise<InvariantResult> {
    const params: unknown[] = [period.from, period.to];
    if (definition.usesPolicyRules) params.push(JSON.stringify(rules));
    // At least one row, to read the count from.
    params.push(Math.max(limit, 1));
    const found = await rows<OffendingRow & { total: number }>(
      this.tx,
      `SELECT count(*) OVER ()::int AS total, o.campaign_id AS "campaignId", o.contact_id AS "contactId", o.phone,
              o.category, o.phone_number_id AS "phoneNumberId", o.sent_at AS "sentAt", o.detail
         FROM (${definition.sql}) o
        ORDER BY o.sent_at, o.campaign_id, o.contact_id
        LIMIT $${params.length}`,
      params,
    );
    return { definition, violations: found[0]?.total ?? 0, rows: found.slice(0, limit).map(({ total: _total, ...row }) => row) };
  }

  async invariants(period: Period, rules: PolicyRuleParameter[], limit: number): Promise<InvariantResult[]> {
    const results: InvariantResult[] = [];
    for (const definition of INVARIANTS) results.push(await this.invariant(definition, period, rules, limit));
    return results;
  }

  /** Messages whose policy version has other base rules than this code's (see UNVERIFIABLE_POLICY_SQL). */
  async unverifiablePolicy(period: Period): Promise<number> {
    const row = await one<{ count: number }>(this.tx, UNVERIFIABLE_POLICY_SQL, [period.from, period.to, BASE_POLICY_VERSION]);
    return row?.count ?? 0;
  }

  /**
   * Opt-outs recorded in the period, per source, with two distributions in seconds:
   * - fromReceived: from their arrival at Siaran to their recording, which is their suppression
   *   (the consent state changes in the same transaction, and the dispatcher's claim re-checks it).
   *   Arrival: the webhook delivery stored (keyword and button replies through their inbound
   *   message; user_preferences signals through the delivery named in their evidence), the import
   *   uploaded (csv_import), the request itself (api: 0).
   * - fromOccurred: from the person's act (the event's occurred time) to the recording; for
   *   WhatsApp sources this includes WhatsApp's own webhook delay; for imports it may be months.
   */
  optOutLatency(period: Period): Promise<OptOutLatencyRow[]> {
    return rows(
      this.tx,
      `WITH o AS (
         SELECT e.source,
                extract(epoch FROM e.recorded_at - CASE e.source
                  WHEN 'api' THEN e.recorded_at
                  WHEN 'csv_import' THEN imp.created_at
                  ELSE coalesce(via_message.received_at, via_delivery.received_at) END)::float8 AS from_received,
                extract(epoch FROM e.recorded_at - e.occurred_at)::float8 AS from_occurred
           FROM consent_events e
           LEFT JOIN contact_imports imp ON e.source = 'csv_import' AND imp.id = e.import_id
           LEFT JOIN LATERAL (
             SELECT d.received_at FROM inbound_messages m JOIN webhook_deliveries d ON d.id = m.delivery_id
              WHERE e.source IN ('keyword', 'button') AND m.wamid = e.evidence ->> 'messageId') via_message ON true
           LEFT JOIN webhook_deliveries via_delivery
                  ON e.source = 'whatsapp_signal' AND (e.evidence ->> 'deliveryId') ~ '^[0-9]{1,18}$'
                 AND via_delivery.id = (e.evidence ->> 'deliveryId')::bigint
          WHERE e.kind = 'opt_out' AND e.recorded_at >= $1 AND e.recorded_at < $2)
       SELECT source, count(*)::int AS "optOuts", count(from_received)::int AS measured,
              jsonb_build_object(
                'p50', percentile_cont(0.5) WITHIN GROUP (ORDER BY from_received),
                'p90', percentile_cont(0.9) WITHIN GROUP (ORDER BY from_received),
                'p99', percentile_cont(0.99) WITHIN GROUP (ORDER BY from_received),
                'max', max(from_received)) AS "fromReceived",
              jsonb_build_object(
                'p50', percentile_cont(0.5) WITHIN GROUP (ORDER BY from_occurred),
                'p90', percentile_cont(0.9) WITHIN GROUP (ORDER BY from_occurred),
                'p99', percentile_cont(0.99) WITHIN GROUP (ORDER BY from_occurred),
                'max', max(from_occurred)) AS "fromOccurred"
         FROM o GROUP BY source ORDER BY source`,
      [period.from, period.to],
    );
  }
}
