import type { DataSource, EntityManager } from 'typeorm';
import { CampaignEligibility, type Blocker, type DecisionCounts, type DryRun, type EligibilityCampaign } from '../../src/campaigns/eligibility.port';

/**
 * TEST ONLY: a stand-in for the eligibility service, which is built in parallel (issue 11,
 * section 3) and bound to the port when merged; the campaign tests bind the port to this through
 * TestEnv's overrides. It knows one rule, enough to give a launch recipients with more than one
 * decision: a live contact of the audience (its contactIds, else every live contact) is eligible
 * when opted in to marketing, excluded `opted_out` when opted out, else excluded `no_opt_in`.
 * Blockers are whatever a test sets for a campaign. It records each snapshot it takes.
 */
export class TestCampaignEligibility extends CampaignEligibility {
  /** Blockers by campaign id (none when absent). */
  readonly blocking = new Map<string, Blocker[]>();
  /** The campaign of each snapshot taken, in order (across every API and worker sharing this instance). */
  readonly snapshots: string[] = [];
  /** Time each snapshot takes before writing, in ms: a long launch, for requests that race it. */
  snapshotDelayMs = 0;
  /** Where the dry run reads: set by the test once the API is up (env.db). */
  db!: DataSource;

  async blockers(campaign: EligibilityCampaign): Promise<Blocker[]> {
    return this.blocking.get(campaign.id) ?? [];
  }

  async dryRun(campaign: EligibilityCampaign): Promise<DryRun> {
    const found: Array<{ decision: string; reason: string | null; count: string }> = await this.db.query(
      `SELECT decision, reason, count(*)::text AS count FROM (${DECISIONS}) d GROUP BY decision, reason`,
      [campaign.audience.contactIds ?? null],
    );
    const counts = tally(found, 0);
    return { ...counts, blockers: await this.blockers(campaign), samples: {}, estimatedSeconds: counts.eligible / 80, policyVersion: 'test' };
  }

  async snapshot(tx: EntityManager, campaign: EligibilityCampaign): Promise<DecisionCounts> {
    this.snapshots.push(campaign.id);
    if (this.snapshotDelayMs > 0) await new Promise((r) => setTimeout(r, this.snapshotDelayMs));
    const [{ id }] = await tx.query(`INSERT INTO eligibility_policy_versions (base_version) VALUES ('test') RETURNING id`);
    const sends = campaign.message.kind === 'template' ? 'template' : 'session';
    const category = campaign.message.kind === 'template' ? campaign.message.category : 'SERVICE';
    // New rows are counted for the progress counters by whoever writes them, as the real snapshot
    // does (migration 1796000000000-CampaignProgress).
    await tx.query(
      `WITH inserted AS (
         INSERT INTO campaign_recipients (campaign_id, contact_id, decision, reason, sends, category, policy_version_id, send_state)
         SELECT $2, d.contact_id, d.decision, d.reason, $3, $4, $5, CASE WHEN d.decision <> 'excluded' THEN 'pending' END FROM (${DECISIONS}) d
         RETURNING decision, reason, send_state)
       INSERT INTO campaign_progress (campaign_id, decision, reason, send_state, n)
       SELECT $2, decision, reason, send_state, count(*) FROM inserted GROUP BY 1, 2, 3, 4`,
      [campaign.audience.contactIds ?? null, campaign.id, sends, category, id],
    );
    const found = await tx.query(`SELECT decision, reason, count(*)::text AS count FROM campaign_recipients WHERE campaign_id = $1 GROUP BY decision, reason`, [
      campaign.id,
    ]);
    return tally(found, id);
  }

}

/** The one rule, over the audience's contacts ($1: contact ids, or null for every live contact). */
const DECISIONS = `
  SELECT c.id AS contact_id,
         CASE WHEN c.marketing_consent = 'opted_in' THEN 'eligible' ELSE 'excluded' END AS decision,
         CASE WHEN c.marketing_consent = 'opted_in' THEN NULL WHEN c.marketing_consent = 'opted_out' THEN 'opted_out' ELSE 'no_opt_in' END AS reason
    FROM contacts c
   WHERE c.deleted_at IS NULL AND ($1::bigint[] IS NULL OR c.id = ANY($1::bigint[]))`;

function tally(lines: Array<{ decision: string; reason: string | null; count: string }>, policyVersionId: number): DecisionCounts {
  const counts: DecisionCounts = { total: 0, eligible: 0, excluded: {}, deferred: {}, policyVersionId, policyVersion: `test+${policyVersionId}` };
  for (const line of lines) {
    const n = Number(line.count);
    counts.total += n;
    if (line.decision === 'eligible') counts.eligible += n;
    else (counts.excluded as Record<string, number>)[line.reason!] = n;
  }
  return counts;
}
