import { WebhookProcessorService } from '../src/webhooks/webhook-processor.service';
import type { InboundMessage, WebhookContact, WebhookEnvelope } from '../src/whatsapp/cloud-api.types';
import { startSimulator, Simulator } from './simulator/simulator';
import { eventually, TestEnv } from './support/app';
import { client } from './support/http';
import { importFinished, queueImport } from './support/imports';
import { simulatorSettings } from './support/simulated-whatsapp';
import { WebhookDriver } from './support/webhooks';

const SENDER = '1000000001';
const WABA = '2000000001';
/** The person's data, each a string found nowhere else, to scan every table for after the erasure. */
const NAME = 'Sitirahayu Qwertyani';
const CITY = 'Zanzibarkota';
const MESSAGE = 'Alamat saya Jalan Plumbago 12';
const OPT_IN_WORDING = 'Sitirahayu setuju promo Toko Ana';
const EVIDENCE = 'https://toko.example/form/sitirahayu';
const PHONE = '+6281234500001';
const WA_ID = '6281234500001';

/**
 * The data subject's rights: an export holds everything kept about a person (a sent campaign
 * message and its statuses, an inbound STOP, the consent ledger with its wording), and an erasure
 * removes every personal value from every table, keeping the opt-out, the phone and the sends
 * without their content; an erased contact is not sent to. Against the Cloud API simulator.
 */
