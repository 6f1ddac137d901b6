import { DispatcherService } from '../src/dispatcher/dispatcher.service';
import { CampaignScheduler } from '../src/campaigns/campaign-scheduler';
import { CampaignEligibility } from '../src/campaigns/eligibility.port';
import { eventually, TestEnv } from './support/app';
import { client } from './support/http';
import { TestCampaignEligibility } from './support/test-campaign-eligibility';

const WABA = '2000000001';
const SENDER = '1000000001';

/**
 * The scheduler lives in the worker; the schedule lives in PostgreSQL. Two workers look for due
 * campaigns every second; each campaign is started once, by the launch's path.
 */
describe('campaign scheduler', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;
  const eligibility = new TestCampaignEligibility();
  let templateId: string;

  const campaignOf = async (id: string) => (await api.get(`/v1/campaigns/${id}`)).body;
  const snapshotsOf = (id: string) => eligibility.snapshots.filter((s) => s === id).length;

  /** A launched campaign, scheduled for `at`. */
  async function scheduled(at: Date, name = 'Terjadwal'): Promise<string> {
    const created = await api.post('/v1/campaigns', {
      name,
      phoneNumberId: SENDER,
      templateId,
      binding: { 'body.1': '{{title name}}' },
      audience: {},
      scheduledAt: at.toISOString(),
    });
    expect(created.status).toBe(201);
    const launched = await api.post(`/v1/campaigns/${created.body.id}/launch`);
    expect(launched.body.status).toBe('scheduled');
    return created.body.id;
  }

  /** As if the workers had been down past the campaign's time: it was due `ms` ago. */
  const dueAgo = (id: string, ms: number) => env.db.query(`UPDATE campaigns SET scheduled_at = now() - make_interval(secs => $2::double precision / 1000) WHERE id = $1`, [id, ms]);

  beforeAll(async () => {
    // The dispatcher is left out: these campaigns are started, never sent (sending is test/dispatch.spec.ts's).
    env = await TestEnv.create({ WHATSAPP_WABA_ID: WABA }, [
      { provide: CampaignEligibility, useValue: eligibility },
      { provide: DispatcherService, useValue: {} },
    ]);
    await env.startApi();
    eligibility.db = env.db;
    api = client(env.url);
    await env.db.query(`INSERT INTO phone_numbers (phone_number_id, waba_id, business_country) VALUES ($1, $2, 'ID')`, [SENDER, WABA]);
    templateId = (
      await api.post('/v1/templates', {
        name: 'pengingat',
        language: 'id',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'Halo {{1}}, ini pengingat janji temu Anda besok.', example: { body_text: [['Ana']] } }],
      })
    ).body.id;
    for (let i = 1; i <= 3; i++) {
      const contact = await api.post('/v1/contacts', { phone: `+62813100000${i}`, name: 'eko' });
      await api.post(`/v1/contacts/${contact.body.id}/opt-in`, { scope: 'all', wording: 'Ya' });
    }
  });
  afterAll(() => env.close());
  afterEach(() => env.stopWorker());

  it('starts due campaigns once each with two workers, within 5 s of their time', async () => {
    await env.startWorker();
    await env.addWorker();
    const at = new Date(Date.now() + 2000);
    const ids = await Promise.all([1, 2, 3, 4, 5].map((i) => scheduled(at, `Serentak ${i}`)));
    for (const id of ids) {
      const running = await eventually(async () => {
        const c = await campaignOf(id);
        return c.status === 'running' ? c : undefined;
      }, 15_000, `campaign ${id} to run`);
      expect(running).toMatchObject({ statusReason: null, recipients: { total: 3, eligible: 3 } });
      expect(new Date(running.startedAt).getTime() - at.getTime()).toBeLessThan(5000);
      expect(new Date(running.startedAt).getTime()).toBeGreaterThanOrEqual(at.getTime());
    }
    // A few more looks by both workers change nothing.
    await new Promise((r) => setTimeout(r, 2500));
    for (const id of ids) {
      expect(snapshotsOf(id)).toBe(1);
      expect(Number((await env.db.query(`SELECT count(*) FROM campaign_recipients WHERE campaign_id = $1`, [id]))[0].count)).toBe(3);
    }
  });

  it('starts a campaign once when two workers look at the same moment (the compare-and-set decides)', async () => {
    const ids = await Promise.all([1, 2, 3].map((i) => scheduled(new Date(Date.now() + 3_600_000), `Bersamaan ${i}`)));
    for (const id of ids) await dueAgo(id, 500);
    eligibility.snapshotDelayMs = 300; // long enough for the looks to overlap
    try {
      const workers = [await env.startWorker(), await env.addWorker()];
      const moved = await Promise.all(workers.flatMap((w) => [w.get(CampaignScheduler).sweep(), w.get(CampaignScheduler).sweep()]));
      for (const id of ids) await eventually(async () => ((await campaignOf(id)).status === 'running' ? true : undefined), 10_000);
      expect(moved.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(ids.length);
      for (const id of ids) expect(snapshotsOf(id)).toBe(1);
    } finally {
      eligibility.snapshotDelayMs = 0;
    }
  });

  it('pauses a campaign found later than CAMPAIGN_MAX_LATENESS after its time (missed_schedule), and starts one found within it', async () => {
    const missed = await scheduled(new Date(Date.now() + 3_600_000), 'Terlewat');
    const late = await scheduled(new Date(Date.now() + 3_600_000), 'Terlambat sedikit');
    await dueAgo(missed, 16 * 60_000); // default lateness: 15 minutes
    await dueAgo(late, 14 * 60_000);
    await env.startWorker();
    expect(await eventually(async () => ((await campaignOf(missed)).status === 'paused' ? campaignOf(missed) : undefined), 10_000)).toMatchObject({
      status: 'paused',
      statusReason: 'missed_schedule',
      recipients: null,
      startedAt: null,
    });
    expect(await eventually(async () => ((await campaignOf(late)).status === 'running' ? true : undefined), 10_000)).toBe(true);
    expect(snapshotsOf(missed)).toBe(0);

    // A person decides: resumed, it starts now.
    expect((await api.post(`/v1/campaigns/${missed}/resume`)).body).toMatchObject({ status: 'running', statusReason: null, recipients: { total: 3 } });
  });

  it('pauses a campaign blocked when it falls due, with the blocker code as its reason', async () => {
    const id = await scheduled(new Date(Date.now() + 3_600_000), 'Terblokir');
    eligibility.blocking.set(id, [{ code: 'TEMPLATE_NOT_APPROVED', message: 'Template pengingat is PAUSED' }]);
    await dueAgo(id, 1000);
    await env.startWorker();
    expect(await eventually(async () => ((await campaignOf(id)).status === 'paused' ? campaignOf(id) : undefined), 10_000)).toMatchObject({
      statusReason: 'TEMPLATE_NOT_APPROVED',
      startedAt: null,
    });
    expect(snapshotsOf(id)).toBe(0);
    eligibility.blocking.delete(id);
  });

  it('survives restarts: a campaign due while no worker runs starts when a worker comes back', async () => {
    await env.startWorker();
    await env.stopWorker();
    const id = await scheduled(new Date(Date.now() + 1000), 'Setelah restart');
    // The API does not start campaigns, and no worker is running.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await campaignOf(id)).status).toBe('scheduled');
    const worker = await env.startWorker();
    expect(await eventually(async () => ((await campaignOf(id)).status === 'running' ? true : undefined), 10_000)).toBe(true);
    expect(snapshotsOf(id)).toBe(1);
    // Nothing left for a look to do.
    expect(await worker.get(CampaignScheduler).sweep()).toBe(0);
  });
});
