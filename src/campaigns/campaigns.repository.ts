import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ConcreteScope } from '../contacts/consent';
import { affected, Db, one, parameters, rows } from '../database/sql';
import type { SessionMessageDefinition, TemplateBinding } from '../rendering';
import { canTransition, type CampaignStatus } from './campaign-status';
import type { Audience } from './eligibility.port';

/** Local hours a campaign may send in: 24-hour "HH:mm" from (inclusive) to (exclusive) in an IANA zone; to before from spans midnight. */
export interface SendWindow {
  from: string;
  to: string;
  timeZone: string;
}

export interface CampaignRow {
  id: string;
  name: string;
  phoneNumberId: string;
  kind: 'template' | 'session';
  templateId: string | null;
  binding: TemplateBinding | null;
  session: SessionMessageDefinition | null;
  sessionScope: ConcreteScope | null;
  fallbackTemplateId: string | null;
  fallbackBinding: TemplateBinding | null;
  audience: Audience;
  scheduledAt: Date | null;
  maxMps: number | null;
  /** Local hours it may send in (src/dispatcher/dispatcher.service.ts inSendWindow); null: any hour. */
  sendWindow: SendWindow | null;
  status: CampaignStatus;
  /** Why it is paused or failed (missed_schedule, a blocker's code, requested); null otherwise. */
  statusReason: string | null;
  /** Set when the audience was frozen (the snapshot); null before. */
  policyVersionId: number | null;
  apiKeyId: string | null;
  createdAt: Date;
  updatedAt: Date;
  launchedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export type NewCampaign = Pick<
  CampaignRow,
  | 'name'
  | 'phoneNumberId'
  | 'kind'
  | 'templateId'
  | 'binding'
  | 'session'
  | 'sessionScope'
  | 'fallbackTemplateId'
  | 'fallbackBinding'
  | 'audience'
  | 'scheduledAt'
  | 'maxMps'
  | 'sendWindow'
  | 'apiKeyId'
>;

/** What a status change also writes. The reason is always written: a status that does not give one clears the previous one. */
export interface StatusFields {
  reason?: string | null;
  /** Timestamps set to the transaction's time: launched_at (launch accepted), started_at (audience frozen, running), finished_at. */
  stamps?: ReadonlyArray<'launched' | 'started' | 'finished'>;
}

/** One line of a campaign's recipients grouped by decision and reason. */
export interface DecisionCount {
  decision: 'eligible' | 'excluded' | 'deferred';
  reason: string | null;
  count: number;
}

/** One group of a started campaign's recipients (CampaignsRepository.progress). */
export interface ProgressLine {
  sendState: string;
  deliveryState: string | null;
  errorCode: number | null;
  count: number;
  /** Of them, accepted in the last seconds asked for. */
  recent: number;
}

export interface RecipientFilter {
  decision?: string;
  reason?: string;
  sendState?: string;
  deliveryState?: string;
  errorCode?: number;
  afterContactId?: string;
  limit: number;
}

/** A campaign recipient as GET /v1/campaigns/:id/recipients lists it. */
export interface RecipientRow {
  contactId: string;
  phone: string | null;
  decision: string;
  reason: string | null;
  sends: string | null;
  category: string | null;
  sendState: string | null;
  skipReason: string | null;
  attempts: number;
  attemptedAt: Date | null;
  sentAt: Date | null;
  wamid: string | null;
  waId: string | null;
  outsideWindow: boolean | null;
  deliveryState: string | null;
  deliveryAt: Date | null;
  errorCode: number | null;
  errorTitle: string | null;
  pricingCategory: string | null;
  consentEventId: string | null;
  policyVersionId: number;
  notBefore: Date | null;
}

export interface CampaignFilter {
  status?: CampaignStatus;
  afterKey?: { createdAt: string; id: string };
  limit: number;
}

const COLUMNS = `
  c.id, c.name, c.phone_number_id AS "phoneNumberId", c.kind, c.template_id AS "templateId", c.binding, c.session,
  c.session_scope AS "sessionScope", c.fallback_template_id AS "fallbackTemplateId", c.fallback_binding AS "fallbackBinding",
  c.audience, c.scheduled_at AS "scheduledAt", c.max_mps AS "maxMps", c.send_window AS "sendWindow", c.status, c.status_reason AS "statusReason",
  c.policy_version_id AS "policyVersionId", c.api_key_id AS "apiKeyId", c.created_at AS "createdAt", c.updated_at AS "updatedAt",
  c.launched_at AS "launchedAt", c.started_at AS "startedAt", c.finished_at AS "finishedAt"`;

const STAMPS = { launched: 'launched_at', started: 'started_at', finished: 'finished_at' } as const;

@Injectable()
export class CampaignsRepository {
  constructor(private readonly db: DataSource) {}

