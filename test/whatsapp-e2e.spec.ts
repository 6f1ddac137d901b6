import { CloudApiClient } from '../src/whatsapp/cloud-api.client';
import { CloudApiError } from '../src/whatsapp/cloud-api.error';
import { startSimulator, Simulator } from './simulator/simulator';
import { eventually, TestEnv } from './support/app';
import { client } from './support/http';

/**
 * The whole loop over real HTTP: our client sends to the Cloud API simulator, the simulator sends
 * signed webhooks back to our API, and our worker applies them.
 */
describe('WhatsApp end to end, against the Cloud API simulator', () => {
  let sim: Simulator;
  let env: TestEnv;
  let cloud: CloudApiClient;
  let api: ReturnType<typeof client>;
  const sender = { phoneNumberId: '1000000001' };

  beforeAll(async () => {
    sim = await startSimulator({ seed: 7, statusDelaysMs: { sent: 5, delivered: 10, read: 15 } });
    env = await TestEnv.create({
      WHATSAPP_API_URL: sim.url,
      WHATSAPP_ACCESS_TOKEN: 'sim-token',
      WHATSAPP_APP_SECRET: 'sim-app-secret',
      WHATSAPP_PHONE_NUMBER_ID: '1000000001',
      WHATSAPP_WABA_ID: '2000000001',
      WHATSAPP_TIMEOUT_MS: '2000',
    });
    await env.startApi();
    await env.startWorker();
    sim.configure({ webhookUrl: `${env.url}/webhooks/whatsapp` });
    cloud = new CloudApiClient(env.config);
    api = client(env.url);
  });
  afterAll(async () => {
    await cloud.close();
    await sim.stop();
    await env.close();
  });

  const contact = (phone: string) =>
    eventually(async () => (await api.get(`/v1/contacts?phone=${encodeURIComponent(phone)}`)).body.data[0], 10_000, `contact ${phone}`);

  const statusOf = (wamid: string, until: (row: { status: string; error_code: number | null }) => boolean) =>
    eventually(async () => {
      const [row] = await env.db.query(`SELECT status, error_code, callback_data, pricing FROM message_statuses WHERE wamid = $1`, [wamid]);
      return row && until(row) ? row : undefined;
    }, 10_000, `status of ${wamid}`);

  it('a user who writes gets a contact and an open window; a reply is sent, delivered and read', async () => {
    sim.sendInbound({ from: '6281400000001', name: 'Ana', text: 'Halo, ada promo?' });
    const ana = await contact('+6281400000001');
    expect(ana).toMatchObject({ name: 'Ana', waId: '6281400000001', consent: { marketing: { status: null } } });
    expect(ana.lastInboundAt).not.toBeNull();

    const sent = await cloud.sendMessage(sender, '+6281400000001', { type: 'text', text: { body: '*Ada!* Diskon 20% hari ini', preview_url: false } }, { callbackData: 'test:reply:1' });
    expect(sent).toMatchObject({ waId: '6281400000001', messageStatus: 'accepted' });
    const row = await statusOf(sent.messageId, (r) => r.status === 'read');
    expect(row).toMatchObject({ callback_data: 'test:reply:1', pricing: expect.objectContaining({ category: 'service' }) });
    expect(await env.db.query(`SELECT status FROM message_status_events WHERE wamid = $1 ORDER BY status`, [sent.messageId])).toEqual([
      { status: 'delivered' },
      { status: 'read' },
      { status: 'sent' },
    ]);
  });

  it('a session message to someone whose window is closed fails later with 131047', async () => {
    const sent = await cloud.sendMessage(sender, '6281400000002', { type: 'text', text: { body: 'Hello?' } });
    expect(await statusOf(sent.messageId, (r) => r.status === 'failed')).toMatchObject({ error_code: 131047 });
  });

  it('a STOP reply, a stop button and a WhatsApp stop signal each record an opt-out', async () => {
    sim.sendInbound({ from: '6281400000003', text: 'STOP' });
    sim.sendInbound({ from: '6281400000004', buttonPayload: 'STOP_PROMO', buttonText: 'Stop promosi' });
    sim.sendUserPreference({ from: '6281400000005', value: 'stop' });
    const sources = ['keyword', 'button', 'whatsapp_signal'];
    for (const [i, phone] of ['+6281400000003', '+6281400000004', '+6281400000005'].entries()) {
      const c = await eventually(async () => {
        const found = (await api.get(`/v1/contacts?phone=${encodeURIComponent(phone)}`)).body.data[0];
        return found?.consent.marketing.status === 'opted_out' ? found : undefined;
      }, 10_000, `opt-out of ${phone}`);
      const [event] = (await api.get(`/v1/contacts/${c.id}/consents`)).body.data;
      expect(event).toMatchObject({ kind: 'opt_out', source: sources[i] });
    }
  });

  it('repeated and reordered statuses leave each message at its furthest status, each recorded once', async () => {
    sim.configure({ duplicateRate: 1, reorder: true });
    for (const n of [6, 7, 8]) sim.sendInbound({ from: `628140000000${n}`, text: 'hi' });
    await contact('+6281400000008');
    const wamids: string[] = [];
    for (const n of [6, 7, 8]) wamids.push((await cloud.sendMessage(sender, `628140000000${n}`, { type: 'text', text: { body: 'yo' } })).messageId);
    await sim.idle();
    for (const wamid of wamids) {
      // Every webhook was acknowledged (stored) by now; wait until the worker processed them all.
      const recorded = await eventually(async () => {
        const [row] = await env.db.query(
          `SELECT count(*)::int AS n FROM webhook_deliveries WHERE processed_at IS NULL`,
        );
        if (row.n > 0) return undefined;
        return (await env.db.query(`SELECT count(*)::int AS n FROM message_status_events WHERE wamid = $1`, [wamid]))[0].n as number;
      }, 10_000, 'all deliveries processed');
      expect(recorded).toBe(3);
      expect((await statusOf(wamid, () => true)).status).toBe('read');
    }
    const duplicates = sim.webhooks().filter((w) => (w as { duplicateOf?: unknown }).duplicateOf !== undefined);
    expect(duplicates.length).toBeGreaterThanOrEqual(9);
    sim.configure({ duplicateRate: 0, reorder: false });
  });

  it('sends an approved template; a wrong parameter count is refused as our bug, before anything is sent', async () => {
    sim.seedTemplate({
      name: 'spring_sale',
      language: 'id',
      category: 'MARKETING',
      components: [{ type: 'BODY', text: 'Halo {{1}}, diskon {{2}} untukmu', example: { body_text: [['Ana', '20%']] } }],
    });
    const sent = await cloud.sendMessage(
      sender,
      '6281400000009',
      {
        type: 'template',
        template: { name: 'spring_sale', language: { code: 'id' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Budi' }, { type: 'text', text: '20%' }] }] },
      },
      { templateCategory: 'MARKETING', callbackData: 'c:1:r:9' },
    );
    expect((await statusOf(sent.messageId, (r) => r.status === 'read')).pricing).toMatchObject({ category: 'marketing', billable: true });

    const wrong = await cloud
      .sendMessage(sender, '6281400000009', {
        type: 'template',
        template: { name: 'spring_sale', language: { code: 'id' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Budi' }] }] },
      })
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(CloudApiError);
    expect(wrong).toMatchObject({ code: 132000, errorClass: 'request_bug', delivery: 'not_sent' });
  });

  it('throughput beyond the number’s limit is refused with 130429, a transient error', async () => {
    sim.configure({ phoneNumbers: [{ id: '1000000001', wabaId: '2000000001', displayPhoneNumber: '+62 21 5000 0001', mps: 5 }] });
    for (let n = 10; n < 30; n++) sim.sendInbound({ from: `62814000000${n}`, text: 'hi' });
    await contact('+6281400000029');
    // An empty one-second window (earlier tests sent too), held still: however slowly this machine
    // sends the 20, the simulator sees them in one second.
    sim.setClock(Date.now() + 5_000);
    const before = sim.stats()['1000000001'];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => cloud.sendMessage(sender, `62814000000${10 + i}`, { type: 'text', text: { body: 'x' } }).catch((e: unknown) => e)),
    );
    const refused = results.filter((r) => r instanceof CloudApiError) as CloudApiError[];
    expect(results.length - refused.length).toBe(5);
    expect(refused.every((e) => e.code === 130429 && e.errorClass === 'transient' && e.delivery === 'not_sent')).toBe(true);
    const after = sim.stats()['1000000001'];
    expect(after.accepted - before.accepted).toBe(5);
    expect((after.rejectedByCode['130429'] ?? 0) - (before.rejectedByCode['130429'] ?? 0)).toBe(15);
    sim.setClock(null);
  });

  it('template review and status changes arrive as account events', async () => {
    const created = await cloud.createTemplate('2000000001', {
      name: 'order_ready',
      language: 'en_US',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Your order {{1}} is ready', example: { body_text: [['A-17']] } }],
    });
    expect(created.status).toBe('PENDING');
    const event = await eventually(async () => {
      const [row] = await env.db.query(
        `SELECT payload FROM whatsapp_events WHERE field = 'message_template_status_update' AND payload->>'message_template_name' = 'order_ready'`,
      );
      return row?.payload;
    }, 10_000, 'the template review webhook');
    expect(event).toMatchObject({ event: 'APPROVED', message_template_language: 'en_US' });
  });
});
