import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ConcreteScope } from '../contacts/consent';
import { affected, Db, one, parameters, rows } from '../database/sql';
import type { SessionMessageDefinition, TemplateBinding } from '../rendering';
import { canTransition, type CampaignStatus } from './campaign-status';
import type { Audience } from './eligibility.port';

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

export interface CampaignFilter {
  status?: CampaignStatus;
  afterKey?: { createdAt: string; id: string };
  limit: number;
}

const COLUMNS = `
  c.id, c.name, c.phone_number_id AS "phoneNumberId", c.kind, c.template_id AS "templateId", c.binding, c.session,
  c.session_scope AS "sessionScope", c.fallback_template_id AS "fallbackTemplateId", c.fallback_binding AS "fallbackBinding",
  c.audience, c.scheduled_at AS "scheduledAt", c.max_mps AS "maxMps", c.status, c.status_reason AS "statusReason",
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
                                   fallback_template_id, fallback_binding, audience, scheduled_at, max_mps, api_key_id)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13)
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

  /** The campaign's recipients counted by decision and reason (the primary key's campaign_id prefix). */
  async decisionCounts(id: string, db: Db = this.db): Promise<DecisionCount[]> {
    const found = await rows<{ decision: DecisionCount['decision']; reason: string | null; count: string }>(
      db,
      `SELECT decision, reason, count(*)::text AS count FROM campaign_recipients WHERE campaign_id = $1 GROUP BY decision, reason`,
      [id],
    );
    return found.map((r) => ({ decision: r.decision, reason: r.reason, count: Number(r.count) }));
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