  async insert(campaign: NewCampaign, db: Db = this.db): Promise<CampaignRow> {
    const row = await one<CampaignRow>(
      db,
      `INSERT INTO campaigns AS c (name, phone_number_id, kind, template_id, binding, session, session_scope,
                                   fallback_template_id, fallback_binding, audience, scheduled_at, max_mps, api_key_id, send_window)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13, $14::jsonb)
       RETURNING ${COLUMNS}`,
      [
        campaign.name,
        campaign.phoneNumberId,
        campaign.kind,
        campaign.templateId,
        json(campaign.binding),
        json(campaign.session),
        campaign.sessionScope,
        campaign.fallbackTemplateId,
        json(campaign.fallbackBinding),
        JSON.stringify(campaign.audience),
        campaign.scheduledAt,
        campaign.maxMps,
        campaign.apiKeyId,
        json(campaign.sendWindow),
      ],
    );
    return row!;
  }

  findById(id: string, db: Db = this.db): Promise<CampaignRow | undefined> {
    return one<CampaignRow>(db, `SELECT ${COLUMNS} FROM campaigns c WHERE c.id = $1`, [id]);
  }

  /** Newest first, keyset on (created_at, id): the campaigns_listing index. */
  list(filter: CampaignFilter): Promise<Array<CampaignRow & { cursorKey: string }>> {
    const where = ['true'];
    const { values: params, bind: param } = parameters();
    if (filter.status) where.push(`c.status = ${param(filter.status)}`);
    if (filter.afterKey) where.push(`(c.created_at, c.id) < (${param(filter.afterKey.createdAt)}::timestamptz, ${param(filter.afterKey.id)}::uuid)`);
    return rows(
      this.db,
      `SELECT ${COLUMNS}, c.created_at::text || '|' || c.id AS "cursorKey" FROM campaigns c
        WHERE ${where.join(' AND ')}
        ORDER BY c.created_at DESC, c.id DESC LIMIT ${param(filter.limit + 1)}`,
      params,
    );
  }

  /**
   * Moves a campaign to `to` if, and only if, it is in one of `from` (compare-and-set): true when
   * this call moved it. Concurrent calls on one campaign queue on its row lock; each sees the
   * status the previous one committed, so exactly one of two racing launches wins. Every pair
   * must be in CAMPAIGN_TRANSITIONS (a programming error otherwise).
   */
  async setStatus(id: string, from: readonly CampaignStatus[], to: CampaignStatus, fields: StatusFields, db: Db = this.db): Promise<boolean> {
    const illegal = from.filter((status) => !canTransition(status, to));
    if (illegal.length > 0) throw new Error(`setStatus: ${illegal.join(', ')} → ${to} is not in CAMPAIGN_TRANSITIONS`);
    const sets = ['status = $3', 'status_reason = $4', 'updated_at = now()'];
    for (const stamp of fields.stamps ?? []) sets.push(`${STAMPS[stamp]} = now()`);
    const count = await affected(db, `UPDATE campaigns SET ${sets.join(', ')} WHERE id = $1 AND status = ANY($2::text[])`, [
      id,
      from,
      to,
      fields.reason ?? null,
    ]);
    return count > 0;
  }

