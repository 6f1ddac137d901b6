import { formatterCacheSizes } from '../src/rendering/helpers';
import { CloudApiClient } from '../src/whatsapp/cloud-api.client';
import type { Simulator } from './simulator/simulator';
import { eventually, TestEnv } from './support/app';
import { client } from './support/http';
import { startSimulatedWhatsapp } from './support/simulated-whatsapp';

const WABA = '2000000001';
/** A second account, for tests that must see only their own templates. */
const WABA_2 = '2000000002';

const spring = (name = 'spring_sale', extra: Record<string, unknown> = {}) => ({
  name,
  language: 'id',
  category: 'MARKETING',
  components: [
    { type: 'HEADER', format: 'IMAGE', example: { header_handle: ['https://example.com/banner.jpg'] } },
    { type: 'BODY', text: 'Halo {{1}}, diskon {{2}} untukmu hari ini!', example: { body_text: [['Ana', '20%']] } },
    { type: 'FOOTER', text: 'Balas STOP untuk berhenti' },
    {
      type: 'BUTTONS',
      buttons: [
        { type: 'QUICK_REPLY', text: 'Stop promosi' },
        { type: 'URL', text: 'Belanja', url: 'https://toko.example/p/{{1}}', example: ['abc123'] },
      ],
    },
  ],
  ...extra,
});

