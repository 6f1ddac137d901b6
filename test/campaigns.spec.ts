import { ApiKeysService } from '../src/auth/api-keys.service';
import { CampaignEligibility, type Blocker } from '../src/campaigns/eligibility.port';
import { TestEnv } from './support/app';
import { client } from './support/http';
import { TestCampaignEligibility } from './support/test-campaign-eligibility';

const WABA = '2000000001';
const OTHER_WABA = '2000000002';
const SENDER = '1000000001';
const OTHER_SENDER = '1000000002';

/** Campaigns through the API: creation and its checks, the state machine, the dry run, idempotency keys. */
describe('campaigns', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;
  const eligibility = new TestCampaignEligibility();
  let templateId: string;
  let otherAccountTemplateId: string;
  let fallbackId: string;
  let contacts: string[];

  const count = async (sql: string, params: unknown[] = []) => Number((await env.db.query(sql, params))[0].count);

  const templateCampaign = (extra: Record<string, unknown> = {}) => ({
    name: 'Pesanan siap',
    phoneNumberId: SENDER,
    templateId,
    binding: { 'body.1': '{{title name}}', 'body.2': '{{default attributes.order "-"}}' },
    audience: {},
    ...extra,
  });

  const sessionCampaign = (extra: Record<string, unknown> = {}) => ({
    name: 'Sapaan',
    phoneNumberId: SENDER,
    session: { type: 'text', text: { body: 'Halo {{title name}}!' } },
    fallbackTemplateId: fallbackId,
    fallbackBinding: { 'body.1': '{{title name}}', 'body.2': '{{default attributes.order "-"}}' },
    audience: {},
    ...extra,
  });

  async function created(body: Record<string, unknown>): Promise<any> {
    const res = await api.post('/v1/campaigns', body);
    expect(res.status).toBe(201);
    return res.body;
  }

  beforeAll(async () => {
    env = await TestEnv.create({ WHATSAPP_WABA_ID: WABA }, [{ provide: CampaignEligibility, useValue: eligibility }]);
    await env.startApi();
    eligibility.db = env.db;
    api = client(env.url);
    await env.db.query(
      `INSERT INTO phone_numbers (phone_number_id, waba_id, business_country, throughput_mps) VALUES ($1, $2, 'ID', 80), ($3, $4, 'ID', 80)`,
      [SENDER, WABA, OTHER_SENDER, OTHER_WABA],
    );
    const template = (name: string, wabaId = WABA) => ({
      name,
      wabaId,
      language: 'id',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Halo {{1}}, pesanan {{2}} sudah siap diambil.', example: { body_text: [['Ana', 'A-1']] } }],
    });
    templateId = (await api.post('/v1/templates', template('order_ready'))).body.id;
    fallbackId = (await api.post('/v1/templates', template('order_ready_fallback'))).body.id;
    otherAccountTemplateId = (await api.post('/v1/templates', template('order_ready', OTHER_WABA))).body.id;
    contacts = [];
    for (const [phone, consent] of [
      ['+6281300000001', 'in'],
      ['+6281300000002', 'in'],
      ['+6281300000003', 'none'],
      ['+6281300000004', 'out'],
    ]) {
      const contact = await api.post('/v1/contacts', { phone, name: 'ana wijaya', attributes: { order: 'A-7' } });
      if (consent === 'in') expect((await api.post(`/v1/contacts/${contact.body.id}/opt-in`, { scope: 'marketing', wording: 'Ya, kirimi saya promo' })).status).toBe(201);
      if (consent === 'out') expect((await api.post(`/v1/contacts/${contact.body.id}/opt-out`, {})).status).toBe(201);
      contacts.push(contact.body.id);
    }
  });
  afterAll(() => env.close());
  beforeEach(() => {
    eligibility.blocking.clear();
    eligibility.snapshotDelayMs = 0;
  });

  describe('create', () => {
    it('stores a template campaign as a draft, its audience normalised', async () => {
      const campaign = await created(
        templateCampaign({
          audience: { tags: { any: [' vip '], none: ['churned'] }, countries: ['id', 'My'], attributes: { city: 'Jakarta' }, contactIds: ['1', '2'] },
          scheduledAt: '2030-03-01T09:00:00+07:00',
          maxMps: 20,
        }),
      );
      expect(campaign).toMatchObject({
        status: 'draft',
        statusReason: null,
        kind: 'template',
        templateId,
        phoneNumberId: SENDER,
        session: null,
        sessionScope: null,
        audience: { tags: { any: ['vip'], none: ['churned'] }, countries: ['ID', 'MY'], attributes: { city: 'Jakarta' }, contactIds: ['1', '2'] },
        scheduledAt: '2030-03-01T02:00:00.000Z',
        maxMps: 20,
        recipients: null,
        policyVersionId: null,
        launchedAt: null,
        startedAt: null,
        finishedAt: null,
      });
      expect((await api.get(`/v1/campaigns/${campaign.id}`)).body).toEqual(campaign);
    });

    it('stores a session campaign with its fallback template; the scope is marketing unless given', async () => {
      expect(await created(sessionCampaign())).toMatchObject({ kind: 'session', sessionScope: 'marketing', templateId: null, fallbackTemplateId: fallbackId });
      expect(await created(sessionCampaign({ sessionScope: 'utility', fallbackTemplateId: undefined, fallbackBinding: undefined }))).toMatchObject({
        sessionScope: 'utility',
        fallbackTemplateId: null,
        fallbackBinding: null,
      });
    });

    it('refuses fields that do not go together, and bad values, naming each field (400), storing nothing', async () => {
      const before = await count(`SELECT count(*) FROM campaigns`);
      const fields = async (body: Record<string, unknown>) => {
        const res = await api.post('/v1/campaigns', body);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        return res.body.details.map((d: { field: string }) => d.field).sort();
      };
      expect(await fields(templateCampaign({ templateId: undefined, binding: undefined }))).toEqual(['templateId']);
      expect(await fields(templateCampaign({ session: { type: 'text', text: { body: 'x' } } }))).toEqual(['templateId']);
      expect(await fields(templateCampaign({ binding: undefined }))).toEqual(['binding']);
      expect(await fields(templateCampaign({ sessionScope: 'utility', fallbackTemplateId: fallbackId, fallbackBinding: {} }))).toEqual(['fallbackTemplateId', 'sessionScope']);
      expect(await fields(sessionCampaign({ fallbackBinding: undefined }))).toEqual(['fallbackBinding']); // the one missing
      expect(await fields(templateCampaign({ scheduledAt: '2030-03-01T09:00:00' }))).toEqual(['scheduledAt']);
      expect(await fields(templateCampaign({ maxMps: 0 }))).toEqual(['maxMps']);
      expect(await fields(templateCampaign({ maxMps: 1001 }))).toEqual(['maxMps']);
      expect(await fields(templateCampaign({ maxMps: 81 }))).toEqual(['maxMps']); // above the number's 80
      expect(await fields(templateCampaign({ audience: undefined }))).toEqual(['audience']);
      expect(
        await fields(
          templateCampaign({
            audience: { tags: { any: 'vip', all: [''] }, countries: ['IDN'], attributes: { city: 1 }, importId: 'x', contactIds: ['abc'], segment: 'x' },
          }),
        ),
      ).toEqual(['audience.attributes', 'audience.contactIds', 'audience.countries', 'audience.importId', 'audience.segment', 'audience.tags.all', 'audience.tags.any']);
      expect(await fields(templateCampaign({ name: '', sessionScope: 'everything' }))).toEqual(['name', 'sessionScope']);
      expect(await count(`SELECT count(*) FROM campaigns`)).toBe(before);
    });

    it('needs a registered number, a known template of its account, and bindings that compile (each problem listed)', async () => {
      const before = await count(`SELECT count(*) FROM campaigns`);
      expect((await api.post('/v1/campaigns', templateCampaign({ phoneNumberId: '999' }))).body).toMatchObject({
        statusCode: 409,
        code: 'PHONE_NUMBER_NOT_REGISTERED',
        details: { field: 'phoneNumberId' },
      });
      expect((await api.post('/v1/campaigns', templateCampaign({ templateId: '00000000-0000-4000-8000-000000000000' }))).body).toMatchObject({
        statusCode: 404,
        code: 'TEMPLATE_NOT_FOUND',
        details: { field: 'templateId' },
      });
      expect((await api.post('/v1/campaigns', sessionCampaign({ fallbackTemplateId: 'nope' }))).body).toMatchObject({
        statusCode: 404,
        code: 'TEMPLATE_NOT_FOUND',
        details: { field: 'fallbackTemplateId' },
      });
      expect((await api.post('/v1/campaigns', templateCampaign({ templateId: otherAccountTemplateId }))).body).toMatchObject({
        statusCode: 422,
        code: 'CAMPAIGN_TEMPLATE_OTHER_ACCOUNT',
        details: { field: 'templateId', templateWabaId: OTHER_WABA, phoneNumberWabaId: WABA },
      });

      const bad = await api.post('/v1/campaigns', templateCampaign({ binding: { 'body.1': '{{name}}', 'body.9': 'x' } }));
      expect(bad.status).toBe(422);
      expect(bad.body.code).toBe('CAMPAIGN_BINDING_INVALID');
      expect(bad.body.details.problems.map((p: { field: string; parameter: string; rule: string }) => `${p.field}:${p.parameter}:${p.rule}`).sort()).toEqual([
        'binding:body.2:binding_missing',
        'binding:body.9:unknown_parameter',
      ]);

      const session = await api.post(
        '/v1/campaigns',
        sessionCampaign({
          session: { type: 'interactive', interactive: { type: 'button', body: { text: 'Pilih {{shout name}}' }, action: { buttons: [] } } },
          fallbackBinding: { 'body.1': '{{name}}' },
        }),
      );
      expect(session.status).toBe(422);
      expect(session.body.details.problems.map((p: { field: string; rule: string }) => `${p.field}:${p.rule}`).sort()).toEqual([
        'fallbackBinding:binding_missing',
        'session:invalid_structure',
        'session:unknown_helper',
      ]);
      expect(await count(`SELECT count(*) FROM campaigns`)).toBe(before);
    });
  });

  describe('transitions', () => {
    it('launches now: running, with the audience frozen and counted by decision and reason', async () => {
      const campaign = await created(templateCampaign());
      const launched = await api.post(`/v1/campaigns/${campaign.id}/launch`);
      expect(launched.status).toBe(200);
      expect(launched.body).toMatchObject({
        status: 'running',
        recipients: { total: 4, eligible: 2, excluded: { no_opt_in: 1, opted_out: 1 }, deferred: {} },
        policyVersionId: expect.any(Number),
        launchedAt: expect.any(String),
        startedAt: expect.any(String),
      });
      expect(launched.body.launchedAt).toBe(launched.body.startedAt);
      expect(await count(`SELECT count(*) FROM campaign_recipients WHERE campaign_id = $1`, [campaign.id])).toBe(4);
      expect((await api.get(`/v1/campaigns/${campaign.id}`)).body).toEqual(launched.body);
      expect(eligibility.snapshots.filter((id) => id === campaign.id)).toHaveLength(1);
    });

    it('walks running ⇄ paused → cancelled; every other action is 409 CAMPAIGN_INVALID_TRANSITION naming the status', async () => {
      const campaign = await created(templateCampaign());
      const refused = async (action: string, status: string) => {
        const res = await api.post(`/v1/campaigns/${campaign.id}/${action}`);
        expect({ action, status: res.status, body: res.body }).toMatchObject({
          action,
          status: 409,
          body: { code: 'CAMPAIGN_INVALID_TRANSITION', details: { status, action } },
        });
      };
      await refused('pause', 'draft');
      await refused('resume', 'draft');
      expect((await api.post(`/v1/campaigns/${campaign.id}/launch`)).body.status).toBe('running');
      await refused('launch', 'running');
      await refused('resume', 'running');

      const paused = await api.post(`/v1/campaigns/${campaign.id}/pause`);
      expect(paused.body).toMatchObject({ status: 'paused', statusReason: 'requested', recipients: { total: 4 } });
      await refused('pause', 'paused');
      await refused('launch', 'paused');
      const resumed = await api.post(`/v1/campaigns/${campaign.id}/resume`);
      expect(resumed.body).toMatchObject({ status: 'running', statusReason: null, startedAt: paused.body.startedAt });
      expect(eligibility.snapshots.filter((id) => id === campaign.id)).toHaveLength(1); // resumed, not frozen again

      const cancelled = await api.post(`/v1/campaigns/${campaign.id}/cancel`);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', finishedAt: expect.any(String) });
      for (const action of ['launch', 'pause', 'resume', 'cancel']) await refused(action, 'cancelled');
    });

    it('launches a campaign whose time is to come as scheduled, frozen later; pause, resume and cancel it', async () => {
      const campaign = await created(templateCampaign({ scheduledAt: new Date(Date.now() + 3_600_000).toISOString() }));
      const scheduled = await api.post(`/v1/campaigns/${campaign.id}/launch`);
      expect(scheduled.body).toMatchObject({ status: 'scheduled', recipients: null, launchedAt: expect.any(String), startedAt: null, policyVersionId: null });
      expect(eligibility.snapshots).not.toContain(campaign.id);
      expect((await api.post(`/v1/campaigns/${campaign.id}/pause`)).body).toMatchObject({ status: 'paused', statusReason: 'requested' });
      // Resumed before its time: scheduled again, still not frozen.
      expect((await api.post(`/v1/campaigns/${campaign.id}/resume`)).body).toMatchObject({ status: 'scheduled', statusReason: null, startedAt: null });
      expect((await api.post(`/v1/campaigns/${campaign.id}/cancel`)).body).toMatchObject({ status: 'cancelled', recipients: null });
      expect(eligibility.snapshots).not.toContain(campaign.id);
    });

    it('launches at once a campaign whose scheduledAt is already past', async () => {
      const campaign = await created(templateCampaign({ scheduledAt: '2020-01-01T00:00:00Z' }));
      expect((await api.post(`/v1/campaigns/${campaign.id}/launch`)).body).toMatchObject({ status: 'running', recipients: { total: 4 } });
    });

    it('cancels a draft', async () => {
      const campaign = await created(templateCampaign());
      expect((await api.post(`/v1/campaigns/${campaign.id}/cancel`)).body).toMatchObject({ status: 'cancelled', launchedAt: null });
    });

    it('refuses to launch (or resume) while blocked: 409 with the blocker code, every blocker in details, nothing written', async () => {
      const campaign = await created(templateCampaign());
      const blockers: Blocker[] = [
        { code: 'TEMPLATE_NOT_APPROVED', message: 'Template order_ready is PENDING' },
        { code: 'MARKETING_NOT_AVAILABLE', message: 'No marketing from ID' },
      ];
      eligibility.blocking.set(campaign.id, blockers);
      const refused = await api.post(`/v1/campaigns/${campaign.id}/launch`);
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'TEMPLATE_NOT_APPROVED', details: { blockers } });
      expect((await api.get(`/v1/campaigns/${campaign.id}`)).body).toMatchObject({ status: 'draft', launchedAt: null });
      expect(await count(`SELECT count(*) FROM campaign_recipients WHERE campaign_id = $1`, [campaign.id])).toBe(0);

      eligibility.blocking.delete(campaign.id);
      await api.post(`/v1/campaigns/${campaign.id}/launch`);
      await api.post(`/v1/campaigns/${campaign.id}/pause`);
      eligibility.blocking.set(campaign.id, [blockers[1]]);
      expect((await api.post(`/v1/campaigns/${campaign.id}/resume`)).body).toMatchObject({ statusCode: 409, code: 'MARKETING_NOT_AVAILABLE' });
      expect((await api.get(`/v1/campaigns/${campaign.id}`)).body.status).toBe('paused');
    });

    it('lets exactly one of racing launches win (compare-and-set); the others are 409 naming running', async () => {
      const campaign = await created(templateCampaign());
      eligibility.snapshotDelayMs = 200;
      const answers = await Promise.all(Array.from({ length: 6 }, () => api.post(`/v1/campaigns/${campaign.id}/launch`)));
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
      for (const a of answers.filter((a) => a.status === 409)) expect(a.body.details).toEqual({ status: 'running', action: 'launch' });
      expect(eligibility.snapshots.filter((id) => id === campaign.id)).toHaveLength(1);
      expect(await count(`SELECT count(*) FROM campaign_recipients WHERE campaign_id = $1`, [campaign.id])).toBe(4);
    });

    it('answers 404 for a campaign that does not exist, whatever the id looks like', async () => {
      for (const id of ['00000000-0000-4000-8000-000000000000', 'nope', '1']) {
        expect((await api.get(`/v1/campaigns/${id}`)).body).toMatchObject({ statusCode: 404, code: 'CAMPAIGN_NOT_FOUND' });
        expect((await api.post(`/v1/campaigns/${id}/launch`)).body).toMatchObject({ statusCode: 404, code: 'CAMPAIGN_NOT_FOUND' });
      }
    });
  });

  describe('dry run', () => {
    it('counts what a launch would decide for a draft or a scheduled campaign, writing nothing; 409 once started', async () => {
      const campaign = await created(templateCampaign({ audience: { contactIds: contacts.slice(0, 3) } }));
      const dry = await api.get(`/v1/campaigns/${campaign.id}/eligibility`);
      expect(dry.status).toBe(200);
      expect(dry.body).toEqual({
        total: 3,
        eligible: 2,
        excluded: { no_opt_in: 1 },
        deferred: {},
        blockers: [],
        samples: {},
        estimatedSeconds: 2 / 80,
        policyVersion: 'test',
      });
      expect(await count(`SELECT count(*) FROM campaign_recipients WHERE campaign_id = $1`, [campaign.id])).toBe(0);
      await api.post(`/v1/campaigns/${campaign.id}/launch`);
      expect((await api.get(`/v1/campaigns/${campaign.id}/eligibility`)).body).toMatchObject({
        statusCode: 409,
        code: 'CAMPAIGN_INVALID_STATE',
        details: { status: 'running' },
      });
    });
  });

  describe('listing', () => {
    it('pages newest first with a cursor, and filters by status', async () => {
      const first = await api.get('/v1/campaigns?limit=2');
      expect(first.status).toBe(200);
      expect(first.body.data).toHaveLength(2);
      expect(first.body.data[0].recipients).toBeUndefined();
      const all: Array<{ id: string; createdAt: string; status: string }> = [];
      for (let cursor: string | null = null, page = 0; page < 100; page++) {
        const res: { body: { data: typeof all; nextCursor: string | null } } = await api.get(`/v1/campaigns?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        all.push(...res.body.data);
        cursor = res.body.nextCursor;
        if (!cursor) break;
      }
      expect(all.length).toBe(await count(`SELECT count(*) FROM campaigns`));
      expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
      expect([...all].sort((a, b) => b.createdAt.localeCompare(a.createdAt))).toEqual(all);
      const running = (await api.get('/v1/campaigns?status=running&limit=200')).body.data;
      expect(running.length).toBe(await count(`SELECT count(*) FROM campaigns WHERE status = 'running'`));
      expect(running.every((c: { status: string }) => c.status === 'running')).toBe(true);
      expect((await api.get('/v1/campaigns?cursor=nope')).body.code).toBe('INVALID_CURSOR');
    });
  });

  describe('Idempotency-Key', () => {
    const withKey = (key: string) => ({ 'idempotency-key': key });

    it('answers a repeated create with the same status and body, without creating again', async () => {
      const body = templateCampaign({ name: 'Sekali saja' });
      const first = await api.post('/v1/campaigns', body, withKey('create-1'));
      const again = await api.post('/v1/campaigns', Object.fromEntries(Object.entries(body).reverse()), withKey('create-1')); // key order is not another body
      expect([first.status, again.status]).toEqual([201, 201]);
      expect(again.body).toEqual(first.body);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await count(`SELECT count(*) FROM campaigns WHERE name = 'Sekali saja'`)).toBe(1);
    });

    it('refuses the same key with another body (422), and keeps keys apart per API key and per operation', async () => {
      await api.post('/v1/campaigns', templateCampaign({ name: 'Kunci A' }), withKey('create-2'));
      const reused = await api.post('/v1/campaigns', templateCampaign({ name: 'Kunci B' }), withKey('create-2'));
      expect(reused.status).toBe(422);
      expect(reused.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', details: { key: 'create-2' } });

      const other = await env.get(ApiKeysService).create('campaigns-other');
      const otherApi = client(env.url, other.key);
      expect((await otherApi.post('/v1/campaigns', templateCampaign({ name: 'Kunci B' }), withKey('create-2'))).status).toBe(201);
      const campaign = await created(templateCampaign({ name: 'Kunci C' }));
      expect((await api.post(`/v1/campaigns/${campaign.id}/launch`, undefined, withKey('create-2'))).status).toBe(200);
      expect(await count(`SELECT count(*) FROM campaigns WHERE name IN ('Kunci A', 'Kunci B')`)).toBe(2);
    });

    it('refuses a key longer than 255 characters (400 naming the header); 255 is fine', async () => {
      const long = await api.post('/v1/campaigns', templateCampaign(), withKey('k'.repeat(256)));
      expect(long.status).toBe(400);
      expect(long.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'Idempotency-Key' }] });
      expect((await api.post('/v1/campaigns', templateCampaign(), withKey('k'.repeat(255)))).status).toBe(201);
      expect((await api.post('/v1/campaigns', templateCampaign(), withKey('two words'))).status).toBe(400);
    });

    it('keeps no key for a request that failed: the corrected repeat runs', async () => {
      const bad = await api.post('/v1/campaigns', templateCampaign({ binding: {} }), withKey('create-3'));
      expect(bad.status).toBe(422);
      expect((await api.post('/v1/campaigns', templateCampaign({ name: 'Diperbaiki' }), withKey('create-3'))).status).toBe(201);
    });

    it('creates once when the same key and body arrive together', async () => {
      const body = templateCampaign({ name: 'Serentak' });
      const answers = await Promise.all(Array.from({ length: 8 }, () => api.post('/v1/campaigns', body, withKey('create-together'))));
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') === null)).toHaveLength(1);
      expect(await count(`SELECT count(*) FROM campaigns WHERE name = 'Serentak'`)).toBe(1);
    });

    it('launches once when the same key arrives together, every request answered with the launch', async () => {
      const campaign = await created(templateCampaign());
      eligibility.snapshotDelayMs = 300;
      const answers = await Promise.all(Array.from({ length: 6 }, () => api.post(`/v1/campaigns/${campaign.id}/launch`, undefined, withKey('launch-together'))));
      expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
      for (const a of answers) expect(a.body).toEqual(answers[0].body);
      expect(answers[0].body).toMatchObject({ status: 'running', recipients: { total: 4 } });
      expect(answers.filter((a) => a.headers.get('idempotent-replayed') === null)).toHaveLength(1);
      expect(eligibility.snapshots.filter((id) => id === campaign.id)).toHaveLength(1);
    });

    it('replays a launch after the campaign moved on, rather than answering 409', async () => {
      const campaign = await created(templateCampaign());
      const launched = await api.post(`/v1/campaigns/${campaign.id}/launch`, undefined, withKey('launch-later'));
      await api.post(`/v1/campaigns/${campaign.id}/pause`);
      const again = await api.post(`/v1/campaigns/${campaign.id}/launch`, undefined, withKey('launch-later'));
      expect(again.status).toBe(200);
      expect(again.body).toEqual(launched.body);
      expect(again.body.status).toBe('running');
      expect((await api.post(`/v1/campaigns/${campaign.id}/launch`)).body.details).toEqual({ status: 'paused', action: 'launch' });
    });
  });
});