  /**
   * A cancelled campaign's recipients still waiting (pending, eligible or deferred): cancelled, with
   * skip_reason campaign_cancelled. Those a worker holds in `sending` are cancelled by the worker
   * when it releases them (src/dispatcher/dispatch.repository.ts release), or sent if their request
   * had already gone.
   */
  async cancelRecipients(id: string, db: Db): Promise<number> {
    return affected(
      db,
      `UPDATE campaign_recipients SET send_state = 'cancelled', skip_reason = 'campaign_cancelled' WHERE campaign_id = $1 AND send_state = 'pending'`,
      [id],
    );
  }

  /** The policy version the frozen audience was decided under. */
  async recordSnapshot(id: string, policyVersionId: number, db: Db): Promise<void> {
    await affected(db, `UPDATE campaigns SET policy_version_id = $2 WHERE id = $1`, [id, policyVersionId]);
  }

  /**
   * The campaign's recipients counted by decision and reason: sums of its `campaign_progress`
   * deltas (migration 1796000000000, written by triggers on campaign_recipients), tens of rows
   * whatever the audience's size.
   */
  async decisionCounts(id: string, db: Db = this.db): Promise<DecisionCount[]> {
    const found = await rows<{ decision: DecisionCount['decision']; reason: string | null; count: string }>(
      db,
      `SELECT decision, reason, sum(n)::text AS count FROM campaign_progress WHERE campaign_id = $1
        GROUP BY decision, reason HAVING sum(n) <> 0`,
      [id],
    );
    return found.map((r) => ({ decision: r.decision, reason: r.reason, count: Number(r.count) }));
  }

  /**
   * The started campaign's recipients (eligible and deferred) counted by send state, delivery
   * state and error code, with how many became accepted in the last `recentSeconds` (the current
   * rate: the accepted deltas of that time, whose sum across lines is the rows that became
   * accepted; a status moving an accepted row between delivery states adds −1 and +1). Sums of the
   * campaign's `campaign_progress` deltas.
   */
  progress(id: string, recentSeconds: number, db: Db = this.db): Promise<ProgressLine[]> {
    return rows<ProgressLine>(
      db,
      `SELECT send_state AS "sendState", delivery_state AS "deliveryState", error_code AS "errorCode", sum(n)::int AS count,
              coalesce(sum(n) FILTER (WHERE send_state = 'accepted' AND at > now() - make_interval(secs => $2)), 0)::int AS recent
         FROM campaign_progress WHERE campaign_id = $1 AND decision <> 'excluded'
        GROUP BY 1, 2, 3
       HAVING sum(n) <> 0 OR coalesce(sum(n) FILTER (WHERE send_state = 'accepted' AND at > now() - make_interval(secs => $2)), 0) <> 0`,
      [id, recentSeconds],
    );
  }

  /**
   * Folds a campaign's progress deltas older than `keepSeconds` (kept for the current rate) into
   * one row per group (dated -infinity: no one's recent change, so outside any rate window),
   * dropping groups that sum to 0. One statement, so a reader sees the sums
   * either before or after; two workers folding at once each fold only the rows they deleted.
   * Returns how many delta rows were folded.
   */
  async compactProgress(id: string, keepSeconds: number, db: Db = this.db): Promise<number> {
    const [row] = await rows<{ folded: number }>(
      db,
      `WITH gone AS (
         DELETE FROM campaign_progress WHERE campaign_id = $1 AND at < now() - make_interval(secs => $2)
         RETURNING campaign_id, decision, reason, send_state, delivery_state, error_code, n, at),
       kept AS (
         INSERT INTO campaign_progress (campaign_id, decision, reason, send_state, delivery_state, error_code, n, at)
         SELECT campaign_id, decision, reason, send_state, delivery_state, error_code, sum(n), '-infinity'::timestamptz
           FROM gone GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0)
       SELECT count(*)::int AS folded FROM gone`,
      [id, keepSeconds],
    );
    return row?.folded ?? 0;
  }