describe('data subject: export and erasure', () => {
  let sim: Simulator;
  let env: TestEnv;
  let api: ReturnType<typeof client>;
  let hooks: WebhookDriver;
  let templateId: string;
  let siti: string;
  let other: string;
  let firstCampaign: string;
  let sequence = 0;

  const inbound = (from: string, body: string, name: string): WebhookEnvelope => {
    const message: InboundMessage = { from, id: `wamid.in.subject.${++sequence}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body } };
    const contacts: WebhookContact[] = [{ wa_id: from, profile: { name } }];
    return {
      object: 'whatsapp_business_account',
      entry: [{ id: WABA, changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '62215000001', phone_number_id: SENDER }, contacts, messages: [message] } }] }],
    };
  };

  async function campaign(name: string, tag: string): Promise<string> {
    const res = await api.post('/v1/campaigns', { name, phoneNumberId: SENDER, templateId, binding: { 'body.1': '{{name}}', 'body.2': '{{attributes.city}}' }, audience: { tags: { any: [tag] } } });
    expect(res.status).toBe(201);
    return res.body.id;
  }
  const finished = (id: string) =>
    eventually(async () => ((await api.get(`/v1/campaigns/${id}`)).body.status === 'completed' ? true : undefined), 30_000, `campaign ${id} completed`);

  beforeAll(async () => {
    sim = await startSimulator({ seed: 5, phoneNumbers: [{ id: SENDER, wabaId: WABA, mps: 40 }], statusDelaysMs: { sent: 5, delivered: 10, read: 15 }, templateReview: { delayMs: 10 } });
    env = await TestEnv.create(simulatorSettings(sim, { WHATSAPP_TIMEOUT_MS: '1500' }));
    await env.startApi();
    await env.startWorker();
    sim.configure({ webhookUrl: `${env.url}/webhooks/whatsapp` });
    api = client(env.url);
    hooks = new WebhookDriver(env, env.get(WebhookProcessorService), 'sim-app-secret');

    const template = await api.post('/v1/templates', {
      name: 'promo_subject',
      language: 'id',
      category: 'MARKETING',
      components: [{ type: 'BODY', text: 'Halo {{1}} dari {{2}}, promo minggu ini!', example: { body_text: [['Ana', 'Bogor']] } }],
    });
    expect(template.status).toBe(201);
    templateId = template.body.id;
    expect((await api.post(`/v1/templates/${templateId}/submit`)).status).toBeLessThan(300);
    await eventually(async () => ((await api.get(`/v1/templates/${templateId}`)).body.status === 'APPROVED' ? true : undefined), 10_000, 'template approved');

    // The person arrives by import: one row imported with a warning, one rejected, both with her values.
    const imported = await importFinished(api, await queueImport(api, `phone,name,city,opt_in\n0812-3450-0001,${NAME},${CITY},perhaps\n0812 3450 0001,${NAME}\n`));
    expect(imported).toMatchObject({ status: 'completed', rejected: 1, warnings: 1 });
    siti = (await api.get(`/v1/contacts?phone=${encodeURIComponent(PHONE)}`)).body.data[0].id;
    expect((await api.patch(`/v1/contacts/${siti}`, { tags: ['promo'] })).status).toBe(200);
    // An hour ago: WhatsApp dates her STOP below in whole seconds, and an opt-in recorded within
    // the same second (milliseconds) would outrank it (consent.ts; see the session note).
    expect((await api.post(`/v1/contacts/${siti}/opt-in`, { scope: 'marketing', wording: OPT_IN_WORDING, evidenceRef: EVIDENCE, occurredAt: new Date(Date.now() - 3_600_000).toISOString() })).status).toBe(201);
    const o = await api.post('/v1/contacts', { phone: '+6281234500002', name: 'Budi Lain', attributes: { city: 'Bogor' }, tags: ['promo'] });
    other = o.body.id;
    expect((await api.post(`/v1/contacts/${other}/opt-in`, { scope: 'marketing', wording: 'Ya' })).status).toBe(201);

    // A campaign reaches her, and its statuses come back.
    firstCampaign = await campaign('Promo pertama', 'promo');
    expect((await api.post(`/v1/campaigns/${firstCampaign}/launch`)).status).toBe(200);
    await finished(firstCampaign);
    await eventually(async () => {
      const [row] = await env.db.query(
        `SELECT r.delivery_state, (SELECT count(*)::int FROM message_status_events s WHERE s.wamid = r.wamid) AS statuses
           FROM campaign_recipients r WHERE r.campaign_id = $1 AND r.contact_id = $2`,
        [firstCampaign, siti],
      );
      return row?.delivery_state === 'read' && row.statuses === 3 ? true : undefined;
    }, 15_000, 'her message sent, delivered and read');

    // She writes, then replies STOP.
    await hooks.deliver(inbound(WA_ID, MESSAGE, NAME));
    await hooks.deliver(inbound(WA_ID, 'STOP', NAME));
  }, 60_000);
  afterAll(async () => {
    await sim.stop();
    await env.close();
  });

  it('exports everything held about her: contact, identities, consent with wording, messages, campaign participation and statuses', async () => {
    const res = await api.get(`/v1/contacts/${siti}/export`);
    expect(res.status).toBe(200);
    const e = res.body;
    expect(e.contact).toMatchObject({ id: siti, phone: PHONE, waId: WA_ID, name: NAME, attributes: { city: CITY }, tags: ['promo'], erasedAt: null, deletedAt: null });
    expect(e.contact.consent.marketing.status).toBe('opted_out');
    expect(e.windows).toEqual([expect.objectContaining({ phoneNumberId: SENDER })]);
    expect(e.consentEvents.truncated).toBe(false);
    expect(e.consentEvents.data.map((c: any) => [c.kind, c.source, c.wording])).toEqual([
      ['opt_in', 'api', OPT_IN_WORDING],
      ['opt_out', 'keyword', 'STOP'],
    ]);
    expect(e.consentEvents.data[0].evidenceRef).toBe(EVIDENCE);
    expect(e.inboundMessages.data.map((m: any) => m.textBody)).toEqual([MESSAGE, 'STOP']);
    expect(e.campaigns.data).toHaveLength(1);
    const sent = e.campaigns.data[0];
    expect(sent).toMatchObject({ campaignId: firstCampaign, campaignName: 'Promo pertama', decision: 'eligible', sendState: 'accepted', deliveryState: 'read', category: 'MARKETING' });
    expect(JSON.stringify(sent.sentMessage)).toContain(NAME);
    expect(sent.wamid).toMatch(/^wamid\./);
    expect(e.messageStatuses.data.map((s: any) => s.status)).toEqual(expect.arrayContaining(['sent', 'delivered', 'read']));
    expect(e.messageStatuses.data.every((s: any) => s.wamid === sent.wamid)).toBe(true);
    expect((await api.get('/v1/contacts/999999/export')).body.code).toBe('CONTACT_NOT_FOUND');
  });

  /** Rows of every table of the schema that hold `needle` anywhere (as the row's text). */
  async function holding(needle: string): Promise<string[]> {
    const tables = (await env.db.query(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)) as Array<{ t: string }>;
    const found: string[] = [];
    for (const { t } of tables) {
      const [row] = await env.db.query(`SELECT count(*)::int AS n FROM "${t}" x WHERE x::text ILIKE '%' || $1 || '%'`, [needle]);
      if (row.n > 0) found.push(`${t}: ${row.n}`);
    }
    return found;
  }

  it('erases every personal value everywhere, and keeps the opt-out, the phone and the sends without content', async () => {
    // Before: her values are in many places.
    expect((await holding(NAME)).length).toBeGreaterThanOrEqual(4);
    expect(await holding(MESSAGE)).not.toEqual([]);

    const res = await api.post(`/v1/contacts/${siti}/erase`);
    expect(res.status).toBe(200);
    expect(res.body.counts).toMatchObject({ contacts: 1, consentEvents: 2, inboundMessages: 2, campaignMessages: 1, importRows: 2 });
    expect(res.body.counts.webhookDeliveries).toBeGreaterThanOrEqual(2);

    for (const needle of [NAME, 'Qwertyani', CITY, MESSAGE, 'Plumbago', OPT_IN_WORDING, EVIDENCE]) expect({ needle, found: await holding(needle) }).toEqual({ needle, found: [] });

    const [contact] = await env.db.query(
      `SELECT phone, name, attributes, tags, wa_id, marketing_consent, deleted_at IS NOT NULL AS deleted, erased_at IS NOT NULL AS erased FROM contacts WHERE id = $1`,
      [siti],
    );
    expect(contact).toEqual({ phone: PHONE, name: null, attributes: {}, tags: [], wa_id: null, marketing_consent: 'opted_out', deleted: true, erased: true });
    const events = await env.db.query(`SELECT kind, scope, source, wording, evidence_ref, occurred_at IS NOT NULL AS dated FROM consent_events WHERE contact_id = $1 ORDER BY id`, [siti]);
    expect(events).toEqual([
      { kind: 'opt_in', scope: 'marketing', source: 'api', wording: null, evidence_ref: null, dated: true },
      { kind: 'opt_out', scope: 'all', source: 'keyword', wording: null, evidence_ref: null, dated: true },
    ]);
    const [sent] = await env.db.query(`SELECT send_state, wamid, delivery_state, sent_at IS NOT NULL AS sent, sent_message FROM campaign_recipients WHERE contact_id = $1`, [siti]);
    expect(sent).toMatchObject({ send_state: 'accepted', delivery_state: 'read', sent: true, sent_message: { type: 'template', erased: true, template: { name: 'promo_subject', language: { code: 'id' } } } });
    expect(sent.wamid).toMatch(/^wamid\./);
    expect(await env.db.query(`SELECT type, text_body FROM inbound_messages WHERE contact_id = $1`, [siti])).toEqual([
      { type: 'text', text_body: null },
      { type: 'text', text_body: null },
    ]);
    // The other person's data is untouched.
    expect((await api.get(`/v1/contacts/${other}`)).body).toMatchObject({ name: 'Budi Lain', attributes: { city: 'Bogor' } });
    expect(JSON.stringify((await api.get(`/v1/contacts/${other}/export`)).body.campaigns.data[0].sentMessage)).toContain('Budi Lain');

    // Erasing again is fine and finds nothing left.
    const again = await api.post(`/v1/contacts/${siti}/erase`);
    expect(again.status).toBe(200);
    // Erasing again changes nothing, and the first erasure's time stays.
    expect(again.body.counts).toEqual({ contacts: 0, consentEvents: 0, inboundMessages: 0, campaignMessages: 0, importRows: 0, webhookDeliveries: 0, webhookItems: 0, accountEvents: 0 });
    // Deleted now: DELETE answers 404, the export still answers, with the erasure.
    expect((await api.delete(`/v1/contacts/${siti}`)).status).toBe(404);
    expect((await api.get(`/v1/contacts/${siti}/export`)).body.contact).toMatchObject({ name: null, phone: PHONE, erasedAt: expect.any(String) });
    expect((await api.get(`/v1/contacts/${siti}`)).status).toBe(404);
  });

  it('an erased contact is not sent to: left out of a new audience, and skipped by a campaign launched before', async () => {
    const citra = (await api.post('/v1/contacts', { phone: '+6281234500003', name: 'Citra Hilang', attributes: { city: 'Depok' }, tags: ['second'] })).body.id;
    expect((await api.post(`/v1/contacts/${citra}/opt-in`, { scope: 'marketing', wording: 'Ya' })).status).toBe(201);
    expect((await api.patch(`/v1/contacts/${other}`, { tags: ['promo', 'second'] })).status).toBe(200);
    const id = await campaign('Promo kedua', 'second');
    // No worker while the campaign is launched (its audience frozen, Citra in it) and Citra erased:
    // a launch followed at once by a pause left a worker time to send her first.
    await env.stopWorker();
    expect((await api.post(`/v1/campaigns/${id}/launch`)).status).toBe(200);
    // DELETE is the same erasure.
    expect((await api.delete(`/v1/contacts/${citra}`)).status).toBe(204);
    expect((await env.db.query(`SELECT name, erased_at IS NOT NULL AS erased FROM contacts WHERE id = $1`, [citra]))[0]).toEqual({ name: null, erased: true });
    expect((await env.db.query(`SELECT count(*)::int AS n FROM campaign_recipients WHERE campaign_id = $1 AND contact_id = $2`, [id, citra]))[0].n).toBe(1);
    await env.startWorker();
    hooks = new WebhookDriver(env, env.get(WebhookProcessorService), 'sim-app-secret');
    await finished(id);
    const rows = await env.db.query(`SELECT contact_id::text AS id, send_state, skip_reason FROM campaign_recipients WHERE campaign_id = $1 ORDER BY contact_id`, [id]);
    expect(rows).toEqual([
      { id: other, send_state: 'accepted', skip_reason: null },
      { id: citra, send_state: 'cancelled', skip_reason: 'contact_erased' },
    ].sort((a, b) => Number(a.id) - Number(b.id)));
    expect(sim.messages().filter((m) => m.waId === '6281234500003' || m.to.includes('6281234500003'))).toEqual([]);
    // Siti, erased before, was never in this audience (tags erased, and deleted contacts are left out).
    expect(rows.map((r: any) => r.id)).not.toContain(siti);
  });

  it('a later message brings the person back with what it says, never with the erased data; the opt-out holds', async () => {
    await hooks.deliver(inbound(WA_ID, 'Halo lagi', 'Siti Baru'));
    const res = await api.get(`/v1/contacts/${siti}/export`);
    expect(res.body.contact).toMatchObject({ name: 'Siti Baru', attributes: {}, tags: [], deletedAt: null, erasedAt: expect.any(String) });
    expect(res.body.contact.consent.marketing.status).toBe('opted_out');
    expect(res.body.inboundMessages.data.map((m: any) => m.textBody)).toEqual([null, null, 'Halo lagi']);
    expect(await holding(NAME)).toEqual([]);
  });
});
