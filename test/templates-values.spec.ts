import { CloudApiClient } from '../src/whatsapp/cloud-api.client';
import { CloudApiError } from '../src/whatsapp/cloud-api.error';
import type { Simulator } from './simulator/simulator';
import { eventually, TestEnv } from './support/app';
import { client } from './support/http';
import { startSimulatedWhatsapp } from './support/simulated-whatsapp';

/**
 * Issue 9, sections 4 and 5, through the API, the worker and the Cloud API simulator: amounts read in
 * a locale (preview), the template rules Meta enforces without documenting them, WhatsApp's language
 * codes, and editing a template WhatsApp already knows.
 */

const WABA = '2000000001';

const body = (text: string, examples: string[]) => ({ type: 'BODY', text, example: { body_text: [examples] } });
const template = (name: string, text: string, examples: string[], extra: Record<string, unknown> = {}) => ({
  name,
  language: 'id',
  category: 'UTILITY',
  components: [body(text, examples)],
  ...extra,
});
const ORDER_TEXT = 'Halo {{1}}, pesanan {{2}} Anda sudah kami kirim hari ini.';

describe('Template values and rules (issue 9, sections 4 and 5)', () => {
  let sim: Simulator;
  let env: TestEnv;
  let api: ReturnType<typeof client>;

  let templateUntil: (id: string, until: (t: any) => boolean) => Promise<any>;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ sim, env, api, templateUntil, close } = await startSimulatedWhatsapp({ seed: 9, templateReview: { delayMs: 20 } }));
  });
  afterAll(() => close());

  /** A template created, submitted and reviewed by the simulator (APPROVED, or REJECTED for names starting reject_). */
  async function reviewed(name: string, text = ORDER_TEXT, examples = ['Ana', 'A-100']) {
    const created = await api.post('/v1/templates', template(name, text, examples));
    expect(created.status).toBe(201);
    expect((await api.post(`/v1/templates/${created.body.id}/submit`)).status).toBe(200);
    return templateUntil(created.body.id, (t) => t.status === 'APPROVED' || t.status === 'REJECTED');
  }

  const rulesOf = (res: { body: { details?: Array<{ rule: string }> } }) => (res.body.details ?? []).map((d) => d.rule);
  const editsAtSimulator = (whatsappId: string) => sim.requests().filter((r) => r.method === 'POST' && r.path.endsWith(`/${whatsappId}`)).length;

  describe('template rules', () => {
    it('case values/01: refused for its variable at the end (and its length); en_US is a language WhatsApp takes', async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const def = require('./fixtures/cases/values/01-variable-then-punctuation-at-end.template.json');
      const res = await api.post('/v1/templates', def);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('TEMPLATE_INVALID');
      expect(rulesOf(res)).toContain('variable_at_end');
      expect(rulesOf(res)).not.toContain('language_unsupported');
      expect((await api.get(`/v1/templates?name=${def.name}`)).body.data).toEqual([]);
    });

    it('refuses id_ID naming the code WhatsApp takes (id); stores id, en and en_US', async () => {
      const refused = await api.post('/v1/templates', template('lang_local', ORDER_TEXT, ['Ana', 'A-1'], { language: 'id_ID' }));
      expect(refused.status).toBe(400);
      expect(refused.body.details).toEqual([expect.objectContaining({ component: 'language', rule: 'language_unsupported', message: expect.stringMatching(/use id$/) })]);
      for (const language of ['id', 'en', 'en_US', 'pt_BR', 'es_MX']) {
        expect((await api.post('/v1/templates', template(`lang_ok_${language.toLowerCase()}`, ORDER_TEXT, ['Ana', 'A-1'], { language }))).status).toBe(201);
      }
    });

    it('the simulator refuses a language WhatsApp does not take, as Graph does (code 100), and takes id', async () => {
      const cloud = new CloudApiClient(env.config);
      const def = { ...template('sim_lang', ORDER_TEXT, ['Ana', 'A-1']), category: 'UTILITY' as const, components: [body(ORDER_TEXT, ['Ana', 'A-1'])] as never };
      const refused = await cloud.createTemplate(WABA, { ...def, language: 'id_ID' }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(CloudApiError);
      expect(refused).toMatchObject({ code: 100, httpStatus: 400 });
      expect(sim.templates().some((t) => t.name === 'sim_lang')).toBe(false);
      await expect(cloud.createTemplate(WABA, { ...def, language: 'id' })).resolves.toMatchObject({ status: 'PENDING' });
      await cloud.close();
    });

    it('a 7-word body with 5 variables is refused (too_many_variables); words and variables at 3 × 5 + 1 pass', async () => {
      const five = ['Ana', 'A-1', 'Bandung', 'Senin', 'Rp 5'];
      const short = await api.post('/v1/templates', template('too_dense', 'Yth {{1}}, pesanan {{2}} dari {{3}} hari {{4}} seharga {{5}} siap diambil.', five));
      expect(short.status).toBe(400);
      expect(rulesOf(short)).toEqual(['too_many_variables']);
      const long = await api.post(
        '/v1/templates',
        template('dense_enough', 'Yth {{1}}, pesanan nomor {{2}} dari toko {{3}} untuk hari {{4}} seharga {{5}} sudah siap diambil sekarang.', five),
      );
      expect(long.status).toBe(201);
    });
  });

  describe('amounts in bindings (preview)', () => {
    let id: string;
    beforeAll(async () => {
      id = (await api.post('/v1/templates', template('order_total', 'Total belanja Anda {{1}} sudah kami terima, terima kasih.', ['Rp 150.000']))).body.id;
    });
    const preview = (total: unknown, extra: Record<string, unknown> = {}) =>
      api.post(`/v1/templates/${id}/preview`, {
        binding: { 'body.1': { type: 'currency', code: 'IDR', amount: '{{attributes.total}}' } },
        contact: { phone: '+6281500000009', attributes: { total } },
        ...extra,
      });
    const currency = (res: { body: any }) => res.body.payload.template.components[0].parameters[0].currency;

    it('150.000 in IDR is one hundred fifty thousand, shown as Rp 150.000; Rp 4.880.000 parses', async () => {
      const res = await preview('150.000');
      expect(res.status).toBe(200);
      expect(currency(res)).toEqual({ code: 'IDR', amount_1000: 150_000_000, fallback_value: 'Rp\u00a0150.000' });
      expect(res.body.plainText).toBe('Total belanja Anda Rp\u00a0150.000 sudah kami terima, terima kasih.');
      expect(currency(await preview('Rp 4.880.000')).amount_1000).toBe(4_880_000_000);
    });

    it('a value that is no number is this recipient’s problem, saying "not a number" (not "renders empty", not another amount)', async () => {
      for (const total of ['Rp 4,88 juta', '1500.5']) {
        const res = await preview(total);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ ok: false, problems: [{ parameter: 'body.1.amount', rule: 'not_a_number', message: expect.stringContaining('not a number') }] });
      }
    });

    it('the preview’s locale decides ambiguous forms: 1.500 is 1500 in id-ID, 1.5 in en-US', async () => {
      expect(currency(await preview('1.500')).amount_1000).toBe(1_500_000);
      expect(currency(await preview('1.500', { locale: 'en-US' })).amount_1000).toBe(1_500);
    });
  });

  describe('editing a template WhatsApp knows', () => {
    const newText = 'Halo {{1}}, pesanan {{2}} Anda sudah kami kirim dan tiba besok.';

    it('edits an approved template at WhatsApp: back to review, then approved by webhook, previous content in the history', async () => {
      const approved = await reviewed('edit_me');
      expect(approved.status).toBe('APPROVED');
      const res = await api.post(`/v1/templates/${approved.id}/edit`, { components: [body(newText, ['Ana', 'A-100'])] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'PENDING', components: [{ type: 'BODY', text: newText }] });
      expect(sim.templates().find((t) => t.name === 'edit_me')?.components).toEqual([body(newText, ['Ana', 'A-100'])]);

      const again = await templateUntil(approved.id, (t) => t.status === 'APPROVED');
      const edited = again.history.find((h: { change: string }) => h.change === 'edited');
      expect(edited).toMatchObject({ fromValue: 'APPROVED', toValue: 'PENDING', source: 'api', previousContent: { category: 'UTILITY', components: [{ type: 'BODY', text: ORDER_TEXT }] } });
      // (Not their order: a webhook's time is WhatsApp's, in whole seconds.)
      expect(again.history.map((h: { change: string; toValue: string; source: string }) => `${h.change}:${h.toValue ?? ''}:${h.source}`)).toEqual(
        expect.arrayContaining(['edited:PENDING:api', 'status:APPROVED:webhook']),
      );

      // Meta's limit: once in 24 hours for an approved template, refused before WhatsApp is called.
      const calls = editsAtSimulator(approved.whatsappId);
      const limited = await api.post(`/v1/templates/${approved.id}/edit`, { components: [body(ORDER_TEXT, ['Ana', 'A-100'])] });
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ code: 'TEMPLATE_EDIT_LIMIT', details: { limit: '24h', nextEditAt: expect.any(String) } });
      expect(editsAtSimulator(approved.whatsappId)).toBe(calls);
      expect((await api.get(`/v1/templates/${approved.id}`)).body).toMatchObject({ status: 'APPROVED', components: [{ text: newText }] });
    });

    it('validates the new content with the rules of a new template, and keeps an approved template’s category', async () => {
      const approved = await reviewed('edit_rules');
      const invalid = await api.post(`/v1/templates/${approved.id}/edit`, { components: [body('Halo {{1}}, pesanan {{2}}.', ['Ana', 'A-1'])] });
      expect(invalid.status).toBe(400);
      expect(rulesOf(invalid)).toEqual(expect.arrayContaining(['variable_at_end', 'too_many_variables']));
      const category = await api.post(`/v1/templates/${approved.id}/edit`, { category: 'MARKETING', components: [body(newText, ['Ana', 'A-1'])] });
      expect(category.status).toBe(422);
      expect(category.body.code).toBe('TEMPLATE_CATEGORY_LOCKED');
      expect(editsAtSimulator(approved.whatsappId)).toBe(0);
    });

    it('two edits at once: one goes through, the other is refused', async () => {
      const approved = await reviewed('edit_race');
      const [a, b] = await Promise.all([
        api.post(`/v1/templates/${approved.id}/edit`, { components: [body(newText, ['Ana', 'A-1'])] }),
        api.post(`/v1/templates/${approved.id}/edit`, { components: [body(`${newText} Terima kasih.`, ['Ana', 'A-1'])] }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      expect(['TEMPLATE_EDIT_IN_PROGRESS', 'TEMPLATE_INVALID_TRANSITION']).toContain((a.status === 409 ? a : b).body.code);
      expect(editsAtSimulator(approved.whatsappId)).toBe(1);
      const history = (await api.get(`/v1/templates/${approved.id}`)).body.history;
      expect(history.filter((h: { change: string }) => h.change === 'edited')).toHaveLength(1);
    });

    it('a rejected template may be edited again and again, and change its category', async () => {
      const rejected = await reviewed('reject_edit_me');
      expect(rejected.status).toBe('REJECTED');
      const first = await api.post(`/v1/templates/${rejected.id}/edit`, { category: 'MARKETING', components: [body(newText, ['Ana', 'A-1'])] });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ status: 'PENDING', category: 'MARKETING', rejectionReason: null });
      await templateUntil(rejected.id, (t) => t.status === 'REJECTED');
      expect((await api.post(`/v1/templates/${rejected.id}/edit`, { components: [body(ORDER_TEXT, ['Ana', 'A-1'])] })).status).toBe(200);
      const history = (await templateUntil(rejected.id, (t) => t.status === 'REJECTED')).history;
      expect(history.filter((h: { change: string }) => h.change === 'edited').map((h: { fromValue: string }) => h.fromValue)).toEqual(['REJECTED', 'REJECTED']);
      expect(history.some((h: { change: string; toValue: string }) => h.change === 'category' && h.toValue === 'MARKETING')).toBe(true);
    });

    it('drafts and templates in review are not edited at WhatsApp (409)', async () => {
      const draft = await api.post('/v1/templates', template('edit_draft', ORDER_TEXT, ['Ana', 'A-1']));
      const res = await api.post(`/v1/templates/${draft.body.id}/edit`, { components: [body(newText, ['Ana', 'A-1'])] });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'TEMPLATE_INVALID_TRANSITION', message: expect.stringContaining('PATCH') });
    });

    it("maps WhatsApp's own refusal (an edit made elsewhere used up the day's edit) and lets a later edit through", async () => {
      const approved = await reviewed('edited_elsewhere');
      const cloud = new CloudApiClient(env.config);
      await cloud.editTemplate(approved.whatsappId, { components: [body(newText, ['Ana', 'A-1'])] as never });
      await templateUntil(approved.id, (t) => t.status === 'APPROVED' && sim.templates().find((s) => s.name === 'edited_elsewhere')?.status === 'APPROVED');
      const refused = await api.post(`/v1/templates/${approved.id}/edit`, { components: [body(ORDER_TEXT, ['Ana', 'A-1'])] });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: 'TEMPLATE_REFUSED_BY_WHATSAPP', details: { whatsappCode: 100 } });
      expect((await api.get(`/v1/templates/${approved.id}`)).body.status).toBe('APPROVED');

      // A day later (the simulator's clock), WhatsApp takes it, and so does Siaran (its own history has no edit).
      sim.setClock(Date.now() + 25 * 3_600_000);
      try {
        expect((await api.post(`/v1/templates/${approved.id}/edit`, { components: [body(ORDER_TEXT, ['Ana', 'A-1'])] })).status).toBe(200);
      } finally {
        sim.setClock(null);
      }
      await cloud.close();
    });

    it('the simulator enforces 10 edits in 30 days for an approved template', async () => {
      const cloud = new CloudApiClient(env.config);
      const def = { name: 'sim_edit_limit', language: 'id', category: 'UTILITY' as const, components: [body(ORDER_TEXT, ['Ana', 'A-1'])] as never };
      const seeded = sim.seedTemplate({ ...def, status: 'APPROVED' });
      const start = Date.now();
      try {
        const approvedAgain = () => eventually(async () => sim.templates().find((t) => t.id === seeded.id)?.status === 'APPROVED' || undefined, 5_000, 'review');
        for (let i = 0; i < 10; i++) {
          sim.setClock(start + i * 2 * 86_400_000);
          await cloud.editTemplate(seeded.id, { components: [body(`${ORDER_TEXT} Nomor ${i}.`, ['Ana', 'A-1'])] as never });
          await approvedAgain();
        }
        sim.setClock(start + 21 * 86_400_000);
        await expect(cloud.editTemplate(seeded.id, { components: [body(ORDER_TEXT, ['Ana', 'A-1'])] as never })).rejects.toMatchObject({ code: 100 });
        // Once the first edit is 30 days old, the next one goes through.
        sim.setClock(start + 30 * 86_400_000 + 1);
        await expect(cloud.editTemplate(seeded.id, { components: [body(ORDER_TEXT, ['Ana', 'A-1'])] as never })).resolves.toBeUndefined();
      } finally {
        sim.setClock(null);
        await cloud.close();
      }
    });
  });
});