  /** One page of a campaign's recipients in contact order (keyset on contact_id), filtered. */
  recipients(id: string, filter: RecipientFilter): Promise<RecipientRow[]> {
    const { values, bind } = parameters([id]);
    const where = ['r.campaign_id = $1'];
    if (filter.decision) where.push(`r.decision = ${bind(filter.decision)}`);
    if (filter.reason) where.push(`(r.reason = ${bind(filter.reason)} OR r.skip_reason = ${bind(filter.reason)})`);
    if (filter.sendState) where.push(`r.send_state = ${bind(filter.sendState)}`);
    if (filter.deliveryState) where.push(`r.delivery_state = ${bind(filter.deliveryState)}`);
    if (filter.errorCode !== undefined) where.push(`r.error_code = ${bind(filter.errorCode)}`);
    if (filter.afterContactId) where.push(`r.contact_id > ${bind(filter.afterContactId)}::bigint`);
    return rows<RecipientRow>(
      this.db,
      `SELECT r.contact_id::text AS "contactId", c.phone, r.decision, r.reason, r.sends, r.category, r.send_state AS "sendState",
              r.skip_reason AS "skipReason", r.attempts, r.attempted_at AS "attemptedAt", r.sent_at AS "sentAt", r.wamid, r.wa_id AS "waId",
              r.outside_window AS "outsideWindow", r.delivery_state AS "deliveryState", r.delivery_at AS "deliveryAt",
              r.error_code AS "errorCode", r.error_title AS "errorTitle", r.pricing_category AS "pricingCategory",
              r.consent_event_id::text AS "consentEventId", r.policy_version_id AS "policyVersionId", r.not_before AS "notBefore"
         FROM campaign_recipients r JOIN contacts c ON c.id = r.contact_id
        WHERE ${where.join(' AND ')}
        ORDER BY r.contact_id LIMIT ${bind(filter.limit + 1)}`,
      values,
    );
  }

  /**
   * Puts recipients back in the queue on a person's word: `failed` ones (refused by WhatsApp, or
   * accepted and then failed by a status webhook), or `unknown` ones whose attempt is older than
   * `settleMs` (their status webhooks had that long to resolve them). 131049 (Meta's per-user
   * marketing cap) is not tried again within 24 hours of the failure. Returns how many.
   */
  requeue(id: string, which: 'failed' | 'unknown', settleMs: number, db: Db): Promise<number> {
    const rowsOf =
      which === 'failed'
        ? `(r.send_state = 'failed' OR (r.send_state = 'accepted' AND r.delivery_state = 'failed'))`
        : `r.send_state = 'unknown' AND r.delivery_state IS NULL AND r.attempted_at < now() - make_interval(secs => $2::double precision / 1000)`;
    return affected(
      db,
      `UPDATE campaign_recipients r
          SET send_state = 'pending', attempts = 0, lease_until = NULL, wamid = NULL, delivery_state = NULL, delivery_at = NULL, sent_at = NULL,
              not_before = CASE WHEN r.error_code = 131049 THEN greatest(now(), coalesce(r.delivery_at, r.attempted_at, now()) + interval '24 hours') END,
              error_code = NULL, error_title = NULL, skip_reason = NULL
        WHERE r.campaign_id = $1 AND r.decision = 'eligible' AND ${rowsOf}`,
      which === 'failed' ? [id] : [id, settleMs],
    );
  }

  /**
   * Scheduled campaigns whose time has come, oldest first, and whether each is later than
   * `maxLatenessMs` (by the database's clock, as scheduled_at is compared to it). Read through the
   * partial index campaigns_scheduled. Nothing is claimed here: firing is a compare-and-set.
   */
  due(limit: number, maxLatenessMs: number): Promise<Array<{ id: string; late: boolean }>> {
    return rows(
      this.db,
      `SELECT c.id, c.scheduled_at < now() - make_interval(secs => $2::double precision / 1000) AS late
         FROM campaigns c
        WHERE c.status = 'scheduled' AND c.scheduled_at <= now()
        ORDER BY c.scheduled_at
        LIMIT $1`,
      [limit, maxLatenessMs],
    );
  }
}

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}
