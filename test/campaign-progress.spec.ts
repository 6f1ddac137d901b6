import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CampaignsRepository } from '../src/campaigns/campaigns.repository';
import { createTestDatabase } from './support/database';
import { expectProgressTrue } from './support/progress';

/**
 * campaign_progress (migration 1796000000000): the counts GET /v1/campaigns/:id shows are kept by
 * triggers on campaign_recipients as signed deltas, and folded by the dispatcher. Whatever writes
 * the rows, and whenever folds run (two at once, beside writers), the sums equal a count of the rows.
 */
describe('campaign progress counters', () => {
  let env: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: DataSource;
  let repo: CampaignsRepository;

  beforeAll(async () => {
    env = await createTestDatabase();
    db = new DataSource({ type: 'postgres', url: env.url, extra: { max: 6 } });
    await db.initialize();
    repo = new CampaignsRepository(db);
  });

  afterAll(async () => {
    await db?.destroy();
    await env?.drop();
  });

  /**
   * 1,000 recipients: 700 eligible, 200 excluded (two reasons), 100 deferred; contact ids 1..1000.
   * New rows are counted by whoever writes them (eligibility's snapshot does it in its INSERT); here
   * as the snapshot does, in the same statement.
   */
  async function snapshot(campaignId: string): Promise<void> {
    await db.query(
      `WITH inserted AS (
         INSERT INTO campaign_recipients (campaign_id, contact_id, policy_version_id, decision, reason, send_state)
         SELECT $1, i, 1,
                CASE WHEN i <= 700 THEN 'eligible' WHEN i <= 900 THEN 'excluded' ELSE 'deferred' END,
                CASE WHEN i <= 700 THEN NULL WHEN i <= 800 THEN 'no_opt_in' WHEN i <= 900 THEN 'opted_out' ELSE 'messaging_limit' END,
                CASE WHEN i <= 700 OR i > 900 THEN 'pending' END
           FROM generate_series(1, 1000) i
         RETURNING decision, reason, send_state)
       INSERT INTO campaign_progress (campaign_id, decision, reason, send_state, n)
       SELECT $1, decision, reason, send_state, count(*) FROM inserted GROUP BY 1, 2, 3, 4`,
      [campaignId],
    );
  }

  it('counts the snapshot, then every kind of change, as a count of the rows does', async () => {
    const id = randomUUID();
    await snapshot(id);
    await expectProgressTrue(db, repo, id);
    expect(await repo.decisionCounts(id)).toEqual(
      expect.arrayContaining([
        { decision: 'eligible', reason: null, count: 700 },
        { decision: 'excluded', reason: 'no_opt_in', count: 100 },
        { decision: 'excluded', reason: 'opted_out', count: 100 },
        { decision: 'deferred', reason: 'messaging_limit', count: 100 },
      ]),
    );

    // Claims, outcomes (accepted, failed with a code, unknown), statuses, a lease run out, a
    // release of deferred rows, cancel, an update that changes no counted column, a delete.
    await db.query(`UPDATE campaign_recipients SET send_state = 'sending' WHERE campaign_id = $1 AND contact_id <= 300`, [id]);
    await db.query(`UPDATE campaign_recipients SET send_state = 'accepted', sent_at = now() WHERE campaign_id = $1 AND contact_id <= 250`, [id]);
    await db.query(`UPDATE campaign_recipients SET send_state = 'failed', error_code = 131026 WHERE campaign_id = $1 AND contact_id BETWEEN 251 AND 280`, [id]);
    await db.query(`UPDATE campaign_recipients SET send_state = 'unknown' WHERE campaign_id = $1 AND contact_id BETWEEN 281 AND 300`, [id]);
    await db.query(`UPDATE campaign_recipients SET delivery_state = 'delivered' WHERE campaign_id = $1 AND contact_id <= 200`, [id]);
    await db.query(`UPDATE campaign_recipients SET delivery_state = 'read' WHERE campaign_id = $1 AND contact_id <= 50`, [id]);
    await db.query(`UPDATE campaign_recipients SET decision = 'eligible', reason = NULL WHERE campaign_id = $1 AND contact_id BETWEEN 901 AND 950`, [id]);
    await db.query(`UPDATE campaign_recipients SET attempts = attempts + 1 WHERE campaign_id = $1`, [id]);
    await db.query(`UPDATE campaign_recipients SET send_state = 'cancelled', skip_reason = 'campaign_cancelled' WHERE campaign_id = $1 AND contact_id BETWEEN 600 AND 650`, [id]);
    await db.query(`DELETE FROM campaign_recipients WHERE campaign_id = $1 AND contact_id BETWEEN 960 AND 969`, [id]);
    const progress = await expectProgressTrue(db, repo, id);
    expect(progress.find((l) => l.sendState === 'accepted' && l.deliveryState === 'read')?.count).toBe(50);
    // The rate: 250 became accepted just now; statuses moved accepted rows between lines (−1, +1)
    // and add nothing to the sum.
    expect(progress.reduce((sum, l) => sum + l.recent, 0)).toBe(250);

    expect(await repo.compactProgress(id, 0)).toBeGreaterThan(10);
    const folded = await expectProgressTrue(db, repo, id);
    expect(folded.reduce((sum, l) => sum + l.recent, 0)).toBe(0);
    // One row per group left, none summing to 0.
    const [{ rows, zero }] = await db.query(`SELECT count(*)::int AS rows, count(*) FILTER (WHERE n = 0)::int AS zero FROM campaign_progress WHERE campaign_id = $1`, [id]);
    expect(zero).toBe(0);
    expect(rows).toBeLessThanOrEqual(12);
  });

  it('stays true while two folds run beside concurrent writers', async () => {
    const id = randomUUID();
    const other = randomUUID();
    await snapshot(id);
    await snapshot(other);
    let writing = true;
    const writer = async (offset: number) => {
      for (let round = 0; writing; round++) {
        const from = ((round * 37 + offset) % 680) + 1;
        await db.transaction(async (tx) => {
          await tx.query(
            `UPDATE campaign_recipients SET send_state = CASE send_state WHEN 'pending' THEN 'sending' WHEN 'sending' THEN 'accepted' ELSE 'pending' END,
                    delivery_state = CASE WHEN send_state = 'accepted' THEN 'delivered' ELSE NULL END
              WHERE campaign_id = $1 AND contact_id BETWEEN $2 AND $2 + 20`,
            [id, from],
          );
        });
      }
    };
    const folder = async () => {
      let folds = 0;
      while (writing) {
        await repo.compactProgress(id, 0);
        folds++;
      }
      return folds;
    };
    const work = [writer(0), writer(350), folder(), folder()];
    await new Promise((resolve) => setTimeout(resolve, 1500));
    writing = false;
    const results = await Promise.all(work);
    expect(results[2]! + results[3]!).toBeGreaterThan(2);
    await expectProgressTrue(db, repo, id);
    // The other campaign's counts were not touched by this one's folds.
    await expectProgressTrue(db, repo, other);
  });
});
