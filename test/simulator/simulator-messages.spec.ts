import { createHmac } from 'node:crypto';
import type { MessageStatus } from '../../src/whatsapp/cloud-api.types';
import type { SeedTemplate } from './options';
import type { Simulator } from './simulator';
import { bodyParameters, graphClient, templateMessage, textMessage } from './testing';
import type { WebhookReceiver } from './webhook-receiver';
import { settle, SimulatorHarness, startHarness, stopHarness } from './harness';

/**
 * The simulator's send endpoint, over real HTTP: validation and error bodies, template checks,
 * rate limits, and the status webhooks that follow an accepted message.
 */

const PHONE = '1000000001';
const WABA = '2000000001';
const APP_SECRET = 'sim-app-secret';

const TEMPLATES: SeedTemplate[] = [
  {
    name: 'spring_sale',
    language: 'id',
    category: 'MARKETING',
    components: [
      { type: 'BODY', text: 'Halo {{1}}, diskon {{2}} untuk Anda.' },
      { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Belanja', url: 'https://shop.example/{{1}}' }, { type: 'QUICK_REPLY', text: 'Berhenti' }] },
    ],
  },
  {
    name: 'promo_named',
    language: 'id',
    category: 'MARKETING',
    parameter_format: 'NAMED',
    components: [{ type: 'BODY', text: 'Halo {{first_name}}, kode Anda {{code}} berlaku hari ini.' }],
  },
  {
    name: 'order_update',
    language: 'id',
    category: 'UTILITY',
    components: [
      { type: 'HEADER', format: 'DOCUMENT' },
      { type: 'BODY', text: 'Pesanan {{1}} sudah dikirim.' },
    ],
  },
  { name: 'paused_promo', language: 'id', category: 'MARKETING', status: 'PAUSED', components: [{ type: 'BODY', text: 'Promo.' }] },
  { name: 'disabled_promo', language: 'id', category: 'MARKETING', status: 'DISABLED', components: [{ type: 'BODY', text: 'Promo.' }] },
  { name: 'pending_promo', language: 'id', category: 'MARKETING', status: 'PENDING', components: [{ type: 'BODY', text: 'Promo.' }] },
  { name: 'plain_notice', language: 'id', category: 'UTILITY', components: [{ type: 'BODY', text: 'Toko buka besok.' }] },
  { name: 'plain_promo', language: 'id', category: 'MARKETING', components: [{ type: 'BODY', text: 'Diskon besar besok.' }] },
];

const DOCUMENT_HEADER = { type: 'header', parameters: [{ type: 'document', document: { link: 'https://shop.example/receipt.pdf' } }] };
const springSale = (to: string) =>
  templateMessage(to, 'spring_sale', 'id', [bodyParameters('Ana', '20%'), { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'ana20' }] }]);
const orderUpdate = (to: string) => templateMessage(to, 'order_update', 'id', [DOCUMENT_HEADER, bodyParameters('A-17')]);

