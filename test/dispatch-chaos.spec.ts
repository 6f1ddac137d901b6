import { parse } from 'csv-parse/sync';
import Redis from 'ioredis';
import { startSimulator, Simulator } from './simulator/simulator';
import { eventually, TEST_API_KEY, TestEnv } from './support/app';
import { client } from './support/http';
import { ServiceProcess } from './support/processes';
import { insertOptedInContacts } from './support/opted-in-contacts';
import { expectProgressTrue } from './support/progress';
import { CampaignsRepository } from '../src/campaigns/campaigns.repository';
import { simulatorSettings } from './support/simulated-whatsapp';

const SENDER = '1000000001';
const WABA = '2000000001';
const MPS = 100;
const PEOPLE = 900;

/**
 * Chaos: a campaign sent by two real worker processes against a simulator that fails 5% of sends
 * with 5xx, never answers 2% (nothing sent) and loses the answer of 2% (sent); one worker is killed
 * with SIGKILL mid-send, Redis loses every key of ours, a third worker comes, and STOP replies arrive
 * mid-campaign. Afterwards: nobody received the campaign twice, nobody is left pending or sending,
 * every recipient WhatsApp has a message for is accepted (resolved by its status webhook when its
 * answer was lost), no recipient was sent to after their opt-out was recorded, and the rate held.
 */