describe('Templates: drafts, review, webhooks and sync against the simulator', () => {
  let sim: Simulator;
  let env: TestEnv;
  let api: ReturnType<typeof client>;

  let templateUntil: (id: string, until: (t: any) => boolean) => Promise<any>;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ sim, env, api, templateUntil, close } = await startSimulatedWhatsapp({
      seed: 11,
      templateReview: { delayMs: 20 },
      phoneNumbers: [{ id: '1000000001' }, { id: '1000000002', wabaId: WABA_2, displayPhoneNumber: '+62 21 5000 0002' }],
    }));
  });
  afterAll(() => close());

  it('stores a valid draft with the parameters a binding needs', async () => {
    const res = await api.post('/v1/templates', spring());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'DRAFT', wabaId: WABA, category: 'MARKETING', parameterFormat: 'POSITIONAL', whatsappId: null });
    expect(res.body.parameters.map((p: { key: string; required: boolean }) => `${p.key}${p.required ? '' : '?'}`)).toEqual([
      'header.media',
      'body.1',
      'body.2',
      'button.0.payload?',
      'button.1.1',
    ]);
    expect((await api.post('/v1/templates', spring())).body.code).toBe('TEMPLATE_ALREADY_EXISTS');
  });

  it("refuses a template that breaks WhatsApp's rules, listing each violation, and stores nothing", async () => {
    const before = (await api.get('/v1/templates?limit=200')).body.data.length;
    const res = await api.post('/v1/templates', {
      name: 'Bad Name',
      language: 'id',
      category: 'UTILITY',
      components: [
        { type: 'BODY', text: '{{1}} dan {{3}}', example: { body_text: [['a', 'b']] } },
        { type: 'FOOTER', text: 'Hai {{1}}' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('TEMPLATE_INVALID');
    const rules = res.body.details.map((v: { component: string; rule: string }) => `${v.component}:${v.rule}`);
    expect(rules).toEqual(expect.arrayContaining([expect.stringMatching(/^name:/), expect.stringMatching(/^BODY:/), expect.stringMatching(/^FOOTER:/)]));
    expect((await api.get('/v1/templates?limit=200')).body.data.length).toBe(before);
  });

  it('edits a draft; submits it once; the review arrives by webhook with history', async () => {
    const created = await api.post('/v1/templates', spring('weekend_sale'));
    const edited = await api.patch(`/v1/templates/${created.body.id}`, {
      components: spring('weekend_sale').components.map((c) => (c.type === 'FOOTER' ? { ...c, text: 'Balas STOP untuk berhenti langganan' } : c)),
    });
    expect(edited.status).toBe(200);

    const [first, second] = await Promise.all([
      api.post(`/v1/templates/${created.body.id}/submit`),
      api.post(`/v1/templates/${created.body.id}/submit`),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    const submitted = first.status === 200 ? first.body : second.body;
    expect(submitted).toMatchObject({ status: 'PENDING', whatsappId: expect.any(String) });
    expect(sim.templates().filter((t) => t.name === 'weekend_sale')).toHaveLength(1);

    expect((await api.patch(`/v1/templates/${created.body.id}`, { category: 'UTILITY' })).body.code).toBe('TEMPLATE_INVALID_TRANSITION');
    const approved = await templateUntil(created.body.id, (t) => t.status === 'APPROVED');
    expect(approved.history.map((h: { change: string; toValue: string; source: string }) => `${h.change}:${h.toValue ?? ''}:${h.source}`)).toEqual([
      'created:DRAFT:api',
      'edited::api',
      'submitted:PENDING:api',
      'status:APPROVED:webhook',
    ]);
  });

  it('records a rejection with its reason', async () => {
    const created = await api.post('/v1/templates', spring('reject_this_one'));
    await api.post(`/v1/templates/${created.body.id}/submit`);
    const rejected = await templateUntil(created.body.id, (t) => t.status === 'REJECTED');
    expect(rejected.rejectionReason).toBe('INVALID_FORMAT');
  });

  it('follows pause, category and quality changes from webhooks', async () => {
    const created = await api.post('/v1/templates', spring('flash_sale', { category: 'UTILITY' }));
    expect((await api.post(`/v1/templates/${created.body.id}/submit`)).status).toBe(200);
    await templateUntil(created.body.id, (t) => t.status === 'APPROVED');

    sim.setTemplateCategory({ name: 'flash_sale', language: 'id', newCategory: 'MARKETING' });
    sim.setTemplateQuality({ name: 'flash_sale', language: 'id', score: 'YELLOW' });
    sim.setTemplateStatus({ name: 'flash_sale', language: 'id', status: 'PAUSED', reason: 'LOW_QUALITY' });
    const paused = await templateUntil(created.body.id, (t) => t.status === 'PAUSED' && t.category === 'MARKETING' && t.qualityScore === 'YELLOW');
    const changes = paused.history.filter((h: { source: string }) => h.source === 'webhook').map((h: { change: string; fromValue: string; toValue: string }) => `${h.change}:${h.fromValue}>${h.toValue}`);
    expect(changes).toEqual(expect.arrayContaining(['category:UTILITY>MARKETING', 'quality:null>YELLOW', 'status:APPROVED>PAUSED']));

    // Approved again: the same change as the first approval, at a later time, is applied again.
    sim.setTemplateStatus({ name: 'flash_sale', language: 'id', status: 'APPROVED' });
    const reinstated = await templateUntil(created.body.id, (t) => t.status === 'APPROVED');
    expect(reinstated.history.filter((h: { change: string; toValue: string }) => h.change === 'status' && h.toValue === 'APPROVED')).toHaveLength(2);
  });

  it('imports templates made in WhatsApp Manager, updates changed ones and marks vanished ones deleted', async () => {
    sim.seedTemplate({
      name: 'made_in_manager',
      language: 'en_US',
      category: 'UTILITY',
      status: 'APPROVED',
      components: [{ type: 'BODY', text: 'Order {{1}} shipped', example: { body_text: [['A-1']] } }],
    });
    const sync = await api.post('/v1/templates/sync', {});
    expect(sync.status).toBe(200);
    expect(sync.body.imported).toBeGreaterThanOrEqual(1);
    const [imported] = (await api.get('/v1/templates?name=made_in_manager')).body.data;
    expect(imported).toMatchObject({ status: 'APPROVED', category: 'UTILITY', language: 'en_US', whatsappId: expect.any(String) });

    // Changed without a webhook (say, one Meta never delivered), then removed at WhatsApp.
    sim.seedTemplate({ ...sim.templates().find((t) => t.name === 'made_in_manager')!, status: 'PAUSED' } as never);
    expect((await api.post('/v1/templates/sync', {})).body.updated).toBeGreaterThanOrEqual(1);
    expect((await api.get(`/v1/templates/${imported.id}`)).body.status).toBe('PAUSED');

    await new CloudApiClient(env.config).deleteTemplate(WABA, 'made_in_manager');
    expect((await api.post('/v1/templates/sync', {})).body.deleted).toBe(1);
    const gone = await api.get(`/v1/templates/${imported.id}`);
    expect(gone.body.status).toBe('DELETED');
    expect(gone.body.history.at(-1)).toMatchObject({ change: 'deleted', source: 'sync' });
    expect((await api.post('/v1/templates/sync', {})).body).toMatchObject({ imported: 0, deleted: 0 });
  });

  it('deletes at WhatsApp too, and frees the name', async () => {
    const created = await api.post('/v1/templates', spring('to_delete'));
    await api.post(`/v1/templates/${created.body.id}/submit`);
    expect(sim.templates().some((t) => t.name === 'to_delete')).toBe(true);
    expect((await api.delete(`/v1/templates/${created.body.id}`)).body.status).toBe('DELETED');
    expect(sim.templates().some((t) => t.name === 'to_delete')).toBe(false);
    expect((await api.post('/v1/templates', spring('to_delete'))).status).toBe(201);
  });

  it("answers WhatsApp's refusal with its code and keeps the draft", async () => {
    sim.seedTemplate({ name: 'taken_name', language: 'id', category: 'MARKETING', status: 'APPROVED', components: spring().components as never });
    const created = await api.post('/v1/templates', spring('taken_name'));
    const refused = await api.post(`/v1/templates/${created.body.id}/submit`);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'TEMPLATE_REFUSED_BY_WHATSAPP', details: { whatsappCode: 100 } });
    expect((await api.get(`/v1/templates/${created.body.id}`)).body.status).toBe('DRAFT');
  });

  it('previews the exact Cloud API request and the text for a contact, or for given values', async () => {
    const created = await api.post('/v1/templates', spring('preview_sale'));
    const contact = await api.post('/v1/contacts', { phone: '+6281500000001', name: 'élodie', attributes: { code: 'A&B<7>', discount: '25%' } });
    const binding = {
      'header.media': { type: 'image', link: 'https://cdn.example/banner.jpg' },
      'body.1': '{{title name}}',
      'body.2': '{{default attributes.discount "10%"}}',
      'button.1.1': '{{urlencode attributes.code}}',
    };
    const res = await api.post(`/v1/templates/${created.body.id}/preview`, { contactId: contact.body.id, binding });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      ok: true,
      endpoint: 'messages',
      payload: {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '6281500000001',
        type: 'template',
        template: {
          name: 'preview_sale',
          language: { code: 'id' },
          components: [
            { type: 'header', parameters: [{ type: 'image', image: { link: 'https://cdn.example/banner.jpg' } }] },
            { type: 'body', parameters: [{ type: 'text', text: 'Élodie' }, { type: 'text', text: '25%' }] },
            { type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: 'A%26B%3C7%3E' }] },
          ],
        },
      },
    });
    expect(res.body.plainText).toContain('Halo Élodie, diskon 25% untukmu hari ini!');
    expect(res.body.plainText).toContain('https://toko.example/p/A%26B%3C7%3E');

    const values = await api.post(`/v1/templates/${created.body.id}/preview`, { contact: { name: 'Budi 😀 & <Co>', attributes: { code: 'x' } }, binding });
    expect(values.body.payload.template.components[1].parameters).toEqual([{ type: 'text', text: 'Budi 😀 & <Co>' }, { type: 'text', text: '10%' }]);
    expect(values.body.payload.to).toBeUndefined();

    const problem = await api.post(`/v1/templates/${created.body.id}/preview`, { contact: { name: '', attributes: {} }, binding });
    expect(problem.status).toBe(200);
    expect(problem.body.ok).toBe(false);
    expect(problem.body.problems.map((p: { parameter: string }) => p.parameter)).toEqual(expect.arrayContaining(['body.1']));

    const broken = await api.post(`/v1/templates/${created.body.id}/preview`, { contact: { attributes: {} }, binding: { 'body.1': '{{nosuchhelper name}}' } });
    expect(broken.status).toBe(400);
    expect(broken.body.code).toBe('TEMPLATE_BINDING_INVALID');
    expect((await api.post(`/v1/templates/${created.body.id}/preview`, { binding })).body.code).toBe('VALIDATION_FAILED');
    expect((await api.post(`/v1/templates/${created.body.id}/preview`, { contactId: '99999999', binding })).body.code).toBe('CONTACT_NOT_FOUND');
  });

  it('previews byte for byte what the client sends: the same endpoint and the same body', async () => {
    const created = await api.post('/v1/templates', spring('preview_is_sent'));
    await api.post(`/v1/templates/${created.body.id}/submit`);
    await templateUntil(created.body.id, (t) => t.status === 'APPROVED');
    const contact = await api.post('/v1/contacts', { phone: '+6281500000002', name: 'ana', attributes: { code: 'Z9' } });
    const binding = { 'header.media': { type: 'image', link: 'https://cdn.example/banner.jpg' }, 'body.1': '{{title name}}', 'body.2': '20%', 'button.1.1': '{{attributes.code}}' };
    const preview = await api.post(`/v1/templates/${created.body.id}/preview`, { contactId: contact.body.id, binding });
    expect(preview.body).toMatchObject({ ok: true, endpoint: 'messages' });

    const cloud = new CloudApiClient(env.config);
    try {
      await cloud.sendMessage({ phoneNumberId: '1000000001' }, '+6281500000002', { type: 'template', template: preview.body.payload.template }, { templateCategory: 'MARKETING' });
    } finally {
      await cloud.close();
    }
    const sent = sim.requests().filter((r) => r.method === 'POST' && /\/(messages|marketing_messages)$/.test(r.path)).at(-1)!;
    expect(sent.path).toMatch(new RegExp(`/1000000001/${preview.body.endpoint}$`));
    expect(JSON.stringify(sent.body)).toBe(JSON.stringify(preview.body.payload));
  });

  it('lists a template history in time order, also when ids cross a power of ten', async () => {
    // history ids 98, 99, 100, 101: sorted as text, "100" came before "98".
    await env.db.query(`SELECT setval(pg_get_serial_sequence('template_history', 'id'), 97)`);
    const created = await api.post('/v1/templates', spring('history_order'));
    for (const text of ['Balas STOP untuk berhenti.', 'Balas STOP untuk berhenti!']) {
      const edited = await api.patch(`/v1/templates/${created.body.id}`, {
        components: spring().components.map((c) => (c.type === 'FOOTER' ? { ...c, text } : c)),
      });
      expect(edited.status).toBe(200);
    }
    expect((await api.post(`/v1/templates/${created.body.id}/submit`)).status).toBe(200);
    const done = await templateUntil(created.body.id, (t) => t.status === 'APPROVED');
    expect(done.history.map((h: { change: string }) => h.change)).toEqual(['created', 'edited', 'edited', 'submitted', 'status']);
    const times = done.history.map((h: { occurredAt: string }) => Date.parse(h.occurredAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('a first sync of templates that did not change reports them unchanged', async () => {
    const ids: string[] = [];
    for (const name of ['sync_same_a', 'sync_same_b', 'sync_same_c']) {
      const created = await api.post('/v1/templates', { ...spring(name), wabaId: WABA_2 });
      expect(created.status).toBe(201);
      expect((await api.post(`/v1/templates/${created.body.id}/submit`)).status).toBe(200);
      ids.push(created.body.id);
    }
    for (const id of ids) await templateUntil(id, (t) => t.status === 'APPROVED');
    // WhatsApp rates a new template UNKNOWN and gives its components back with keys in its own order.
    expect(sim.templates().filter((t) => t.wabaId === WABA_2).map((t) => t.quality_score?.score)).toEqual(['UNKNOWN', 'UNKNOWN', 'UNKNOWN']);
    const first = await api.post('/v1/templates/sync', { wabaId: WABA_2 });
    expect(first.body).toEqual({ imported: 0, updated: 0, unchanged: 3, deleted: 0 });
    expect((await api.post('/v1/templates/sync', { wabaId: WABA_2 })).body).toEqual({ imported: 0, updated: 0, unchanged: 3, deleted: 0 });
    for (const id of ids) expect((await api.get(`/v1/templates/${id}`)).body.history.some((h: { source: string }) => h.source === 'sync')).toBe(false);
  });

  describe('a submission whose answer is lost (the simulator answers after the client gave up)', () => {
    const creates = (name: string) => sim.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/message_templates') && (r.body as { name?: string })?.name === name);
    beforeEach(() => sim.configure({ templateReview: { delayMs: 60_000 } }));
    afterEach(() => sim.configure({ latencyMs: { min: 0, max: 0 }, templateReview: { delayMs: 20 } }));

    it('finds the template at WhatsApp in the same request', async () => {
      const created = await api.post('/v1/templates', spring('lost_answer_found'));
      sim.configure({ latencyMs: { min: 4000, max: 4000 } });
      const submitting = api.post(`/v1/templates/${created.body.id}/submit`);
      // WhatsApp has it; its answer is on its way for 4 s, the client waits 2 s. The lookup is answered at once.
      await eventually(async () => (sim.templates().some((t) => t.name === 'lost_answer_found') ? true : undefined), 2_000, 'the create at WhatsApp');
      sim.configure({ latencyMs: { min: 0, max: 0 } });
      const submitted = await submitting;
      const atWhatsapp = sim.templates().find((t) => t.name === 'lost_answer_found')!;
      expect(submitted.status).toBe(200);
      expect(submitted.body).toMatchObject({ status: 'PENDING', whatsappId: atWhatsapp.id });
      expect(creates('lost_answer_found')).toHaveLength(1);
    });

    it('answers 502 when the lookup fails too, and the retry finds it at WhatsApp instead of creating it again', async () => {
      const created = await api.post('/v1/templates', spring('lost_answer_retry'));
      sim.configure({ latencyMs: { min: 4000, max: 4000 } });
      const first = await api.post(`/v1/templates/${created.body.id}/submit`);
      expect(first.status).toBe(502);
      expect(first.body).toMatchObject({ statusCode: 502, code: 'WHATSAPP_UNAVAILABLE' });
      expect((await api.get(`/v1/templates/${created.body.id}`)).body.status).toBe('DRAFT');
      expect(sim.templates().filter((t) => t.name === 'lost_answer_retry')).toHaveLength(1);

      sim.configure({ latencyMs: { min: 0, max: 0 } });
      const retry = await api.post(`/v1/templates/${created.body.id}/submit`);
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({ status: 'PENDING', whatsappId: sim.templates().find((t) => t.name === 'lost_answer_retry')!.id });
      expect(creates('lost_answer_retry')).toHaveLength(1);
      expect((await api.post(`/v1/templates/${created.body.id}/submit`)).body.code).toBe('TEMPLATE_INVALID_TRANSITION');
    });
  });

  describe('preview: time zones and locales', () => {
    let templateId: string;
    const dated = { 'body.1': '{{date attributes.due "HH:mm"}}' };
    const preview = (body: Record<string, unknown>) => api.post(`/v1/templates/${templateId}/preview`, { contact: { attributes: { due: '2026-03-05T10:30:00Z' } }, binding: dated, ...body });

    beforeAll(async () => {
      const created = await api.post('/v1/templates', {
        name: 'preview_dates',
        language: 'id',
        category: 'UTILITY',
        components: [{ type: 'BODY', text: 'Halo {{1}}, semua ok.', example: { body_text: [['10:30']] } }],
      });
      templateId = created.body.id;
    });

    it('accepts IANA zones and their aliases, in any case', async () => {
      for (const [timeZone, text] of [
        ['Asia/Jakarta', 'Halo 17:30, semua ok.'],
        ['asia/jakarta', 'Halo 17:30, semua ok.'],
        ['UTC', 'Halo 10:30, semua ok.'],
        ['Etc/GMT+7', 'Halo 03:30, semua ok.'],
        ['Asia/Calcutta', 'Halo 16:00, semua ok.'],
      ]) {
        const res = await preview({ timeZone, locale: 'en-US' });
        expect({ timeZone, status: res.status, text: res.body.plainText }).toEqual({ timeZone, status: 200, text });
      }
    });

    it('refuses an unknown zone or a malformed locale with 400 naming the field (never 200 with a wrong text, never 500)', async () => {
      for (const [body, field] of [
        [{ timeZone: 'Mars/Olympus' }, 'timeZone'],
        [{ timeZone: '+07:00' }, 'timeZone'],
        [{ timeZone: 'x'.repeat(5000) }, 'timeZone'],
        [{ locale: 'tr-!!' }, 'locale'],
        [{ locale: 'en_US' }, 'locale'],
        [{ locale: 'tr-!!', binding: { 'body.1': '{{upper attributes.due}}' } }, 'locale'],
      ] as const) {
        const res = await preview(body);
        expect({ body, status: res.status, code: res.body.code, fields: res.body.details?.map((d: { field: string }) => d.field) }).toEqual({
          body,
          status: 400,
          code: 'VALIDATION_FAILED',
          fields: [field],
        });
      }
      // a literal zone or locale in a helper is a problem of the binding
      for (const binding of ['{{date attributes.due "HH:mm" tz="Mars/Olympus"}}', '{{date attributes.due "HH:mm" locale="tr-!!"}}']) {
        const res = await preview({ binding: { 'body.1': binding } });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('TEMPLATE_BINDING_INVALID');
        expect(res.body.details.problems[0]).toMatchObject({ parameter: 'body.1', rule: 'invalid_helper_argument' });
      }
    });

    it('refuses a locale Intl has no data for (it would show English), and keeps the ones it has', async () => {
      for (const locale of ['zz', 'und', 'zz-ZZ']) {
        const res = await preview({ locale });
        expect({ locale, status: res.status, fields: res.body.details?.map((d: { field: string }) => d.field) }).toEqual({ locale, status: 400, fields: ['locale'] });
      }
      const named = { binding: { 'body.1': '{{date attributes.due "d MMMM"}}' } };
      for (const [locale, text] of [
        ['id', 'Halo 5 Maret, semua ok.'],
        ['ms', 'Halo 5 Mac, semua ok.'],
        ['en-US', 'Halo 5 March, semua ok.'],
      ]) {
        const res = await preview({ ...named, locale });
        expect({ locale, status: res.status, text: res.body.plainText }).toEqual({ locale, status: 200, text });
      }
      const literal = await preview({ binding: { 'body.1': '{{date attributes.due "d MMMM" locale="zz"}}' } });
      expect(literal.body).toMatchObject({ statusCode: 400, code: 'TEMPLATE_BINDING_INVALID', details: { problems: [{ parameter: 'body.1', rule: 'invalid_helper_argument' }] } });
    });

    it("a date the helper cannot use is that recipient's problem (200, ok: false), for given values and for a stored contact", async () => {
      const binding = { 'body.1': '{{date attributes.when "d MMM yyyy"}}' };
      const cases: Array<[unknown, string]> = [
        [1e16, 'out_of_range'],
        [1e300, 'out_of_range'],
        [8.640000000000001e15, 'out_of_range'],
        [-1e16, 'out_of_range'],
        ['1e300', 'not_a_date'],
        ['2025-02-30', 'not_a_date'],
        ['2025-04-31T10:00:00Z', 'not_a_date'],
      ];
      for (const [when, rule] of cases) {
        const given = await api.post(`/v1/templates/${templateId}/preview`, { contact: { attributes: { when } }, binding });
        const contact = await api.post('/v1/contacts', { phone: `+62816${String(cases.findIndex(([w]) => w === when)).padStart(8, '0')}`, attributes: { when } });
        expect(contact.status).toBe(201);
        const stored = await api.post(`/v1/templates/${templateId}/preview`, { contactId: contact.body.id, binding });
        for (const res of [given, stored]) {
          expect({ when, status: res.status, body: res.body }).toEqual({
            when,
            status: 200,
            body: { ok: false, problems: [{ parameter: 'body.1', rule, message: expect.stringMatching(/^body\.1 cannot be rendered: the date helper/) }] },
          });
        }
      }
      // inside a longer text too (it rendered "due " before), and through Handlebars' own blocks
      for (const source of ['due {{date attributes.when}}', '{{#if attributes.when}}{{date attributes.when}}{{/if}}']) {
        const res = await api.post(`/v1/templates/${templateId}/preview`, { contact: { attributes: { when: 1e16 } }, binding: { 'body.1': source } });
        expect(res.body).toMatchObject({ ok: false, problems: [{ parameter: 'body.1', rule: 'out_of_range' }] });
      }
      // a real day renders; `default` covers a value the helper cannot use
      const real = await api.post(`/v1/templates/${templateId}/preview`, { contact: { attributes: { when: '2024-02-29' } }, binding });
      expect(real.body.plainText).toBe('Halo 29 Feb 2024, semua ok.');
      const covered = await api.post(`/v1/templates/${templateId}/preview`, {
        contact: { attributes: { when: 1e16 } },
        binding: { 'body.1': '{{default (date attributes.when) "soon"}}' },
      });
      expect(covered.body.plainText).toBe('Halo soon, semua ok.');
    });

    it('keeps its formatter caches bounded whatever zones and locales come in', async () => {
      const zones = Intl.supportedValuesOf('timeZone').slice(0, 300);
      const { capacity } = formatterCacheSizes();
      for (const [i, zone] of zones.entries()) {
        // a zone from the request, another (or garbage) from the contact's data, a distinct locale and pattern
        const res = await api.post(`/v1/templates/${templateId}/preview`, {
          contact: { attributes: { due: '2026-03-05T10:30:00Z', zone: i % 2 ? zones[(i * 7) % zones.length] : `Nowhere/${'z'.repeat(200)}${i}` } },
          binding: { 'body.1': `{{date attributes.due "HH:mm '${i}'" tz=attributes.zone}} {{date attributes.due "d MMM"}} {{currency ${i} "IDR"}}` },
          timeZone: zone,
          locale: `en-US-u-nu-latn-x-t${i}`,
        });
        expect(res.status).toBe(200);
      }
      const sizes = formatterCacheSizes();
      expect(sizes.dateFormats).toBeLessThanOrEqual(capacity.dateFormats);
      expect(sizes.numberFormats).toBeLessThanOrEqual(capacity.numberFormats);
      expect(sizes.patterns).toBeLessThanOrEqual(capacity.patterns);
      expect(sizes.dateFormats).toBe(capacity.dateFormats); // the loop did fill it: the bound, not the loop, stopped it
    });
  });

  it('404s unknown templates', async () => {
    expect((await api.get('/v1/templates/00000000-0000-4000-8000-000000000000')).body.code).toBe('TEMPLATE_NOT_FOUND');
    expect((await api.post('/v1/templates/nope/submit')).body.code).toBe('TEMPLATE_NOT_FOUND');
  });
});
