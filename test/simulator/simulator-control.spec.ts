import { freePort } from '../support/processes';
import { type SeedTemplate, type Simulator, startSimulator } from './simulator';
import { bodyParameters, graphClient, templateMessage, textMessage } from './testing';
import { WebhookReceiver } from './webhook-receiver';
import { settle, SimulatorHarness, startHarness, stopHarness } from './harness';

/**
 * The simulator's template management API, phone number info, control API (/_sim/) and webhook
 * delivery (retries, recording, stop), over real HTTP.
 */

const PHONE = '1000000001';
const WABA = '2000000001';
const TEMPLATES_PATH = `/v25.0/${WABA}/message_templates`;

/** A template definition; `extra` may break it on purpose (the simulator checks at run time). */
const definition = (name: string, extra: Record<string, unknown> = {}): SeedTemplate =>
  ({
    name,
    language: 'id',
    category: 'UTILITY',
    components: [{ type: 'BODY', text: 'Pesanan {{1}} sudah dikirim.', example: { body_text: [['A-1']] } }],
    ...extra,
  }) as SeedTemplate;

describe('Cloud API simulator: templates, phone numbers, control API and webhook delivery', () => {
  let sim: Simulator;
  let receiver: WebhookReceiver;
  let api: ReturnType<typeof graphClient>;
  const control = () => graphClient(sim.url, null);

  let harness: SimulatorHarness;

  beforeAll(async () => {
    harness = await startHarness({
      statusDelaysMs: { sent: 1, delivered: 2, read: 3 },
      templateReview: { delayMs: 5 },
      webhookDelivery: { concurrency: 1, retryBaseMs: 5 },
      seed: 11,
    });
    ({ sim, receiver, api } = harness);
  });
  afterEach(() => settle(harness));
  afterAll(() => stopHarness(harness));

  const templateEvents = () => receiver.changes('message_template_status_update') as Array<Record<string, unknown>>;

  describe('message templates', () => {
    it('creates a template PENDING, which cannot be sent before review', async () => {
      sim.configure({ templateReview: { delayMs: 60_000 } }); // the review will not happen during this test
      const created = await api.post(TEMPLATES_PATH, definition('order_shipped'));
      expect(created.status).toBe(200);
      expect(created.body).toEqual({ id: expect.stringMatching(/^\d+$/), status: 'PENDING', category: 'UTILITY' });
      const pending = await api.get(`${TEMPLATES_PATH}?name=order_shipped`);
      expect(pending.body.data).toEqual([expect.objectContaining({ id: created.body.id, name: 'order_shipped', language: 'id', status: 'PENDING', category: 'UTILITY' })]);
      const early = await api.send(PHONE, templateMessage('6281100000001', 'order_shipped', 'id', [bodyParameters('A-1')]));
      expect([early.status, early.body.error.code]).toEqual([404, 132001]);
      sim.reset(); // cancels the review timer
    });

    it('approves a template after review with a status webhook, and then it can be sent', async () => {
      const created = await api.post(TEMPLATES_PATH, definition('order_shipped'));
      const id = created.body.id as string;
      await sim.idle();
      expect(templateEvents()).toEqual([
        { event: 'APPROVED', message_template_id: Number(id), message_template_name: 'order_shipped', message_template_language: 'id', reason: 'NONE' },
      ]);
      expect(receiver.received[0].body.entry[0].id).toBe(WABA);
      expect((await api.get(`${TEMPLATES_PATH}?name=order_shipped`)).body.data[0].status).toBe('APPROVED');
      const sent = await api.send(PHONE, templateMessage('6281100000001', 'order_shipped', 'id', [bodyParameters('A-1')]));
      expect(sent.status).toBe(200);
    });

    it("rejects names starting with 'reject_' with reason INVALID_FORMAT", async () => {
      const created = await api.post(TEMPLATES_PATH, definition('reject_me', { category: 'MARKETING' }));
      expect(created.body).toMatchObject({ status: 'PENDING', category: 'MARKETING' });
      await sim.idle();
      expect(templateEvents()).toEqual([expect.objectContaining({ event: 'REJECTED', message_template_name: 'reject_me', reason: 'INVALID_FORMAT' })]);
      const listed = await api.get(`${TEMPLATES_PATH}?name=reject_me`);
      expect(listed.body.data[0]).toMatchObject({ status: 'REJECTED', rejected_reason: 'INVALID_FORMAT' });
    });

    it('refuses the same name and language twice (subcode 2388023), but takes another language', async () => {
      expect((await api.post(TEMPLATES_PATH, definition('welcome'))).status).toBe(200);
      const again = await api.post(TEMPLATES_PATH, definition('welcome'));
      expect(again.status).toBe(400);
      expect(again.body.error).toMatchObject({ code: 100, error_subcode: 2388023, error_user_title: 'Message template already exists' });
      expect((await api.post(TEMPLATES_PATH, definition('welcome', { language: 'en_US' }))).status).toBe(200);
    });

    it.each<[string, SeedTemplate, string]>([
      ['a name with capitals and spaces', definition('Spring Sale'), 'Param name'],
      ['an unknown category', definition('x1', { category: 'PROMOTION' }), 'Param category'],
      ['no BODY', definition('x2', { components: [{ type: 'FOOTER', text: 'Toko' }] }), 'exactly one BODY'],
      ['variables with a gap', definition('x3', { components: [{ type: 'BODY', text: 'Halo {{1}} dan {{3}} ya' }] }), 'without gaps'],
      ['positional variables in a NAMED template', definition('x4', { parameter_format: 'NAMED' }), '{{1}}'],
      ['a body starting with a variable', definition('x5', { components: [{ type: 'BODY', text: '{{1}} sudah dikirim' }] }), 'start or end'],
    ])('refuses a definition with %s (code 100)', async (_name, body, details) => {
      const res = await api.post(TEMPLATES_PATH, body);
      expect([res.status, res.body.error.code]).toEqual([400, 100]);
      expect(res.body.error.error_data.details).toContain(details);
      expect(sim.templates()).toEqual([]);
    });

    it('lists templates in creation order with working cursors, and filters by exact name', async () => {
      for (const name of ['t_a', 't_b', 't_c', 't_d', 't_e']) sim.seedTemplate(definition(name));
      sim.seedTemplate(definition('t_a', { language: 'en_US' }));
      const names = (res: { body: { data: Array<{ name: string; language: string }> } }) => res.body.data.map((t) => `${t.name}/${t.language}`);

      const page1 = await api.get(`${TEMPLATES_PATH}?limit=2`);
      expect(names(page1)).toEqual(['t_a/id', 't_b/id']);
      expect(page1.body.paging.cursors).toEqual({ before: expect.any(String), after: expect.any(String) });
      const nextPath = (url: string) => url.slice(sim.url.length);
      const page2 = await api.get(nextPath(page1.body.paging.next));
      expect(names(page2)).toEqual(['t_c/id', 't_d/id']);
      const page3 = await api.get(nextPath(page2.body.paging.next));
      expect(names(page3)).toEqual(['t_e/id', 't_a/en_US']);
      expect(page3.body.paging.next).toBeUndefined();
      const back = await api.get(`${TEMPLATES_PATH}?limit=2&before=${page2.body.paging.cursors.before}`);
      expect(names(back)).toEqual(['t_a/id', 't_b/id']);

      expect(names(await api.get(`${TEMPLATES_PATH}?name=t_a`))).toEqual(['t_a/id', 't_a/en_US']);
      expect(names(await api.get(`${TEMPLATES_PATH}?name=t_`))).toEqual([]);
      expect((await api.get(`${TEMPLATES_PATH}?after=not-a-cursor`)).body.error.code).toBe(100);
    });

    it('deletes every language of a name, or one by hsm_id, and refuses an unknown name with 100', async () => {
      const idId = sim.seedTemplate(definition('bye')).id;
      sim.seedTemplate(definition('bye', { language: 'en_US' }));
      sim.seedTemplate(definition('hello'));
      sim.seedTemplate(definition('hello', { language: 'en_US' }));

      expect((await api.delete(`${TEMPLATES_PATH}?name=bye&hsm_id=${idId}`)).body).toEqual({ success: true });
      expect(sim.templates().map((t) => `${t.name}/${t.language}`)).toEqual(['bye/en_US', 'hello/id', 'hello/en_US']);
      expect((await api.delete(`${TEMPLATES_PATH}?name=hello`)).body).toEqual({ success: true });
      expect(sim.templates().map((t) => `${t.name}/${t.language}`)).toEqual(['bye/en_US']);
      const unknown = await api.delete(`${TEMPLATES_PATH}?name=hello`);
      expect([unknown.status, unknown.body.error.code]).toEqual([400, 100]);
    });

    it('answers template calls on an unknown WABA with 100/33', async () => {
      const res = await api.get('/v25.0/2999999999/message_templates');
      expect(res.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    });
  });

  describe('phone numbers', () => {
    it('describes the number, all fields or the requested ones', async () => {
      const all = await api.get(`/v25.0/${PHONE}`);
      expect(all.body).toMatchObject({
        id: PHONE,
        display_phone_number: '+62 21 5000 0001',
        verified_name: 'Siaran Simulator',
        quality_rating: 'GREEN',
        throughput: { level: 'STANDARD' },
        whatsapp_business_manager_messaging_limit: 'TIER_10K',
      });
      const some = await api.get(`/v25.0/${PHONE}?fields=quality_rating,throughput`);
      expect(some.body).toEqual({ id: PHONE, quality_rating: 'GREEN', throughput: { level: 'STANDARD' } });
      const unknown = await api.get('/v25.0/1000000999');
      expect([unknown.status, unknown.body.error.code, unknown.body.error.error_subcode]).toEqual([400, 100, 33]);
      expect(unknown.body.error.message).toContain('Unsupported get request');
    });

    it('serves several numbers, each with its own throughput, and announces quality changes', async () => {
      sim.configure({
        phoneNumbers: [
          { id: PHONE, mps: 1 },
          { id: '1000000002', wabaId: WABA, displayPhoneNumber: '+62 21 5000 0002', messagingLimitTier: 'TIER_2K', throughputLevel: 'HIGH' },
        ],
      });
      expect((await api.get('/v25.0/1000000002')).body).toMatchObject({ whatsapp_business_manager_messaging_limit: 'TIER_2K', throughput: { level: 'HIGH' } });
      sim.sendInbound({ from: '6281100000001', text: 'Halo', phoneNumberId: '1000000002' });
      sim.sendInbound({ from: '6281100000002', text: 'Halo' });
      const codes = [];
      for (const to of ['6281100000002', '6281100000002']) codes.push((await api.send(PHONE, textMessage(to))).status);
      expect(codes).toEqual([200, 400]);
      expect((await api.send('1000000002', textMessage('6281100000001'))).status).toBe(200);
      expect((await api.get(`/v25.0/${WABA}/phone_numbers`)).body.data.map((p: { id: string }) => p.id)).toEqual([PHONE, '1000000002']);

      const update = await control().post('/_sim/phone-numbers/quality', { phoneNumberId: '1000000002', messagingLimitTier: 'TIER_10K' });
      expect(update.status).toBe(200);
      await sim.idle();
      expect(receiver.changes('phone_number_quality_update')).toEqual([
        { display_phone_number: '622150000002', event: 'UPGRADE', current_limit: 'TIER_10K', old_limit: 'TIER_2K' },
      ]);
      expect((await api.get('/v25.0/1000000002')).body.whatsapp_business_manager_messaging_limit).toBe('TIER_10K');

      // Meta's one throughput event: the upgrade to HIGH
      await control().post('/_sim/phone-numbers/quality', { throughputLevel: 'HIGH' });
      await sim.idle();
      expect(receiver.changes('phone_number_quality_update')[1]).toEqual({ display_phone_number: '622150000001', event: 'THROUGHPUT_UPGRADE', current_limit: 'TIER_10K' });
      expect((await api.get(`/v25.0/${PHONE}`)).body.throughput).toEqual({ level: 'HIGH' });
    });
  });

  describe('control API', () => {
    it('seeds a template in any status and changes its status, category and quality with their webhooks', async () => {
      const seeded = await control().post('/_sim/templates', { ...definition('flash_sale', { category: 'UTILITY' }), status: 'PAUSED' });
      expect(seeded.body).toMatchObject({ name: 'flash_sale', status: 'PAUSED' });
      const id = Number(seeded.body.id);
      const send = () => api.send(PHONE, templateMessage('6281100000001', 'flash_sale', 'id', [bodyParameters('A-1')]));
      expect((await send()).body.error.code).toBe(132015);

      expect((await control().post('/_sim/templates/status', { name: 'flash_sale', language: 'id', status: 'APPROVED' })).status).toBe(200);
      expect((await send()).status).toBe(200);
      await control().post('/_sim/templates/category', { name: 'flash_sale', language: 'id', newCategory: 'MARKETING' });
      await control().post('/_sim/templates/quality', { name: 'flash_sale', language: 'id', score: 'RED' });
      await control().post('/_sim/templates/status', { name: 'flash_sale', language: 'id', status: 'DISABLED' });
      expect((await send()).body.error.code).toBe(132016);
      await sim.idle();

      const ref = { message_template_id: id, message_template_name: 'flash_sale', message_template_language: 'id' };
      expect(templateEvents().map((e) => e.event)).toEqual(['APPROVED', 'DISABLED']);
      expect(receiver.changes('template_category_update')).toEqual([{ ...ref, previous_category: 'UTILITY', new_category: 'MARKETING' }]);
      expect(receiver.changes('message_template_quality_update')).toEqual([{ ...ref, previous_quality_score: 'UNKNOWN', new_quality_score: 'RED' }]);
      const listed = await api.get(`${TEMPLATES_PATH}?name=flash_sale`);
      expect(listed.body.data[0]).toMatchObject({ category: 'MARKETING', status: 'DISABLED', quality_score: { score: 'RED' } });
    });

    it('sends inbound texts, button taps and interactive replies as messages webhooks', async () => {
      const text = await control().post('/_sim/inbound', { from: '+6281100000001', text: 'STOP', name: 'Ana', userId: 'ID.1349120865530274' });
      expect(text.body.wamid).toMatch(/^wamid\./);
      await control().post('/_sim/inbound', { from: '6281100000001', buttonPayload: 'stop_promo', buttonText: 'Berhenti', contextMessageId: 'wamid.ORIGINAL' });
      await control().post('/_sim/inbound', { from: '6281100000001', interactiveReplyId: 'row-2', title: 'Kemeja', kind: 'list_reply' });
      const bad = await control().post('/_sim/inbound', { from: '6281100000001' });
      expect(bad.status).toBe(400);
      await sim.idle();

      const values = receiver.changes('messages') as Array<{ contacts: unknown[]; messages: Array<Record<string, unknown>> }>;
      expect(values[0].contacts).toEqual([{ profile: { name: 'Ana' }, wa_id: '6281100000001', user_id: 'ID.1349120865530274' }]);
      expect(values[0].messages[0]).toMatchObject({ id: text.body.wamid, from: '6281100000001', from_user_id: 'ID.1349120865530274', type: 'text', text: { body: 'STOP' } });
      expect(values[1].messages[0]).toMatchObject({
        type: 'button',
        button: { payload: 'stop_promo', text: 'Berhenti' },
        context: { from: '622150000001', id: 'wamid.ORIGINAL' },
      });
      expect(values[2].messages[0]).toMatchObject({ type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'row-2', title: 'Kemeja' } } });
      // The inbound opened the window: a session message is delivered.
      const wamid = (await api.send(PHONE, textMessage('6281100000001'))).body.messages[0].id;
      await sim.idle();
      expect(receiver.statuses().filter((s) => s.id === wamid).map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    });

    it('exposes requests, messages and stats, and clears requests', async () => {
      sim.sendInbound({ from: '6281100000001', text: 'Halo' });
      await api.send(PHONE, textMessage('6281100000001', 'Halo', { biz_opaque_callback_data: 'r1' }));
      await api.send(PHONE, { messaging_product: 'whatsapp' });
      await sim.idle();

      const requests = await control().get('/_sim/requests');
      expect(requests.body.map((r: { body: unknown; status: number }) => [r.body, r.status])).toEqual([
        [textMessage('6281100000001', 'Halo', { biz_opaque_callback_data: 'r1' }), 200],
        [{ messaging_product: 'whatsapp' }, 400],
      ]);
      const messages = await control().get('/_sim/messages?to=6281100000001');
      expect(messages.body).toEqual([expect.objectContaining({ to: '6281100000001', type: 'text', bizOpaqueCallbackData: 'r1', status: 'read', finalStatus: 'read' })]);
      const stats = await control().get('/_sim/stats');
      expect(stats.body[PHONE]).toMatchObject({ accepted: 1, rejected: 1, maxPerSecond: 1, rejectedByCode: { '100': 1 } });
      expect((await control().get('/_sim/webhooks')).body).toHaveLength(4);

      expect((await control().delete('/_sim/requests')).status).toBe(200);
      expect((await control().get('/_sim/requests')).body).toEqual([]);
    });

    it('changes options at run time, refuses invalid ones, waits for idle and resets', async () => {
      const bad = await control().post('/_sim/config', { rates: { notOnWhatsApp: 2 } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain('rates.notOnWhatsApp');
      expect((await control().post('/_sim/config', { nonsense: true })).status).toBe(400);

      const changed = await control().post('/_sim/config', { notOnWhatsAppNumbers: ['6281100000009'] });
      expect(changed.body).toMatchObject({ notOnWhatsAppNumbers: ['6281100000009'] });
      expect(changed.body).not.toHaveProperty('accessToken');
      const wamid = (await api.send(PHONE, textMessage('6281100000009'))).body.messages[0].id;
      expect((await control().get('/_sim/idle?timeoutMs=5000')).body).toEqual({ idle: true });
      expect(receiver.statuses().find((s) => s.id === wamid)?.errors?.[0].code).toBe(131026);

      expect((await control().post('/_sim/reset', {})).status).toBe(200);
      expect(sim.options().notOnWhatsAppNumbers).toEqual([]);
      expect(sim.messages()).toEqual([]);
      expect(sim.webhooks()).toEqual([]);
      expect(sim.stats()[PHONE]).toMatchObject({ accepted: 0, maxPerSecond: 0 });
      expect((await control().get('/_sim/nowhere')).status).toBe(404);
    });
  });

  describe('webhook delivery', () => {
    it('retries a webhook the receiver refused and records every attempt', async () => {
      receiver.respondWith((index) => (index === 0 ? 500 : 200));
      sim.sendInbound({ from: '6281100000001', text: 'Halo' });
      await sim.idle();
      expect(receiver.received).toHaveLength(2);
      expect(receiver.received[1].raw.equals(receiver.received[0].raw)).toBe(true);
      expect(receiver.received[1].signature).toBe(receiver.received[0].signature);
      const [record] = sim.webhooks();
      expect(record.outcome).toBe('delivered');
      expect(record.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
    });

    it('gives up after maxAttempts when the receiver is unreachable, and records without sending when no URL is set', async () => {
      sim.configure({ webhookUrl: `http://127.0.0.1:${await freePort()}/hook`, webhookDelivery: { maxAttempts: 3 } });
      sim.sendInbound({ from: '6281100000001', text: 'Halo' });
      await sim.idle();
      const [failed] = sim.webhooks();
      expect(failed.outcome).toBe('failed');
      expect(failed.attempts).toHaveLength(3);
      expect(failed.attempts.every((a) => a.statusCode === undefined && typeof a.error === 'string')).toBe(true);

      sim.configure({ webhookUrl: undefined });
      sim.sendInbound({ from: '6281100000001', text: 'Lagi' });
      expect(sim.webhooks()[1]).toMatchObject({ outcome: 'not_sent', attempts: [], fields: ['messages'] });
      expect(sim.webhooksDelivered()).toEqual([]);
    });

    it('stops promptly, cancelling scheduled statuses', async () => {
      const other = await WebhookReceiver.start();
      const DELAY_MS = 2000;
      const short = await startSimulator({ webhookUrl: other.url, statusDelaysMs: { sent: DELAY_MS, delivered: DELAY_MS, read: DELAY_MS } });
      short.sendInbound({ from: '6281100000001', text: 'Halo' });
      await short.idle();
      const res = await graphClient(short.url).send(PHONE, textMessage('6281100000001'));
      expect(res.status).toBe(200);
      const started = Date.now();
      await short.stop();
      // Prompt means: it did not wait for the scheduled statuses (due DELAY_MS after the send).
      expect(Date.now() - started).toBeLessThan(DELAY_MS);
      await new Promise((r) => setTimeout(r, DELAY_MS + 100 - (Date.now() - started)));
      expect(other.statuses()).toEqual([]);
      await other.close();
    });
  });
});