describe('Cloud API simulator: sending', () => {
  let sim: Simulator;
  let receiver: WebhookReceiver;
  let api: ReturnType<typeof graphClient>;

  let harness: SimulatorHarness;

  beforeAll(async () => {
    harness = await startHarness({
      statusDelaysMs: { sent: 2, delivered: 4, read: 6 },
      webhookDelivery: { concurrency: 1, retryBaseMs: 5 },
      templates: TEMPLATES,
      seed: 7,
    });
    ({ sim, receiver, api } = harness);
  });
  afterEach(() => settle(harness));
  afterAll(() => stopHarness(harness));

  /** The statuses the receiver got for one message, in arrival order. */
  const statusesOf = (wamid: string): MessageStatus[] => receiver.statuses().filter((s) => s.id === wamid);
  const statusNames = (wamid: string) => statusesOf(wamid).map((s) => s.status);

  async function accepted(body: unknown, edge: 'messages' | 'marketing_messages' = 'messages'): Promise<string> {
    const res = await api.send(PHONE, body, edge);
    expect(res.status).toBe(200);
    return res.body.messages[0].id as string;
  }

  describe('authentication and objects', () => {
    it('refuses a missing or wrong token with HTTP 401, code 190', async () => {
      for (const client of [graphClient(sim.url, null), graphClient(sim.url, 'not-the-token')]) {
        const res = await client.send(PHONE, textMessage('6281100000001'));
        expect(res.status).toBe(401);
        expect(res.body.error).toMatchObject({ code: 190, type: 'OAuthException' });
        expect(typeof res.body.error.fbtrace_id).toBe('string');
      }
      expect(sim.messages()).toEqual([]);
    });

    it('answers a post to an unknown phone number id like Graph: 400, code 100, subcode 33', async () => {
      const res = await api.send('999', textMessage('6281100000001'));
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 100, error_subcode: 33 });
      expect(res.body.error.message).toContain("Unsupported post request. Object with ID '999' does not exist");
    });

    it('accepts any version segment and the token as a query parameter, and never records the token', async () => {
      sim.sendInbound({ from: '6281100000001', text: 'Halo' });
      const res = await graphClient(sim.url, null).post(`/v23.0/${PHONE}/messages?access_token=sim-token`, textMessage('6281100000001'));
      expect(res.status).toBe(200);
      await api.send(PHONE, textMessage('6281100000001'));
      const recorded = sim.requests();
      expect(recorded.map((r) => [r.path, r.status, r.hasAuthorization])).toEqual([
        [`/v23.0/${PHONE}/messages`, 200, false],
        [`/v25.0/${PHONE}/messages`, 200, true],
      ]);
      expect(recorded[0].query).toEqual({ access_token: '[redacted]' });
      expect(JSON.stringify(recorded)).not.toContain('sim-token');
    });
  });

  describe('request validation', () => {
    const long = (n: number) => 'x'.repeat(n);
    const buttons = (n: number, title = 'Ya') => ({
      messaging_product: 'whatsapp',
      to: '6281100000001',
      type: 'interactive',
      interactive: { type: 'button', body: { text: 'Pilih' }, action: { buttons: Array.from({ length: n }, (_, i) => ({ type: 'reply', reply: { id: `b${i}`, title } })) } },
    });
    const list = (sections: number[]) => ({
      messaging_product: 'whatsapp',
      to: '6281100000001',
      type: 'interactive',
      interactive: {
        type: 'list',
        body: { text: 'Pilih' },
        action: {
          button: 'Menu',
          sections: sections.map((rows, s) => ({ title: `S${s}`, rows: Array.from({ length: rows }, (_, r) => ({ id: `r${s}-${r}`, title: 'Baris' })) })),
        },
      },
    });

    it.each<[string, number, unknown, string]>([
      ['malformed JSON', 100, '{"messaging_product":', 'not valid JSON'],
      ['no messaging_product', 100, { to: '6281100000001', type: 'text', text: { body: 'x' } }, 'Param messaging_product is required'],
      ['another messaging_product', 100, { ...textMessage('6281100000001'), messaging_product: 'sms' }, 'messaging_product'],
      ['no to', 100, { messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } }, 'Param to is required'],
      ['a to that is not digits', 100, textMessage('0812-1111'), 'Param to must be'],
      ['an unknown type', 100, { ...textMessage('6281100000001'), type: 'fax' }, 'Param type must be one of'],
      ['no text object', 100, { messaging_product: 'whatsapp', to: '6281100000001', type: 'text' }, 'Param text is required'],
      ['no text body', 100, { messaging_product: 'whatsapp', to: '6281100000001', type: 'text', text: {} }, "Param text['body'] is required"],
      ['a text body over 4096', 100, textMessage('6281100000001', long(4097)), "Param text['body'] must be at most 4096 characters long"],
      ['callback data over 512', 100, textMessage('6281100000001', 'x', { biz_opaque_callback_data: long(513) }), 'Param biz_opaque_callback_data must be at most 512'],
      ['media with link and id', 100, { messaging_product: 'whatsapp', to: '6281100000001', type: 'image', image: { link: 'https://x.example/a.png', id: '1' } }, "Param image must have exactly one of 'link' or 'id'"],
      ['media with neither', 100, { messaging_product: 'whatsapp', to: '6281100000001', type: 'document', document: { filename: 'a.pdf' } }, "Param document must have exactly one"],
      ['4 reply buttons', 131009, buttons(4), "Param interactive['action']['buttons'] must have at most 3 elements"],
      ['a button title over 20', 131009, buttons(1, long(21)), "['reply']['title'] must be at most 20 characters long"],
      ['11 list sections', 131009, list(Array(11).fill(1)), "Param interactive['action']['sections'] must have at most 10 elements"],
      ['11 list rows in all', 131009, list([6, 5]), 'at most 10 rows in all'],
      ['a template without language', 100, { messaging_product: 'whatsapp', to: '6281100000001', type: 'template', template: { name: 'spring_sale' } }, "Param template['language'] is required"],
    ])('refuses %s with code %i naming the field', async (_name, code, body, details) => {
      const res = await api.send(PHONE, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code, type: 'OAuthException', error_data: { messaging_product: 'whatsapp' } });
      expect(res.body.error.error_data.details).toContain(details);
      expect(sim.stats()[PHONE]).toMatchObject({ accepted: 0, rejected: 1, rejectedByCode: { [code]: 1 } });
      expect(sim.requests()[0].errorCode).toBe(code);
    });

    it('accepts valid interactive, media, location and contacts messages', async () => {
      sim.sendInbound({ from: '6281100000001', text: 'Halo' });
      const to = '6281100000001';
      const bodies = [
        buttons(3, long(20)),
        list([5, 5]),
        { messaging_product: 'whatsapp', to, type: 'image', image: { link: 'https://x.example/a.png', caption: 'Lihat' } },
        { messaging_product: 'whatsapp', to, type: 'document', document: { id: '1234', filename: 'a.pdf' } },
        { messaging_product: 'whatsapp', to, type: 'location', location: { latitude: -6.2, longitude: 106.8, name: 'Toko' } },
        { messaging_product: 'whatsapp', to, type: 'contacts', contacts: [{ name: { formatted_name: 'Toko' }, phones: [{ phone: '+62215000', type: 'WORK' }] }] },
        {
          messaging_product: 'whatsapp',
          to,
          type: 'interactive',
          interactive: { type: 'cta_url', body: { text: 'Katalog' }, action: { name: 'cta_url', parameters: { display_text: 'Buka', url: 'https://shop.example' } } },
        },
      ];
      const statuses = [];
      // Seven sends to one user: widen the pair-rate bucket so that only validation is tested.
      sim.configure({ pairRate: { capacity: 10 } });
      for (const body of bodies) statuses.push((await api.send(PHONE, body)).status);
      expect(statuses).toEqual(bodies.map(() => 200));
    });
  });

  describe('accepted messages and their status webhooks', () => {
    it('answers 200 with a wamid, then sends signed sent, delivered and read webhooks echoing the callback data', async () => {
      sim.sendInbound({ from: '6281100000001', text: 'Halo', name: 'Ana' });
      const res = await api.send(PHONE, textMessage('+6281100000001', 'Terima kasih', { biz_opaque_callback_data: 'campaign=7;recipient=42' }));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        messaging_product: 'whatsapp',
        contacts: [{ input: '+6281100000001', wa_id: '6281100000001' }],
        messages: [{ id: expect.stringMatching(/^wamid\.[A-Za-z0-9+/=]+$/), message_status: 'accepted' }],
      });
      const wamid = res.body.messages[0].id as string;
      await sim.idle();

      // Every delivery is signed over its exact bytes with the app secret.
      expect(receiver.received.length).toBe(4);
      for (const delivery of receiver.received) {
        expect(delivery.signature).toBe(`sha256=${createHmac('sha256', APP_SECRET).update(delivery.raw).digest('hex')}`);
        expect(delivery.contentType).toBe('application/json');
        expect(delivery.body.object).toBe('whatsapp_business_account');
        expect(delivery.body.entry[0].id).toBe(WABA);
      }

      const [inbound] = receiver.changes('messages') as Array<Record<string, any>>;
      expect(inbound.metadata).toEqual({ display_phone_number: '622150000001', phone_number_id: PHONE });
      expect(inbound.contacts).toEqual([{ profile: { name: 'Ana' }, wa_id: '6281100000001' }]);
      expect(inbound.messages[0]).toEqual({ from: '6281100000001', id: expect.stringMatching(/^wamid\./), timestamp: expect.stringMatching(/^\d+$/), type: 'text', text: { body: 'Halo' } });

      const statuses = statusesOf(wamid);
      expect(statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
      const service = { billable: false, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' };
      expect(statuses[0]).toEqual({
        id: wamid,
        status: 'sent',
        timestamp: expect.stringMatching(/^\d{10}$/),
        recipient_id: '6281100000001',
        biz_opaque_callback_data: 'campaign=7;recipient=42',
        pricing: service,
      });
      expect(statuses[1].pricing).toEqual(service);
      expect(statuses[2]).not.toHaveProperty('pricing');
      expect(statuses.every((s) => s.biz_opaque_callback_data === 'campaign=7;recipient=42')).toBe(true);
      expect(sim.message(wamid)).toMatchObject({ status: 'read', finalStatus: 'read', to: '+6281100000001', waId: '6281100000001', type: 'text' });
      expect(sim.webhooksDelivered()).toHaveLength(4);
      expect(sim.stats()[PHONE]).toMatchObject({ accepted: 1, rejected: 0, statuses: { sent: 1, delivered: 1, read: 1, failed: 0 } });
    });

    it('stops at delivered when the user does not read (readRate 0)', async () => {
      sim.configure({ readRate: 0 });
      const wamid = await accepted(orderUpdate('6281100000002'));
      await sim.idle();
      expect(statusNames(wamid)).toEqual(['sent', 'delivered']);
      expect(sim.message(wamid)?.finalStatus).toBe('delivered');
    });

    it('fails a session message outside the 24-hour window with 131047, and delivers it once the user has written', async () => {
      const user = '6281100000003';
      sim.sendInbound({ from: user, text: 'lama', timestamp: Math.floor(Date.now() / 1000) - 25 * 3600 });
      const first = await accepted(textMessage(user, 'Halo', { biz_opaque_callback_data: 'c1' }));
      await sim.idle();
      expect(statusesOf(first)).toEqual([
        {
          id: first,
          status: 'failed',
          timestamp: expect.stringMatching(/^\d+$/),
          recipient_id: user,
          biz_opaque_callback_data: 'c1',
          errors: [
            {
              code: 131047,
              title: 'Re-engagement message',
              message: 'Re-engagement message',
              error_data: { details: expect.stringContaining('more than 24 hours have passed') },
            },
          ],
        },
      ]);

      sim.sendInbound({ from: user, text: 'Halo lagi' });
      const second = await accepted(textMessage(user, 'Halo'));
      await sim.idle();
      expect(statusNames(second)).toEqual(['sent', 'delivered', 'read']);
      expect(sim.stats()[PHONE].statuses.failed).toBe(1);
    });

    it('gives Mexican mobile numbers their wa_id without the legacy 1', async () => {
      const res = await api.send(PHONE, orderUpdate('5215512345678'));
      expect(res.body.contacts).toEqual([{ input: '5215512345678', wa_id: '525512345678' }]);
    });
  });

  describe('templates', () => {
    const refused = async (body: unknown, status: number, code: number, details?: string) => {
      const res = await api.send(PHONE, body);
      expect([res.status, res.body.error?.code]).toEqual([status, code]);
      if (details) expect(res.body.error.error_data.details).toContain(details);
    };

    it('refuses an unknown template, a missing translation and a template not approved with 132001', async () => {
      await refused(templateMessage('6281100000004', 'no_such_template', 'id'), 404, 132001, 'no_such_template');
      await refused(templateMessage('6281100000004', 'spring_sale', 'en_US'), 404, 132001, 'en_US');
      await refused(templateMessage('6281100000004', 'pending_promo', 'id'), 404, 132001, 'PENDING');
      sim.setTemplateStatus({ name: 'plain_promo', language: 'id', status: 'REJECTED', reason: 'TAG_CONTENT_MISMATCH' });
      await refused(templateMessage('6281100000004', 'plain_promo', 'id'), 404, 132001, 'REJECTED');
    });

    it('refuses a paused template with 132015 and a disabled one with 132016', async () => {
      await refused(templateMessage('6281100000004', 'paused_promo', 'id'), 400, 132015);
      await refused(templateMessage('6281100000004', 'disabled_promo', 'id'), 400, 132016);
    });

    it('refuses the wrong number of parameters with 132000', async () => {
      await refused(templateMessage('6281100000004', 'spring_sale', 'id', [bodyParameters('Ana')]), 400, 132000, 'body');
      await refused(templateMessage('6281100000004', 'spring_sale', 'id', [bodyParameters('Ana', '20%', 'x')]), 400, 132000);
      // The URL button's variable must be filled too.
      await refused(templateMessage('6281100000004', 'spring_sale', 'id', [bodyParameters('Ana', '20%')]), 400, 132000, 'button 0');
      await refused(templateMessage('6281100000004', 'plain_notice', 'id', [bodyParameters('extra')]), 400, 132000);
    });

    it('checks named parameters: parameter_name on each, and exactly the template names', async () => {
      const named = (...values: Array<string | [string, string]>) => templateMessage('6281100000004', 'promo_named', 'id', [bodyParameters(...values)]);
      await refused(named('Ana', 'X1'), 400, 132000, 'parameter_name');
      await refused(named(['first_name', 'Ana'], ['coupon', 'X1']), 400, 132000, 'do not match');
      await refused(named(['first_name', 'Ana'], ['first_name', 'Ana']), 400, 132000);
      expect((await api.send(PHONE, named(['code', 'X1'], ['first_name', 'Ana']))).status).toBe(200);
    });

    it('refuses parameter text with a newline, a tab or more than 4 spaces with 132018', async () => {
      for (const bad of ['Ana\nBudi', 'Ana\tBudi', 'Ana     Budi']) {
        await refused(templateMessage('6281100000004', 'order_update', 'id', [DOCUMENT_HEADER, bodyParameters(bad)]), 400, 132018);
      }
      expect((await api.send(PHONE, templateMessage('6281100000004', 'order_update', 'id', [DOCUMENT_HEADER, bodyParameters('Ana    Budi')]))).status).toBe(200);
    });

    it('requires the media header with a parameter of its type (132000 missing, 132012 another type)', async () => {
      await refused(templateMessage('6281100000004', 'order_update', 'id', [bodyParameters('A-1')]), 400, 132000, 'header');
      const image = { type: 'header', parameters: [{ type: 'image', image: { link: 'https://x.example/a.png' } }] };
      await refused(templateMessage('6281100000004', 'order_update', 'id', [image, bodyParameters('A-1')]), 400, 132012);
    });

    it('delivers templates without an open window and prices them by category', async () => {
      const marketing = await accepted(springSale('6281100000005'));
      const utility = await accepted(orderUpdate('6281100000006'));
      await sim.idle();
      expect(statusNames(marketing)).toEqual(['sent', 'delivered', 'read']);
      expect(statusesOf(marketing)[0].pricing).toEqual({ billable: true, pricing_model: 'PMP', category: 'marketing', type: 'regular' });
      expect(statusesOf(utility)[1].pricing).toEqual({ billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' });
      expect(sim.message(marketing)).toMatchObject({ templateName: 'spring_sale', templateLanguage: 'id', category: 'MARKETING', endpoint: 'messages' });
    });

    it('with marketingMessagesOnly, refuses MARKETING templates on /messages with 131063 and takes them on /marketing_messages', async () => {
      sim.configure({ phoneNumbers: [{ id: PHONE, marketingMessagesOnly: true }] });
      await refused(springSale('6281100000007'), 400, 131063);
      const wamid = await accepted(springSale('6281100000007'), 'marketing_messages');
      expect(sim.message(wamid)?.endpoint).toBe('marketing_messages');
      // Utility templates still go to /messages; /marketing_messages is for MARKETING only.
      await accepted(orderUpdate('6281100000007'));
      const wrongEndpoint = await api.send(PHONE, orderUpdate('6281100000008'), 'marketing_messages');
      expect([wrongEndpoint.status, wrongEndpoint.body.error.code]).toEqual([400, 100]);
    });
  });

  describe('rate limits', () => {
    it('accepts at most mps messages in a sliding second (130429 beyond) and reports the busiest second', async () => {
      sim.configure({ phoneNumbers: [{ id: PHONE, mps: 5 }] });
      // The rate limiter's clock is held: all 20 fall in one second however slowly this machine sends them.
      const t0 = Date.now();
      sim.setClock(t0);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => api.send(PHONE, orderUpdate(`62811200000${String(i).padStart(2, '0')}`))));
      expect(results.filter((r) => r.status === 200)).toHaveLength(5);
      const refusals = results.filter((r) => r.status !== 200);
      expect(refusals).toHaveLength(15);
      expect(refusals.every((r) => r.status === 400 && r.body.error.code === 130429 && r.body.error.message === '(#130429) Rate limit hit')).toBe(true);
      expect(sim.stats()[PHONE]).toMatchObject({ accepted: 5, rejected: 15, maxPerSecond: 5, rejectedByCode: { '130429': 15 } });
      expect(sim.messages()).toHaveLength(5);

      // The window slides: a second later the number may send again, and not a moment before.
      sim.setClock(t0 + 999);
      expect((await api.send(PHONE, orderUpdate('6281130000001'))).body.error?.code).toBe(130429);
      sim.setClock(t0 + 1000);
      expect((await api.send(PHONE, orderUpdate('6281130000000'))).status).toBe(200);
      expect(sim.stats()[PHONE].maxPerSecond).toBe(5);
    });

    it('limits messages to one user with a token bucket (131056), without affecting other users', async () => {
      sim.configure({ pairRate: { capacity: 2, refillMs: 400 } });
      const t0 = Date.now();
      sim.setClock(t0);
      const user = '6281100000009';
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await api.send(PHONE, orderUpdate(user))).body.error?.code ?? 200);
      expect(codes).toEqual([200, 200, 131056]);
      expect((await api.send(PHONE, orderUpdate('6281100000010'))).status).toBe(200);
      sim.setClock(t0 + 400); // one token back
      expect((await api.send(PHONE, orderUpdate(user))).status).toBe(200);
      expect((await api.send(PHONE, orderUpdate(user))).body.error?.code).toBe(131056);
      expect(sim.stats()[PHONE].rejectedByCode).toEqual({ '131056': 2 });
    });
  });

  describe('recipient failures, reported as failed statuses after a 200', () => {
    async function failureOf(body: unknown): Promise<MessageStatus> {
      const wamid = await accepted(body);
      await sim.idle();
      const statuses = statusesOf(wamid);
      expect(statuses.map((s) => s.status)).toEqual(['failed']);
      expect(sim.message(wamid)).toMatchObject({ status: 'failed', finalStatus: 'failed' });
      return statuses[0];
    }

    it('fails numbers that are not on WhatsApp with 131026 (listed, or by rate)', async () => {
      sim.configure({ notOnWhatsAppNumbers: ['+6281100000011'] });
      expect((await failureOf(orderUpdate('6281100000011'))).errors?.[0]).toMatchObject({ code: 131026, title: 'Message undeliverable' });
      sim.configure({ rates: { notOnWhatsApp: 1 } });
      expect((await failureOf(orderUpdate('6281100000012'))).errors?.[0].code).toBe(131026);
      expect(sim.message(sim.messages()[1].wamid)?.errorCode).toBe(131026);
    });

    it('fails MARKETING templates to US numbers with 131049, but delivers utility ones, and not when the pause is off', async () => {
      const us = '12025550143';
      const failure = await failureOf(springSale(us));
      expect(failure.errors?.[0]).toMatchObject({ code: 131049, error_data: { details: expect.stringContaining('United States') } });
      expect(failure).not.toHaveProperty('pricing');
      const utility = await accepted(orderUpdate(us));
      sim.configure({ usMarketingBlocked: false });
      const allowed = await accepted(springSale('12025550144'));
      await sim.idle();
      expect(statusNames(utility)).toEqual(['sent', 'delivered', 'read']);
      expect(statusNames(allowed)).toEqual(['sent', 'delivered', 'read']);
    });

    it('pauses marketing to US numbers by their region, as Siaran does: not Canada or the Caribbean (also +1), and not before 1 April 2025', async () => {
      expect((await failureOf(springSale('12125551234'))).errors?.[0].code).toBe(131049); // New York
      const canada = await accepted(springSale('14162345678')); // Toronto
      const jamaica = await accepted(springSale('18762345678'));
      sim.setClock(Date.parse('2025-03-31T23:59:59Z'));
      const before = await accepted(springSale('12125551235'));
      await sim.idle();
      for (const wamid of [canada, jamaica, before]) expect(statusNames(wamid)).toEqual(['sent', 'delivered', 'read']);
      sim.setClock(Date.parse('2025-04-01T00:00:00Z'));
      expect((await failureOf(springSale('12125551236'))).errors?.[0].code).toBe(131049);
    });

    it("applies Meta's per-user marketing cap (131049) to MARKETING templates only", async () => {
      sim.configure({ rates: { perUserCap: 1 } });
      expect((await failureOf(springSale('6281100000013'))).errors?.[0].code).toBe(131049);
      const utility = await accepted(orderUpdate('6281100000013'));
      await sim.idle();
      expect(statusNames(utility)).toEqual(['sent', 'delivered', 'read']);
    });

    it('after a user stops marketing: user_preferences webhook, then marketing fails with 131050 until they resume', async () => {
      const user = '6281100000014';
      sim.sendUserPreference({ from: user, value: 'stop', name: 'Budi' });
      await sim.idle();
      expect(receiver.changes('user_preferences')).toEqual([
        {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '622150000001', phone_number_id: PHONE },
          contacts: [{ profile: { name: 'Budi' }, wa_id: user }],
          user_preferences: [{ wa_id: user, detail: expect.any(String), category: 'marketing_messages', value: 'stop', timestamp: expect.any(Number) }],
        },
      ]);
      expect((await failureOf(springSale(user))).errors?.[0].code).toBe(131050);
      sim.sendUserPreference({ from: user, value: 'resume' });
      const wamid = await accepted(springSale(user));
      await sim.idle();
      expect(statusNames(wamid)).toEqual(['sent', 'delivered', 'read']);
    });
  });

  describe('webhook delivery quirks', () => {
    it('delivers every status twice with duplicateRate 1, each duplicate in its own POST after the original', async () => {
      sim.configure({ duplicateRate: 1 });
      const wamid = await accepted(orderUpdate('6281100000015'));
      await sim.idle();
      expect(statusNames(wamid)).toEqual(['sent', 'sent', 'delivered', 'delivered', 'read', 'read']);
      const [sent, sentAgain] = statusesOf(wamid);
      expect(sentAgain).toEqual(sent);
      const duplicates = sim.webhooks().filter((w) => w.duplicateOf !== undefined);
      expect(duplicates).toHaveLength(3);
      expect(receiver.received).toHaveLength(6);
    });

    it('with reorder, delivers each message’s statuses out of their natural order', async () => {
      sim.configure({ reorder: true, statusDelaysMs: { sent: 0, delivered: 0, read: 0 } });
      const wamids = [];
      for (let i = 0; i < 4; i++) wamids.push(await accepted(orderUpdate(`628110000002${i}`)));
      await sim.idle();
      for (const wamid of wamids) {
        const names = statusNames(wamid);
        expect([...names].sort()).toEqual(['delivered', 'read', 'sent']);
        expect(names).not.toEqual(['sent', 'delivered', 'read']);
      }
      // Applied monotonically, the simulator's own view still ends at read.
      expect(wamids.map((w) => sim.message(w)?.status)).toEqual(['read', 'read', 'read', 'read']);
    });

    it('batches statuses due together into one POST, at most batchStatuses each', async () => {
      const WINDOW_MS = 1000;
      sim.configure({ batchStatuses: 4, batchWindowMs: WINDOW_MS, statusDelaysMs: { sent: 1, delivered: 1, read: 1 } });
      const started = Date.now();
      await Promise.all([0, 1, 2].map((i) => accepted(orderUpdate(`628110000003${i}`))));
      const sentWithinWindow = Date.now() - started < WINDOW_MS;
      await sim.idle();
      const perPost = receiver.received.map((w) => (w.body.entry[0].changes[0].value as { statuses: unknown[] }).statuses.length);
      expect(receiver.statuses()).toHaveLength(9);
      expect(perPost.every((n) => n <= 4)).toBe(true);
      // All nine statuses fall in the first window unless this machine took longer than it to send three messages.
      if (sentWithinWindow) expect(perPost).toEqual([4, 4, 1]);
    });
  });

  describe('injected faults and latency', () => {
    it('answers serverError with HTTP 500 code 131000 or a bare 503, and accepts nothing', async () => {
      sim.configure({ rates: { serverError: 1 } });
      const answers = [];
      for (let i = 0; i < 12; i++) answers.push(await api.send(PHONE, orderUpdate(`62811000004${String(i).padStart(2, '0')}`)));
      for (const a of answers) {
        if (a.status === 500) expect(a.body.error.code).toBe(131000);
        else expect([a.status, a.body]).toEqual([503, 'Service Unavailable']);
      }
      expect(new Set(answers.map((a) => a.status))).toEqual(new Set([500, 503]));
      expect(sim.messages()).toEqual([]);
      expect(sim.stats()[PHONE].rejected).toBe(12);
    });

    it('never answers a timed-out request and delivers nothing for it', async () => {
      sim.configure({ rates: { timeout: 1 } });
      await expect(api.send(PHONE, orderUpdate('6281100000050'), 'messages', AbortSignal.timeout(150))).rejects.toThrow();
      await sim.idle();
      expect(sim.messages()).toEqual([]);
      expect(receiver.received).toEqual([]);
      expect(sim.stats()[PHONE]).toMatchObject({ accepted: 0, timedOut: 1 });
      expect(sim.requests()[0].status).toBeUndefined();
    });

    it('replays the same random outcomes from the same seed', async () => {
      const run = async () => {
        sim.configure({ seed: 99, rates: { notOnWhatsApp: 0.5 } });
        const outcomes = [];
        for (let i = 0; i < 16; i++) {
          const wamid = await accepted(orderUpdate(`62811000006${String(i).padStart(2, '0')}`));
          outcomes.push(sim.message(wamid)?.finalStatus);
        }
        return outcomes;
      };
      const first = await run();
      const second = await run();
      expect(second).toEqual(first);
      expect(first).toContain('failed');
      expect(first).toContain('read');
    });

    it('adds the configured latency to Graph answers', async () => {
      sim.configure({ latencyMs: { min: 80, max: 80 } });
      const started = Date.now();
      await api.send(PHONE, orderUpdate('6281100000070'));
      expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    });
  });
});
