import type { DataSource, EntityManager } from 'typeorm';
import type { CampaignsRepository, ProgressLine } from '../../src/campaigns/campaigns.repository';

/**
 * Checks that a campaign's counters (campaign_progress, as CampaignsRepository reads them) equal a
 * count of its campaign_recipients rows: by decision and reason, and by send state, delivery
 * state and error code. Resolves with the progress lines read.
 */
export async function expectProgressTrue(db: DataSource | EntityManager, repo: CampaignsRepository, campaignId: string): Promise<ProgressLine[]> {
  const key = (parts: unknown[]) => parts.map((p) => (p === null ? '∅' : String(p))).join('|');
  const decisions = await db.query(
    `SELECT decision, reason, count(*)::int AS count FROM campaign_recipients WHERE campaign_id = $1 GROUP BY 1, 2`,
    [campaignId],
  );
  const lines = await db.query(
    `SELECT send_state, delivery_state, error_code, count(*)::int AS count FROM campaign_recipients
      WHERE campaign_id = $1 AND decision <> 'excluded' GROUP BY 1, 2, 3`,
    [campaignId],
  );
  const counted = await repo.decisionCounts(campaignId);
  expect(Object.fromEntries(counted.map((c) => [key([c.decision, c.reason]), c.count]))).toEqual(
    Object.fromEntries(decisions.map((c: { decision: string; reason: string | null; count: number }) => [key([c.decision, c.reason]), c.count])),
  );
  const progress = await repo.progress(campaignId, 10);
  expect(Object.fromEntries(progress.filter((l) => l.count !== 0).map((l) => [key([l.sendState, l.deliveryState, l.errorCode]), l.count]))).toEqual(
    Object.fromEntries(lines.map((l: { send_state: string; delivery_state: string | null; error_code: number | null; count: number }) => [key([l.send_state, l.delivery_state, l.error_code]), l.count])),
  );
  return progress;
}
