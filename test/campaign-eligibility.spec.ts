import { TestEnv } from './support/app';
import { client } from './support/http';
import { importFinished, queueImport } from './support/imports';

const WABA = '2000000001';
const SENDER = '1000000001';

/**
 * A campaign decided by the real eligibility service, through the API: the dry run and the launch
 * agree, every recipient is frozen with its decision, reason and policy version, and the
 * campaign-level blockers (an unapproved template, marketing refused to the business's country by
 * an operator's override) refuse the launch with 409.
 */
describe('campaign eligibility, end to end', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;
  let templateId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    env = await TestEnv.create({ WHATSAPP_WABA_ID: WABA });
    await env.startApi();
    await env.startWorker();
    api = client(env.url);
    await env.db.query(`INSERT INTO phone_numbers (phone_number_id, waba_id, business_country, throughput_mps, messaging_limit) VALUES ($1, $2, 'ID', 80, 'TIER_2K')`, [
      SENDER,
      WABA,
    ]);
    const template = await api.post('/v1/templates', {
      name: 'promo_city',
      language: 'id',
      category: 'MARKETING',
      components: [
        { type: 'BODY', text: 'Halo {{1}}, promo di {{2}} minggu ini!', example: { body_text: [['Ana', 'Bandung']] } },
        { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Stop promosi' }] },
      ],
    });
    expect(template.status).toBe(201);
    templateId = template.body.id;

    const people: Array<[string, string, 'in' | 'out' | 'none', Record<string, string>]> = [
      ['eligible', '+6281300000001', 'in', { city: 'Bandung' }],
      ['optedOut', '+6281300000002', 'out', { city: 'Bandung' }],
      ['noOptIn', '+6281300000003', 'none', { city: 'Bandung' }],
      ['us', '+12025550143', 'in', { city: 'Boston' }],
      ['noCity', '+6281300000005', 'in', {}],
      ['blankCity', '+6281300000006', 'in', { city: '   ' }],
    ];
    for (const [key, phone, consent, attributes] of people) {
      const contact = await api.post('/v1/contacts', { phone, name: 'ana wijaya', attributes });
      expect(contact.status).toBe(201);
      ids[key] = contact.body.id;
      if (consent === 'in') expect((await api.post(`/v1/contacts/${contact.body.id}/opt-in`, { scope: 'marketing', wording: 'Ya, kirimi saya promo' })).status).toBe(201);
      if (consent === 'out') expect((await api.post(`/v1/contacts/${contact.body.id}/opt-out`, { scope: 'marketing' })).status).toBe(201);
    }
    // Erased: never in an audience.
    const erased = await api.post('/v1/contacts', { phone: '+6281300000009', name: 'gone' });
    await api.post(`/v1/contacts/${erased.body.id}/opt-in`, { scope: 'marketing', wording: 'Ya' });
    expect((await api.delete(`/v1/contacts/${erased.body.id}`)).status).toBeLessThan(300);
  });
  afterAll(() => env.close());

  const campaign = async () => {
    const res = await api.post('/v1/campaigns', {
      name: 'Promo kota',
      phoneNumberId: SENDER,
      templateId,
      binding: { 'body.1': '{{title name}}', 'body.2': '{{attributes.city}}' },
      audience: {},
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  it('dry run, blockers and launch: each recipient frozen with its reason, the same as the dry run', async () => {
    const id = await campaign();

    // Not approved yet: the dry run says so, the launch refuses.
    const early = await api.get(`/v1/campaigns/${id}/eligibility`);
    expect(early.status).toBe(200);
    expect(early.body.blockers.map((b: { code: string }) => b.code)).toEqual(['TEMPLATE_NOT_APPROVED']);
    const refused = await api.post(`/v1/campaigns/${id}/launch`, {});
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 409, code: 'TEMPLATE_NOT_APPROVED' });
    expect(Number((await env.db.query(`SELECT count(*) FROM campaign_recipients WHERE campaign_id = $1`, [id]))[0].count)).toBe(0);

    await env.db.query(`UPDATE templates SET status = 'APPROVED' WHERE id = $1`, [templateId]);
    const dry = await api.get(`/v1/campaigns/${id}/eligibility`);
    expect(dry.body).toMatchObject({
      total: 6,
      eligible: 1,
      excluded: { opted_out: 1, no_opt_in: 1, recipient_country_restricted: 1, render_problem: 2 },
      deferred: {},
      blockers: [],
      estimatedSeconds: 1,
      policyVersion: expect.stringMatching(/^\d{4}-\d{2}-\d{2}\.\d+\+\d+$/),
    });
    expect(dry.body.samples.recipient_country_restricted).toEqual([{ contactId: ids.us, phone: '+12025550143' }]);
    expect(Number((await env.db.query(`SELECT count(*) FROM campaign_recipients WHERE campaign_id = $1`, [id]))[0].count)).toBe(0);

    const launched = await api.post(`/v1/campaigns/${id}/launch`, {});
    expect(launched.status).toBe(200);
    expect(launched.body.status).toBe('running');
    const rows: Array<{ contact_id: string; decision: string; reason: string | null; policy_version_id: number }> = await env.db.query(
      `SELECT contact_id::text, decision, reason, policy_version_id FROM campaign_recipients WHERE campaign_id = $1 ORDER BY contact_id`,
      [id],
    );
    const byContact = Object.fromEntries(rows.map((r) => [r.contact_id, [r.decision, r.reason]]));
    expect(byContact).toEqual({
      [ids.eligible]: ['eligible', null],
      [ids.optedOut]: ['excluded', 'opted_out'],
      [ids.noOptIn]: ['excluded', 'no_opt_in'],
      [ids.us]: ['excluded', 'recipient_country_restricted'],
      [ids.noCity]: ['excluded', 'render_problem'],
      [ids.blankCity]: ['excluded', 'render_problem'],
    });
    // The opt-in that allowed the eligible one is recorded; excluded ones have none.
    const consent = await env.db.query(
      `SELECT r.consent_event_id::text AS id, e.contact_id::text AS contact, e.kind, e.wording FROM campaign_recipients r LEFT JOIN consent_events e ON e.id = r.consent_event_id
        WHERE r.campaign_id = $1 AND r.consent_event_id IS NOT NULL`,
      [id],
    );
    expect(consent).toEqual([{ id: expect.any(String), contact: ids.eligible, kind: 'opt_in', wording: 'Ya, kirimi saya promo' }]);
    const policy = await api.get('/v1/eligibility/policy');
    expect(new Set(rows.map((r) => r.policy_version_id))).toEqual(new Set([policy.body.versionId]));

    const shown = await api.get(`/v1/campaigns/${id}`);
    expect(shown.body.recipients).toMatchObject({ total: 6, eligible: 1, excluded: dry.body.excluded });
    // A dry run once started is refused.
    expect((await api.get(`/v1/campaigns/${id}/eligibility`)).status).toBe(409);
  });

  it("an operator's override refusing marketing to the business's country blocks the launch", async () => {
    const id = await campaign();
    const override = await api.post('/v1/eligibility/policy/overrides', { scope: 'business_country', country: 'ID', category: 'MARKETING', allow: false, reason: 'paused by legal' });
    expect(override.status).toBe(201);
    try {
      const refused = await api.post(`/v1/campaigns/${id}/launch`, {});
      expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 409, code: 'MARKETING_NOT_AVAILABLE' });
    } finally {
      await api.delete(`/v1/eligibility/policy/overrides/${override.body.override.id}`);
    }
    expect((await api.post(`/v1/campaigns/${id}/launch`, {})).status).toBe(200);
  });

  it('a recipient-country override excludes those recipients, under the new version', async () => {
    const id = await campaign();
    const override = await api.post('/v1/eligibility/policy/overrides', { scope: 'recipient_country', country: 'ID', category: 'ALL', allow: false, reason: 'test' });
    try {
      const dry = await api.get(`/v1/campaigns/${id}/eligibility`);
      expect(dry.body.eligible).toBe(0);
      // The five Indonesian numbers, and the US one as before.
      expect(dry.body.excluded.recipient_country_restricted).toBe(6);
      expect(dry.body.policyVersion).toBe(override.body.policy.version);
    } finally {
      await api.delete(`/v1/eligibility/policy/overrides/${override.body.override.id}`);
    }
  });

  it('an audience by import is the contacts that import merged; an unknown import is refused', async () => {
    const importId = await queueImport(api, 'phone,name,city,opt_in,opt_in_at\n081300000001,Ana,Bandung,yes,2026-01-01T00:00:00Z\n081300000077,Budi,Medan,yes,2026-01-01T00:00:00Z\n');
    expect((await importFinished(api, importId)).status).toBe('completed');
    const body = { name: 'Dari file', phoneNumberId: SENDER, templateId, binding: { 'body.1': '{{title name}}', 'body.2': '{{attributes.city}}' } };
    const byImport = await api.post('/v1/campaigns', { ...body, audience: { importId } });
    expect(byImport.status).toBe(201);
    const dry = await api.get(`/v1/campaigns/${byImport.body.id}/eligibility`);
    // The file's two people: one already known (now opted in with a city), one new.
    expect({ total: dry.body.total, eligible: dry.body.eligible }).toEqual({ total: 2, eligible: 2 });

    const unknown = await api.post('/v1/campaigns', { ...body, audience: { importId: '00000000-0000-4000-8000-000000000000' } });
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 422, code: 'CAMPAIGN_AUDIENCE_IMPORT_UNKNOWN' });
  });

  it('a sanctioned Business Manager country blocks every campaign as BUSINESS_COUNTRY_RESTRICTED, marketing too', async () => {
    await env.db.query(`INSERT INTO phone_numbers (phone_number_id, waba_id, business_country) VALUES ('1000000003', $1, 'CU')`, [WABA]);
    const res = await api.post('/v1/campaigns', {
      name: 'Dari Kuba',
      phoneNumberId: '1000000003',
      templateId,
      binding: { 'body.1': '{{title name}}', 'body.2': '{{attributes.city}}' },
      audience: {},
    });
    expect(res.status).toBe(201);
    const refused = await api.post(`/v1/campaigns/${res.body.id}/launch`, {});
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 409, code: 'BUSINESS_COUNTRY_RESTRICTED' });
  });

  it("records each recipient's deciding opt-in for the scope it is sent under: the newest by occurrence, of that scope or all", async () => {
    // Approved (as the first test leaves it), so that this test also runs alone.
    await env.db.query(`UPDATE templates SET status = 'APPROVED' WHERE id = $1`, [templateId]);
    // Two people with opt-ins recorded out of order and of other scopes; one has an open window.
    const person = async (phone: string) => (await api.post('/v1/contacts', { phone, name: 'citra', attributes: { city: 'Solo' } })).body.id as string;
    const windowOpen = await person('+6281300000021');
    const windowClosed = await person('+6281300000022');
    for (const id of [windowOpen, windowClosed]) {
      for (const [scope, wording, occurredAt] of [
        ['marketing', 'promo, newest', '2026-01-02T00:00:00Z'],
        ['marketing', 'promo, older, recorded later', '2026-01-01T00:00:00Z'],
        ['all', 'everything, oldest', '2025-12-01T00:00:00Z'],
        ['utility', 'orders', '2026-01-03T00:00:00Z'],
      ]) {
        expect((await api.post(`/v1/contacts/${id}/opt-in`, { scope, wording, occurredAt })).status).toBe(201);
      }
    }
    await env.db.query(`INSERT INTO contact_windows (contact_id, phone_number_id, last_inbound_at) VALUES ($1, $2, now() - interval '1 hour')`, [windowOpen, SENDER]);
    // A utility session message, with the marketing template as the fallback for a closed window.
    const session = await api.post('/v1/campaigns', {
      name: 'Sapaan',
      phoneNumberId: SENDER,
      session: { type: 'text', text: { body: 'Halo {{title name}}!' } },
      sessionScope: 'utility',
      fallbackTemplateId: templateId,
      fallbackBinding: { 'body.1': '{{title name}}', 'body.2': '{{attributes.city}}' },
      audience: { contactIds: [windowOpen, windowClosed] },
    });
    expect(session.status).toBe(201);
    expect((await api.post(`/v1/campaigns/${session.body.id}/launch`, {})).status).toBe(200);
    const recorded = await env.db.query(
      `SELECT r.contact_id::text AS contact, r.sends, e.wording FROM campaign_recipients r LEFT JOIN consent_events e ON e.id = r.consent_event_id
        WHERE r.campaign_id = $1 ORDER BY r.contact_id`,
      [session.body.id],
    );
    expect(recorded).toEqual([
      { contact: windowOpen, sends: 'session', wording: 'orders' },
      { contact: windowClosed, sends: 'fallback', wording: 'promo, newest' },
    ]);
  });
});