describe('dispatcher chaos: kill -9, Redis flushed, faults injected, STOP mid-campaign', () => {
  let sim: Simulator;
  let env: TestEnv;
  let api: ReturnType<typeof client>;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    sim = await startSimulator({
      seed: 23,
      phoneNumbers: [{ id: SENDER, wabaId: WABA, mps: MPS }],
      latencyMs: { min: 5, max: 40 },
      statusDelaysMs: { sent: 20, delivered: 40, read: 80 },
      pairRate: { capacity: 100, refillMs: 10 },
      templateReview: { delayMs: 10 },
    });
    env = await TestEnv.create(simulatorSettings(sim));
    await env.startApi();
    sim.configure({ webhookUrl: `${env.url}/webhooks/whatsapp` });
    api = client(env.url);
    await env.db.query(`UPDATE phone_numbers SET throughput_mps = $2 WHERE phone_number_id = $1`, [SENDER, MPS]);
  });
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) await w.stop();
    await sim.stop();
    await env.close();
  });

  const processEnv = () => ({
    DATABASE_URL: env.config.database.url,
    REDIS_URL: env.config.redis.url,
    REDIS_PREFIX: env.config.redis.prefix,
    // Short, so that a killed worker's claims run out within the test: lease = 0.5 + 2 × 1 + 5 s.
    ...simulatorSettings(sim, { WHATSAPP_TIMEOUT_MS: '1000' }),
    LOG_LEVEL: 'warn',
  });

  async function startWorker(): Promise<ServiceProcess> {
    const worker = ServiceProcess.start('worker', processEnv());
    workers.push(worker);
    await worker.ready();
    return worker;
  }

  it('sends everyone at most once and leaves no one pending, whatever happens', async () => {
    await startWorker();
    await startWorker();
    const template = await api.post('/v1/templates', {
      name: 'chaos_promo',
      language: 'id',
      category: 'MARKETING',
      components: [{ type: 'BODY', text: 'Halo {{1}}, promo minggu ini!', example: { body_text: [['Ana']] } }],
    });
    expect(template.body).toMatchObject({ status: 'DRAFT' });
    expect((await api.post(`/v1/templates/${template.body.id}/submit`)).status).toBeLessThan(300);
    await eventually(async () => ((await api.get(`/v1/templates/${template.body.id}`)).body.status === 'APPROVED' ? true : undefined), 10_000, 'approved');
    const contacts = await insertOptedInContacts(env.db, { phonePrefix: '+62813', tag: 'chaos', count: PEOPLE });
    const created = await api.post('/v1/campaigns', { name: 'Chaos', phoneNumberId: SENDER, templateId: template.body.id, binding: { 'body.1': '{{name}}' }, audience: { tags: { any: ['chaos'] } } });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    sim.configure({ rates: { serverError: 0.05, timeout: 0.02, lostAnswer: 0.02 } });
    expect((await api.post(`/v1/campaigns/${id}/launch`)).status).toBe(200);

    const sentCount = () => sim.messages().filter((m) => m.bizOpaqueCallbackData?.startsWith(`siaran:1:${id}:`)).length;
    await eventually(async () => (sentCount() >= 150 ? true : undefined), 20_000, '150 sent');
    // STOP from three people near the end of the audience (not yet sent: the claim goes in contact order).
    const stoppers = contacts.slice(-3);
    for (const s of stoppers) sim.sendInbound({ from: s.phone.slice(1), text: 'STOP' });
    workers[0].child.kill('SIGKILL');
    await eventually(async () => (sentCount() >= 350 ? true : undefined), 30_000, '350 sent');
    const redis = new Redis(env.config.redis.url);
    try {
      const keys = await redis.keys(`${env.config.redis.prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    await startWorker();

    await eventually(async () => ((await api.get(`/v1/campaigns/${id}`)).body.status === 'completed' ? true : undefined), 120_000, 'campaign completed');
    sim.configure({ rates: { serverError: 0, timeout: 0, lostAnswer: 0 } });
    await sim.idle();
    await eventually(async () => {
      const [{ n }] = await env.db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE processed_at IS NULL`);
      return n === 0 ? true : undefined;
    }, 30_000, 'webhooks processed');

    const perRecipient = new Map<string, number>();
    for (const m of sim.messages()) {
      const key = m.bizOpaqueCallbackData;
      if (key?.startsWith(`siaran:1:${id}:`)) perRecipient.set(key, (perRecipient.get(key) ?? 0) + 1);
    }
    // Nobody twice.
    expect([...perRecipient.entries()].filter(([, n]) => n > 1)).toEqual([]);
    const rows: Array<{ contactId: string; sendState: string; skipReason: string | null }> = await env.db.query(
      `SELECT contact_id::text AS "contactId", send_state AS "sendState", skip_reason AS "skipReason" FROM campaign_recipients WHERE campaign_id = $1`,
      [id],
    );
    expect(rows).toHaveLength(PEOPLE);
    // Nobody left behind, and the ledger agrees with WhatsApp: accepted exactly when WhatsApp has it.
    const states = new Map<string, number>();
    for (const r of rows) {
      states.set(r.sendState, (states.get(r.sendState) ?? 0) + 1);
      const atWhatsapp = perRecipient.has(`siaran:1:${id}:${r.contactId}`);
      if (atWhatsapp) expect({ contact: r.contactId, state: r.sendState }).toEqual({ contact: r.contactId, state: 'accepted' });
      else expect({ contact: r.contactId, state: ['unknown', 'cancelled', 'failed'].includes(r.sendState) }).toEqual({ contact: r.contactId, state: true });
    }
    expect(states.get('pending') ?? 0).toBe(0);
    expect(states.get('sending') ?? 0).toBe(0);

    // STOP honoured: the stoppers (last in the claim order) were cancelled at their claim, never sent.
    for (const s of stoppers) expect(rows.find((r) => r.contactId === s.id)).toMatchObject({ sendState: 'cancelled', skipReason: 'opted_out' });
    // The faults and the kill left some outcomes unknown (no answer, nothing at WhatsApp), reported as such.
    expect(states.get('unknown') ?? 0).toBeGreaterThan(0);
    for (const s of stoppers) {
      const [optOut] = await env.db.query(`SELECT recorded_at FROM consent_events WHERE contact_id = $1 AND kind = 'opt_out' ORDER BY id LIMIT 1`, [s.id]);
      expect(optOut).toBeDefined();
      const late = sim.messages().filter((m) => m.bizOpaqueCallbackData === `siaran:1:${id}:${s.id}` && Date.parse(m.acceptedAt) > new Date(optOut.recorded_at).getTime());
      expect(late).toEqual([]);
    }
    // The rate held across processes, kills and a Redis wipe.
    expect(sim.stats()[SENDER].maxPerSecond).toBeLessThanOrEqual(MPS);

    // The compliance report over these rows: every invariant 0; each message the ledger counts as
    // possibly sent (accepted, or unknown after the kill and the faults) is one; the STOPs measured.
    const from = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
    const to = encodeURIComponent(new Date(Date.now() + 60_000).toISOString());
    const compliance = (await api.get(`/v1/compliance/report?from=${from}&to=${to}`)).body;
    expect(compliance.invariants.map((i: { id: string; violations: number }) => [i.id, i.violations])).toEqual([
      ['business_initiated_without_opt_in', 0],
      ['sent_after_opt_out', 0],
      ['business_country_not_qualified', 0],
      ['recipient_country_restricted', 0],
    ]);
    expect(compliance.messages.total).toBe((states.get('accepted') ?? 0) + (states.get('unknown') ?? 0));
    // The campaign report over the same rows: one CSV row per recipient, its unknowns as the ledger has them.
    const csv = await fetch(`${env.url}/v1/campaigns/${id}/report.csv`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(csv.status).toBe(200);
    const lines: Array<Record<string, string>> = parse(await csv.text(), { columns: true });
    expect(lines).toHaveLength(PEOPLE);
    expect(lines.filter((l) => l.send_state === 'unknown')).toHaveLength(states.get('unknown') ?? 0);
    const report = (await api.get(`/v1/campaigns/${id}/report`)).body;
    expect(report.campaign.progress.sendStates.unknown).toBe(states.get('unknown') ?? 0);
    expect(report.optOuts.total).toBe(stoppers.length);
    const keyword = compliance.optOuts.bySource.find((o: { source: string }) => o.source === 'keyword');
    expect(keyword).toMatchObject({ optOuts: stoppers.length, measured: stoppers.length });
    expect(keyword.fromReceived.max).toBeGreaterThanOrEqual(0);
    // The counters progress is read from (campaign_progress, kept by triggers and folded by the
    // workers, two of which were killed or stopped) equal a count of the rows.
    await expectProgressTrue(env.db, env.get(CampaignsRepository), id);
  });
});
