import Redis from 'ioredis';
import { CampaignsRepository } from '../src/campaigns/campaigns.repository';
import { expectProgressTrue } from './support/progress';
import { ThroughputGate } from '../src/dispatcher/throughput-gate';
import { startSimulator, Simulator } from './simulator/simulator';
import { eventually, TestEnv } from './support/app';
import { client } from './support/http';
import { insertOptedInContacts } from './support/opted-in-contacts';
import { simulatorSettings } from './support/simulated-whatsapp';

const SENDER = '1000000001';
const WABA = '2000000001';
const MPS = 40;

/**
 * The dispatcher end to end: API and worker against the Cloud API simulator over real HTTP, status
 * webhooks signed and sent back. A launched campaign is sent to every eligible recipient once, at
 * no more than the number's rate; what changes after the snapshot (an opt-out) is honoured; pause,
 * resume and cancel act at once; failures follow the error policy; a lost answer is resolved by
 * the status webhook that carries the recipient's callback data.
 */
describe('dispatcher, end to end against the simulator', () => {
  let sim: Simulator;
  let env: TestEnv;
  let api: ReturnType<typeof client>;
  let templateId: string;
  let serial = 0;

  beforeAll(async () => {
    sim = await startSimulator({
      seed: 11,
      phoneNumbers: [{ id: SENDER, wabaId: WABA, mps: MPS }],
      statusDelaysMs: { sent: 5, delivered: 10, read: 15 },
      pairRate: { capacity: 100, refillMs: 10 },
      templateReview: { delayMs: 10 },
    });
    env = await TestEnv.create(simulatorSettings(sim, { WHATSAPP_TIMEOUT_MS: '1500' }));
    await env.startApi();
    await env.startWorker();
    sim.configure({ webhookUrl: `${env.url}/webhooks/whatsapp` });
    api = client(env.url);
    await env.db.query(`UPDATE phone_numbers SET throughput_mps = $2 WHERE phone_number_id = $1`, [SENDER, MPS]);

    const template = await api.post('/v1/templates', {
      name: 'promo_dispatch',
      language: 'id',
      category: 'MARKETING',
      components: [{ type: 'BODY', text: 'Halo {{1}}, promo minggu ini!', example: { body_text: [['Ana']] } }],
    });
    expect(template.status).toBe(201);
    templateId = template.body.id;
    expect((await api.post(`/v1/templates/${templateId}/submit`)).status).toBeLessThan(300);
    await eventually(async () => ((await api.get(`/v1/templates/${templateId}`)).body.status === 'APPROVED' ? true : undefined), 10_000, 'template approved');
  });
  afterAll(async () => {
    await sim.stop();
    await env.close();
  });

  /** `n` opted-in contacts tagged for one test; returns their ids and phones. */
  async function audience(tag: string, n: number): Promise<Array<{ id: string; phone: string }>> {
    const people: Array<{ id: string; phone: string }> = [];
    for (let i = 0; i < n; i++) {
      const phone = `+62812${String(++serial).padStart(7, '0')}`;
      const res = await api.post('/v1/contacts', { phone, name: `orang ${serial}`, tags: [tag] });
      expect(res.status).toBe(201);
      expect((await api.post(`/v1/contacts/${res.body.id}/opt-in`, { scope: 'marketing', wording: 'Ya, kirimi saya promo' })).status).toBe(201);
      people.push({ id: res.body.id, phone });
    }
    return people;
  }

  async function campaign(tag: string, extra: Record<string, unknown> = {}): Promise<string> {
    const res = await api.post('/v1/campaigns', {
      name: `Promo ${tag}`,
      phoneNumberId: SENDER,
      templateId,
      binding: { 'body.1': '{{name}}' },
      audience: { tags: { any: [tag] } },
      ...extra,
    });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  const recipients = (id: string) =>
    env.db.query(
      `SELECT contact_id::text AS "contactId", send_state AS "sendState", delivery_state AS "deliveryState", wamid, error_code AS "errorCode",
              skip_reason AS "skipReason", sent_at AS "sentAt", sent_message AS "sentMessage"
         FROM campaign_recipients WHERE campaign_id = $1 ORDER BY contact_id`,
      [id],
    ) as Promise<Array<{ contactId: string; sendState: string; deliveryState: string | null; wamid: string | null; errorCode: number | null; skipReason: string | null; sentAt: Date | null; sentMessage: any }>>;

  const statusOf = async (id: string) => (await api.get(`/v1/campaigns/${id}`)).body.status as string;
  const finished = (id: string, timeoutMs = 30_000) =>
    eventually(async () => ((await statusOf(id)) === 'completed' ? true : undefined), timeoutMs, `campaign ${id} completed`);

  /** Messages the simulator accepted per callback data (a recipient's), to count duplicates. */
  const sentPerRecipient = (campaignId: string) => {
    const counts = new Map<string, number>();
    for (const m of sim.messages()) {
      if (!m.bizOpaqueCallbackData?.includes(campaignId)) continue;
      counts.set(m.bizOpaqueCallbackData, (counts.get(m.bizOpaqueCallbackData) ?? 0) + 1);
    }
    return counts;
  };

  it('sends every recipient once, at no more than the number rate, and follows delivery to read', async () => {
    const people = await audience('all-once', 60);
    const id = await campaign('all-once');
    expect((await api.post(`/v1/campaigns/${id}/launch`)).status).toBe(200);
    await finished(id);
    await sim.idle();
    const rows = await eventually(async () => {
      const found = await recipients(id);
      return found.every((r) => r.deliveryState === 'read') ? found : undefined;
    }, 15_000, 'every recipient read');
    expect(rows).toHaveLength(people.length);
    expect(rows.every((r) => r.sendState === 'accepted' && r.wamid && r.sentAt)).toBe(true);
    // What was sent is kept: the template with this person's name.
    const first = rows.find((r) => r.contactId === people[0].id)!;
    expect(first.sentMessage).toMatchObject({ type: 'template', template: { name: 'promo_dispatch', components: [{ type: 'body', parameters: [{ type: 'text', text: 'orang ' + (serial - 59) }] }] } });
    const perRecipient = sentPerRecipient(id);
    expect(perRecipient.size).toBe(people.length);
    expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
    const stats = sim.stats()[SENDER];
    expect(stats.maxPerSecond).toBeLessThanOrEqual(MPS);
    expect(stats.rejectedByCode['130429'] ?? 0).toBe(0);
  });

  it('an opt-out recorded after the launch is honoured: that person is not sent to', async () => {
    const people = await audience('late-stop', 6);
    const id = await campaign('late-stop');
    // Paused before anything goes, so the opt-out lands between the snapshot and the claim.
    expect((await api.post(`/v1/campaigns/${id}/launch`)).status).toBe(200);
    expect((await api.post(`/v1/campaigns/${id}/pause`)).status).toBe(200);
    const stopped = people[3];
    expect((await api.post(`/v1/contacts/${stopped.id}/opt-out`, { scope: 'marketing' })).status).toBe(201);
    const before = sentPerRecipient(id).size;
    expect((await api.post(`/v1/campaigns/${id}/resume`)).status).toBe(200);
    await finished(id);
    const rows = await recipients(id);
    expect(rows.find((r) => r.contactId === stopped.id)).toMatchObject({ sendState: 'cancelled', skipReason: 'opted_out', wamid: null });
    expect(rows.filter((r) => r.sendState === 'accepted').length + before).toBeGreaterThanOrEqual(5);
    expect([...sentPerRecipient(id).keys()].some((k) => k.endsWith(`:${stopped.id}`))).toBe(false);
  });

  it('an opt-out recorded after the claim, while the row waits for its slot, is honoured: the last look before the send stops it', async () => {
    const [person] = await audience('slot-stop', 1);
    const id = await campaign('slot-stop');
    // Book the number's schedule two seconds ahead (as other campaigns' sends would): the claimed
    // row waits for its slot, in `sending`, long enough for the opt-out to land before it goes.
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const gate = new ThroughputGate(redis, { prefix: env.prefix });
      await gate.reserve(SENDER, MPS, 2 * MPS, 2_500);
      expect((await api.post(`/v1/campaigns/${id}/launch`)).status).toBe(200);
      await eventually(async () => ((await recipients(id))[0]?.sendState === 'sending' ? true : undefined), 5_000, 'claimed');
      expect((await api.post(`/v1/contacts/${person.id}/opt-out`, { scope: 'marketing' })).status).toBe(201);
      await finished(id, 15_000);
    } finally {
      redis.disconnect();
    }
    expect((await recipients(id))[0]).toMatchObject({ sendState: 'cancelled', skipReason: 'opted_out', wamid: null });
    expect(sentPerRecipient(id).size).toBe(0);
  });

  it('pause stops sending within a second, resume finishes the rest, each once', async () => {
    await env.db.query(`UPDATE phone_numbers SET throughput_mps = 10 WHERE phone_number_id = $1`, [SENDER]);
    try {
      const people = await audience('pause', 40);
      const id = await campaign('pause');
      expect((await api.post(`/v1/campaigns/${id}/launch`)).status).toBe(200);
      await eventually(async () => (sentPerRecipient(id).size >= 5 ? true : undefined), 15_000, 'some sent');
      const paused = await api.post(`/v1/campaigns/${id}/pause`);
      expect(paused.status).toBe(200);
      const pausedAt = Date.now();
      await new Promise((r) => setTimeout(r, 2500));
      const late = sim.messages().filter((m) => m.bizOpaqueCallbackData?.includes(id) && Date.parse(m.acceptedAt) > pausedAt + 1000);
      expect(late).toEqual([]);
      const atPause = sentPerRecipient(id).size;
      expect(atPause).toBeLessThan(people.length);
      expect((await api.post(`/v1/campaigns/${id}/resume`)).status).toBe(200);
      await finished(id);
      const perRecipient = sentPerRecipient(id);
      expect(perRecipient.size).toBe(people.length);
      expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await env.db.query(`UPDATE phone_numbers SET throughput_mps = $2 WHERE phone_number_id = $1`, [SENDER, MPS]);
    }
  });

  it('cancel leaves the recipients not yet sent cancelled', async () => {
    await audience('cancel', 10);
    const id = await campaign('cancel');
    expect((await api.post(`/v1/campaigns/${id}/launch`)).status).toBe(200);
    expect((await api.post(`/v1/campaigns/${id}/pause`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    const sentBefore = sentPerRecipient(id).size;
    expect((await api.post(`/v1/campaigns/${id}/cancel`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    const rows = await recipients(id);
    expect(rows.filter((r) => r.sendState === 'cancelled')).toHaveLength(10 - sentBefore);
    expect(rows.every((r) => r.sendState === 'cancelled' || r.sendState === 'accepted')).toBe(true);
    expect(sentPerRecipient(id).size).toBe(sentBefore);
  });

  it('failures follow the policy: 5xx retried, undeliverable failed by webhook, lost answers resolved by their status', async () => {
    const people = await audience('faults', 30);
    sim.configure({ rates: { serverError: 0.2, lostAnswer: 0.2 }, notOnWhatsAppNumbers: [people[0].phone.slice(1)] });
    try {
      const id = await campaign('faults');
      expect((await api.post(`/v1/campaigns/${id}/launch`)).status).toBe(200);
      await finished(id, 60_000);
      await sim.idle();
      const perRecipient = sentPerRecipient(id);
      const rows = await eventually(async () => {
        const found = await recipients(id);
        return found.every((r) => r.sendState !== 'accepted' || r.deliveryState !== null) ? found : undefined;
      }, 20_000, 'every accepted recipient has a delivery state');
      // Accepted exactly when WhatsApp has the message: retried 5xx went through, lost answers were
      // resolved by their status webhooks. A bare 503 (no Graph body) may have been forwarded, so
      // its recipient is unknown and never sent again by itself.
      for (const r of rows) {
        const atWhatsapp = perRecipient.has(`siaran:1:${id}:${r.contactId}`);
        expect({ contact: r.contactId, state: r.sendState }).toEqual({ contact: r.contactId, state: atWhatsapp ? 'accepted' : 'unknown' });
      }
      expect(rows.filter((r) => r.sendState === 'accepted').length).toBeGreaterThan(people.length / 2);
      expect(rows.find((r) => r.contactId === people[0].id && r.sendState === 'accepted') ?? { deliveryState: 'failed', errorCode: 131026 }).toMatchObject({
        deliveryState: 'failed',
        errorCode: 131026,
      });
      expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
      const stats = sim.stats()[SENDER];
      expect(stats.timedOut).toBeGreaterThan(0);
    } finally {
      sim.configure({ rates: { serverError: 0, lostAnswer: 0 }, notOnWhatsAppNumbers: [] });
    }
  });

  it('a template WhatsApp pauses pauses its running campaign; the recipients not sent wait as pending, none failed', async () => {
    await env.db.query(`UPDATE phone_numbers SET throughput_mps = 5 WHERE phone_number_id = $1`, [SENDER]);
    try {
      await audience('tpl-paused', 20);
      const id = await campaign('tpl-paused');
      expect((await api.post(`/v1/campaigns/${id}/launch`)).status).toBe(200);
      await eventually(async () => (sentPerRecipient(id).size >= 2 ? true : undefined), 15_000, 'some sent');
      sim.setTemplateStatus({ wabaId: WABA, name: 'promo_dispatch', language: 'id', status: 'PAUSED', reason: 'low quality' });
      const paused = await eventually(async () => {
        const body = (await api.get(`/v1/campaigns/${id}`)).body;
        return body.status === 'paused' ? body : undefined;
      }, 10_000, 'campaign paused');
      expect(['TEMPLATE_NOT_APPROVED', 'whatsapp_132015']).toContain(paused.statusReason);
      await new Promise((r) => setTimeout(r, 1000));
      const rows = await recipients(id);
      expect(rows.filter((r) => r.sendState === 'failed')).toEqual([]);
      expect(rows.filter((r) => r.sendState === 'pending').length).toBeGreaterThan(0);
      expect(rows.every((r) => r.sendState === 'pending' || r.sendState === 'accepted')).toBe(true);
    } finally {
      sim.setTemplateStatus({ wabaId: WABA, name: 'promo_dispatch', language: 'id', status: 'APPROVED' });
      await env.db.query(`UPDATE phone_numbers SET throughput_mps = $2 WHERE phone_number_id = $1`, [SENDER, MPS]);
    }
  });

  it('progress, recipients and retry: counts per state, filters, and failed recipients sent again on request', async () => {
    const people = await audience('retry', 8);
    sim.configure({ notOnWhatsAppNumbers: [people[2].phone.slice(1)] });
    try {
      const id = await campaign('retry');
      expect((await api.post(`/v1/campaigns/${id}/launch`)).status).toBe(200);
      await finished(id);
      const view = await eventually(async () => {
        const body = (await api.get(`/v1/campaigns/${id}`)).body;
        return body.progress.deliveryStates.failed === 1 && body.progress.deliveryStates.read === 7 ? body : undefined;
      }, 15_000, 'delivery states');
      expect(view.progress).toMatchObject({
        sendStates: { pending: 0, sending: 0, accepted: 8, failed: 0, unknown: 0, cancelled: 0 },
        errors: { '131026': 1 },
        etaSeconds: 0,
      });
      const failed = await api.get(`/v1/campaigns/${id}/recipients?deliveryState=failed`);
      expect(failed.status).toBe(200);
      expect(failed.body.data).toEqual([expect.objectContaining({ contactId: people[2].id, phone: people[2].phone, errorCode: 131026, sendState: 'accepted' })]);
      // Keyset pages: 3 + 3 + 2, in contact order, nothing twice.
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: { data: Array<{ contactId: string }>; nextCursor: string | null } } = await api.get(`/v1/campaigns/${id}/recipients?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        seen.push(...page.body.data.map((r) => r.contactId));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(people.map((p) => p.id));
      expect((await api.get(`/v1/campaigns/${id}/recipients?cursor=bm90LWEtY3Vyc29y`)).body.code).toBe('INVALID_CURSOR');
      expect((await api.get(`/v1/campaigns/${id}/recipients?sendState=lost`)).status).toBe(400);

      // On a person's word the failed one goes again: the campaign runs, then completes again.
      sim.configure({ notOnWhatsAppNumbers: [] });
      const retried = await api.post(`/v1/campaigns/${id}/retry`, { which: 'failed' });
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ requeued: 1, campaign: { status: 'running' } });
      // Unknown ones only after DISPATCH_UNKNOWN_SETTLE: none here.
      expect((await api.post(`/v1/campaigns/${id}/retry`, { which: 'unknown' })).body).toMatchObject({ requeued: 0 });
      expect((await api.post(`/v1/campaigns/${id}/retry`, { which: 'everyone' })).status).toBe(400);
      await finished(id);
      const again = await eventually(async () => {
        const [row] = (await recipients(id)).filter((r) => r.contactId === people[2].id);
        return row.deliveryState === 'read' ? row : undefined;
      }, 15_000, 'retried recipient read');
      expect(again).toMatchObject({ sendState: 'accepted', errorCode: null });
      expect(sentPerRecipient(id).get(`siaran:1:${id}:${people[2].id}`)).toBe(2);
      await expectProgressTrue(env.db, env.get(CampaignsRepository), id);
    } finally {
      sim.configure({ notOnWhatsAppNumbers: [] });
    }
  });

  it('outside its send window a campaign waits, its recipients pending', async () => {
    await audience('window', 3);
    // A one-minute window twelve hours from now, in Jakarta's time.
    const local = new Date(Date.now() + 12 * 3_600_000 + 7 * 3_600_000);
    const hh = String(local.getUTCHours()).padStart(2, '0');
    const sendWindow = { from: `${hh}:00`, to: `${hh}:01`, timeZone: 'Asia/Jakarta' };
    const id = await campaign('window', { sendWindow });
    expect((await api.get(`/v1/campaigns/${id}`)).body.sendWindow).toEqual(sendWindow);
    expect((await api.post(`/v1/campaigns/${id}/launch`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    const body = (await api.get(`/v1/campaigns/${id}`)).body;
    expect(body).toMatchObject({ status: 'running', progress: { sendStates: { pending: 3, accepted: 0 } } });
    expect(sentPerRecipient(id).size).toBe(0);
    expect((await api.post(`/v1/campaigns/${id}/cancel`)).status).toBe(200);

    const bad = await api.post('/v1/campaigns', { name: 'x', phoneNumberId: SENDER, templateId, binding: { 'body.1': '{{name}}' }, audience: {}, sendWindow: { from: '8:00', to: '20:00' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/timeZone/);
  });

  it('a campaign capped far below its number holds one small batch and never holds up another campaign on the number', async () => {
    await audience('capped-slow', 8);
    await audience('beside-it', 3);
    const slow = await campaign('capped-slow', { maxMps: 1 });
    const quick = await campaign('beside-it');
    expect((await api.post(`/v1/campaigns/${slow}/launch`)).status).toBe(200);
    await eventually(async () => (sentPerRecipient(slow).size >= 1 ? true : undefined), 10_000, 'the capped one sending');
    expect((await api.post(`/v1/campaigns/${quick}/launch`)).status).toBe(200);
    await finished(quick, 5_000);
    const slowNow = (await api.get(`/v1/campaigns/${slow}`)).body;
    expect(slowNow.status).toBe('running');
    // At 1 a second it claims one row at a time: nothing waits long enough to outlive a lease.
    expect(slowNow.progress.sendStates.sending).toBeLessThanOrEqual(2);
    expect(slowNow.progress.sendStates.pending).toBeGreaterThan(2);
    expect((await api.post(`/v1/campaigns/${slow}/cancel`)).status).toBe(200);
  });

  /** Contacts straight into the table (opted in, tagged): for audiences of hundreds. */
  async function bulkAudience(tag: string, n: number): Promise<Array<{ id: string }>> {
    const start = serial + 1;
    serial += n;
    return insertOptedInContacts(env.db, { phonePrefix: '+62812', tag, from: start, count: n });
  }


  it('a spike of one error code (more than 20% of the last 200 outcomes) pauses the campaign with that code', async () => {
    await bulkAudience('spike', 260);
    await env.db.query(`UPDATE phone_numbers SET throughput_mps = 200 WHERE phone_number_id = $1`, [SENDER]);
    sim.configure({ phoneNumbers: [{ id: SENDER, mps: 200 }] });
    try {
      // Approved here, unknown to WhatsApp: every send is refused with 132001 (template not found), a request bug.
      const [{ id: ghost }] = await env.db.query(
        `INSERT INTO templates (waba_id, name, language, category, parameter_format, components, status, whatsapp_id)
         VALUES ($1, 'ghost_promo', 'id', 'MARKETING', 'POSITIONAL', $2::jsonb, 'APPROVED', '999000111') RETURNING id`,
        [WABA, JSON.stringify([{ type: 'BODY', text: 'Halo {{1}}, promo!', example: { body_text: [['Ana']] } }])],
      );
      const created = await api.post('/v1/campaigns', { name: 'Spike', phoneNumberId: SENDER, templateId: ghost, binding: { 'body.1': '{{name}}' }, audience: { tags: { any: ['spike'] } } });
      expect(created.status).toBe(201);
      const id = created.body.id;
      expect((await api.post(`/v1/campaigns/${id}/launch`)).status).toBe(200);
      const paused = await eventually(async () => {
        const body = (await api.get(`/v1/campaigns/${id}`)).body;
        return body.status === 'paused' ? body : undefined;
      }, 20_000, 'paused by the spike');
      expect(paused.statusReason).toBe('failure_spike_132001');
      await new Promise((r) => setTimeout(r, 500));
      const after = (await api.get(`/v1/campaigns/${id}`)).body.progress;
      expect(after.errors['132001']).toBeGreaterThanOrEqual(200);
      expect(after.sendStates.pending).toBeGreaterThan(0);
      expect(after.sendStates.failed + after.sendStates.pending + after.sendStates.cancelled).toBe(260);
    } finally {
      await env.db.query(`UPDATE phone_numbers SET throughput_mps = $2 WHERE phone_number_id = $1`, [SENDER, MPS]);
      sim.configure({ phoneNumbers: [{ id: SENDER, mps: MPS }] });
    }
  });

  it('recipients beyond the messaging limit are deferred, then released and sent when the moving 24 hours free the budget', async () => {
    // The number reached 246 people outside a window in the last 24 hours (the tests above, and an
    // earlier campaign's rows for the rest): a TIER_250 limit leaves 4.
    const [{ n: already }] = await env.db.query(
      `SELECT count(DISTINCT contact_id)::int AS n FROM campaign_recipients WHERE sent_at > now() - interval '24 hours' AND outside_window`,
    );
    expect(already).toBeLessThan(246);
    const reached = await bulkAudience('reached-lately', 246 - already);
    // An earlier campaign of the number (a draft here: only its recipients' rows count).
    const earlier = await campaign('nobody');
    await env.db.query(
      `INSERT INTO campaign_recipients (campaign_id, contact_id, decision, sends, category, policy_version_id, send_state, sent_at, outside_window)
       SELECT $1, unnest($2::bigint[]), 'eligible', 'template', 'UTILITY', 1, 'accepted', now() - interval '1 hour', true`,
      [earlier, reached.map((r) => r.id)],
    );
    await env.db.query(`UPDATE phone_numbers SET messaging_limit = 'TIER_250' WHERE phone_number_id = $1`, [SENDER]);
    try {
      await audience('limited', 7);
      const id = await campaign('limited');
      const launched = await api.post(`/v1/campaigns/${id}/launch`);
      expect(launched.body.recipients).toMatchObject({ eligible: 4, deferred: { messaging_limit: 3 } });
      await eventually(async () => (sentPerRecipient(id).size === 4 ? true : undefined), 15_000, 'four sent');
      await new Promise((r) => setTimeout(r, 2500));
      // The budget is spent: the deferred wait, the campaign runs on.
      expect(sentPerRecipient(id).size).toBe(4);
      expect((await api.get(`/v1/campaigns/${id}`)).body).toMatchObject({ status: 'running', progress: { sendStates: { pending: 3, accepted: 4 } } });
      // A day later for the earlier campaign: the budget frees, the deferred are released and sent.
      await env.db.query(`UPDATE campaign_recipients SET sent_at = now() - interval '25 hours' WHERE campaign_id = $1`, [earlier]);
      await finished(id);
      expect(sentPerRecipient(id).size).toBe(7);
      // Deferred rows released (decision changed) are counted as the rows say.
      await expectProgressTrue(env.db, env.get(CampaignsRepository), id);
    } finally {
      await env.db.query(`UPDATE phone_numbers SET messaging_limit = NULL WHERE phone_number_id = $1`, [SENDER]);
    }
  });
});
