import { createHash } from 'node:crypto';
import { Client } from 'pg';
import type { InboundMessage, MessageStatus, WebhookContact, WebhookEnvelope } from '../src/whatsapp/cloud-api.types';
import { advances, advancesSql, DELIVERY_STATUSES, TrackedStatus } from '../src/whatsapp/delivery-status';
import { signWebhook } from '../src/whatsapp/webhook-signature';
import { WebhookProcessorService } from '../src/webhooks/webhook-processor.service';
import { createTestDatabase } from './support/database';
import { eventually, TestEnv } from './support/app';
import { client } from './support/http';

const SECRET = 'test-app-secret';
const PHONE_NUMBER_ID = '1000000001';
const WABA = '2000000001';
let sequence = 0;

function envelope(changes: WebhookEnvelope['entry'][number]['changes']): WebhookEnvelope {
  return { object: 'whatsapp_business_account', entry: [{ id: WABA, changes }] };
}

function messages(items: InboundMessage[], contacts: WebhookContact[] = items.map((m) => ({ wa_id: m.from, profile: { name: `User ${m.from}` } }))) {
  return envelope([
    {
      field: 'messages',
      value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '62215000001', phone_number_id: PHONE_NUMBER_ID }, contacts, messages: items },
    },
  ]);
}

function statuses(items: MessageStatus[]) {
  return envelope([
    {
      field: 'messages',
      value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '62215000001', phone_number_id: PHONE_NUMBER_ID }, statuses: items },
    },
  ]);
}

const text = (from: string, body: string, at = 1_750_000_000): InboundMessage => ({
  from,
  id: `wamid.in.${++sequence}`,
  timestamp: String(at),
  type: 'text',
  text: { body },
});

const status = (id: string, s: string, at: number, extra: Partial<MessageStatus> = {}): MessageStatus => ({
  id,
  status: s,
  timestamp: String(at),
  recipient_id: '6281300000001',
  ...extra,
});

describe('WhatsApp webhooks', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;
  let processor: WebhookProcessorService;

  beforeAll(async () => {
    env = await TestEnv.create({ WHATSAPP_APP_SECRET: SECRET, WHATSAPP_VERIFY_TOKEN: 'verify-me' });
    await env.startApi();
    await env.startWorker();
    api = client(env.url);
    processor = env.get(WebhookProcessorService);
  });
  afterAll(() => env.close());

  /** Posts a delivery signed like Meta does, over the exact bytes sent. */
  async function post(body: unknown, sign: (raw: string) => string | undefined = (raw) => signWebhook(raw, SECRET)) {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const signature = sign(raw);
    const res = await fetch(`${env.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
      body: raw,
    });
    return { status: res.status, body: (await res.json()) as { code?: string } };
  }

  /**
   * Posts a delivery and waits until it is processed, by whichever drain gets to it (the worker
   * polls on its own too); returns the number of new events the processor found in it.
   */
  async function deliver(body: unknown): Promise<{ events: number }> {
    const raw = JSON.stringify(body);
    expect((await post(raw)).status).toBe(200);
    const sha = createHash('sha256').update(raw).digest('hex');
    return eventually(async () => {
      await processor.drain();
      const [row] = await env.db.query(`SELECT events FROM webhook_deliveries WHERE body_sha256 = $1 AND processed_at IS NOT NULL`, [sha]);
      return row ? { events: row.events as number } : undefined;
    }, 10_000, 'the delivery to be processed');
  }

  const contact = async (phone: string) => (await api.get(`/v1/contacts?phone=${encodeURIComponent(phone)}`)).body.data[0];
  const ledger = async (id: string) => (await api.get(`/v1/contacts/${id}/consents`)).body.data;
  const count = async (sql: string, params: unknown[] = []) => Number((await env.db.query(sql, params))[0].count);

  describe('intake', () => {
    it('answers the verification handshake only with the right token', async () => {
      const ok = await fetch(`${env.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe('1158201444');
      const wrong = await fetch(`${env.url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
      expect(wrong.status).toBe(403);
      expect(((await wrong.json()) as { code: string }).code).toBe('WEBHOOK_VERIFY_FAILED');
    });

    it('refuses a missing or wrong signature, and a body changed after signing, storing nothing', async () => {
      const before = await count(`SELECT count(*) FROM webhook_deliveries`);
      const body = statuses([status('wamid.sig', 'sent', 1)]);
      expect(await post(body, () => undefined)).toEqual({ status: 401, body: expect.objectContaining({ code: 'WEBHOOK_SIGNATURE_MISSING' }) });
      expect((await post(body, (raw) => signWebhook(raw, 'another-secret'))).body.code).toBe('WEBHOOK_SIGNATURE_INVALID');
      expect((await post(body, () => 'sha256=xyz')).body.code).toBe('WEBHOOK_SIGNATURE_INVALID');
      const signedOther = signWebhook(JSON.stringify(body), SECRET);
      expect((await post(JSON.stringify(body).replace('sent', 'read'), () => signedOther)).body.code).toBe('WEBHOOK_SIGNATURE_INVALID');
      expect(await count(`SELECT count(*) FROM webhook_deliveries`)).toBe(before);
    });

    it('needs no API key, checks the signature over non-ASCII bytes, and stores a repeated delivery once', async () => {
      const body = messages([text('6281300000099', 'Halo, apa kabar? 🙏 ñ')]);
      const raw = JSON.stringify(body);
      expect(Buffer.byteLength(raw)).toBeGreaterThan(raw.length);
      expect((await post(raw)).status).toBe(200);
      expect((await post(raw)).status).toBe(200);
      expect(await count(`SELECT count(*) FROM webhook_deliveries WHERE body = $1`, [raw])).toBe(1);
    });

    it('refuses a signed body that is not a WhatsApp webhook', async () => {
      expect((await post('{"object":')).body.code).toBe('WEBHOOK_MALFORMED');
      expect((await post({ object: 'page', entry: [] })).body.code).toBe('WEBHOOK_MALFORMED');
    });
  });

  describe('inbound messages', () => {
    it('create an unknown sender without consent and open its 24-hour window', async () => {
      await deliver(messages([text('6281300000001', 'Halo', 1_750_000_000)]));
      const c = await contact('+6281300000001');
      expect(c).toMatchObject({ waId: '6281300000001', country: 'ID', name: 'User 6281300000001', lastInboundAt: '2025-06-15T15:06:40.000Z' });
      expect(c.consent.marketing.status).toBeNull();
      expect(await ledger(c.id)).toEqual([]);
      // an older message delivered late does not move the window back
      await deliver(messages([text('6281300000001', 'earlier', 1_749_000_000)]));
      expect((await contact('+6281300000001')).lastInboundAt).toBe('2025-06-15T15:06:40.000Z');
    });

    it('record an opt-out for a stop keyword, as the whole message, in any case', async () => {
      await deliver(messages([text('6281300000002', '  berhenti  ', 1_750_000_100)]));
      const c = await contact('+6281300000002');
      expect(c.consent.marketing).toEqual({ status: 'opted_out', since: '2025-06-15T15:08:20.000Z' });
      expect(c.consent.utility.status).toBe('opted_out');
      const [event] = await ledger(c.id);
      expect(event).toMatchObject({ kind: 'opt_out', scope: 'all', source: 'keyword', wording: '  berhenti  ', evidence: { phoneNumberId: PHONE_NUMBER_ID } });
      expect(event.evidence.messageId).toMatch(/^wamid\.in\./);

      await deliver(messages([text('6281300000003', 'Stop Promo')]));
      const promo = await contact('+6281300000003');
      expect(promo.consent).toMatchObject({ marketing: { status: 'opted_out' }, utility: { status: null } });

      await deliver(messages([text('6281300000004', 'please stop sending me these')]));
      expect(await ledger((await contact('+6281300000004')).id)).toEqual([]);
    });

    it('record an opt-out for a stop button, quick reply or interactive', async () => {
      await deliver(
        messages([
          { from: '6281300000005', id: `wamid.in.${++sequence}`, timestamp: '1750000200', type: 'button', button: { payload: 'STOP_PROMO', text: 'Stop promotions' } },
          {
            from: '6281300000006',
            id: `wamid.in.${++sequence}`,
            timestamp: '1750000200',
            type: 'interactive',
            interactive: { type: 'button_reply', button_reply: { id: 'unsubscribe', title: 'Berhenti' } },
          },
          { from: '6281300000007', id: `wamid.in.${++sequence}`, timestamp: '1750000200', type: 'button', button: { payload: 'YES_PLEASE', text: 'Yes' } },
        ]),
      );
      for (const [phone, wording] of [
        ['+6281300000005', 'Stop promotions'],
        ['+6281300000006', 'Berhenti'],
      ]) {
        const c = await contact(phone);
        expect(c.consent).toMatchObject({ marketing: { status: 'opted_out' }, utility: { status: null } });
        expect((await ledger(c.id))[0]).toMatchObject({ source: 'button', scope: 'marketing', wording });
      }
      expect((await contact('+6281300000007')).consent.marketing.status).toBeNull();
    });

    it('process a message once, however often and in whatever batch it is delivered', async () => {
      const stop = text('6281300000008', 'STOP', 1_750_000_300);
      const first = await deliver(messages([stop]));
      expect(first.events).toBe(1);
      const again = await deliver(messages([text('6281300000009', 'hi'), stop]));
      expect(again.events).toBe(1);
      expect(await ledger((await contact('+6281300000008')).id)).toHaveLength(1);
      expect(await count(`SELECT count(*) FROM inbound_messages WHERE wamid = $1`, [stop.id])).toBe(1);
    });

    it('identify a user known only by business-scoped user id, and bring back a deleted contact', async () => {
      await deliver(
        messages(
          [{ from_user_id: 'ID.1349120865530274', id: `wamid.in.${++sequence}`, timestamp: '1750000400', type: 'text', text: { body: 'hello' } }],
          [{ user_id: 'ID.1349120865530274', profile: { name: 'anon' } }],
        ),
      );
      const [row] = await env.db.query(`SELECT phone, bsuid, last_inbound_at IS NOT NULL AS window FROM contacts WHERE bsuid = 'ID.1349120865530274'`);
      expect(row).toEqual({ phone: null, bsuid: 'ID.1349120865530274', window: true });

      const created = await api.post('/v1/contacts', { phone: '+6281300000010', name: 'Old' });
      await api.post(`/v1/contacts/${created.body.id}/opt-out`, {});
      await api.delete(`/v1/contacts/${created.body.id}`);
      await deliver(messages([text('6281300000010', 'I am back')]));
      expect(await contact('+6281300000010')).toMatchObject({ id: created.body.id, name: 'User 6281300000010', consent: { marketing: { status: 'opted_out' } } });
    });

    it('apply a user_preferences stop or resume as a marketing consent event, once', async () => {
      const preference = (value: 'stop' | 'resume', at: number) =>
        envelope([
          {
            field: 'user_preferences',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '62215000001', phone_number_id: PHONE_NUMBER_ID },
              contacts: [{ wa_id: '6281300000011', profile: { name: 'Pref' } }],
              user_preferences: [{ wa_id: '6281300000011', detail: 'User requested to stop marketing messages', category: 'marketing_messages', value, timestamp: at }],
            },
          },
        ]);
      await deliver(preference('stop', 1_750_000_500));
      const c = await contact('+6281300000011');
      expect(c.consent.marketing).toEqual({ status: 'opted_out', since: '2025-06-15T15:15:00.000Z' });
      expect(c.lastInboundAt).toBeNull(); // a signal is not a message: no window
      // the same change inside a differently shaped delivery is still one event
      await deliver({ ...preference('stop', 1_750_000_500), extra: true });
      expect(await ledger(c.id)).toHaveLength(1);
      await deliver(preference('resume', 1_750_000_600));
      expect((await contact('+6281300000011')).consent.marketing.status).toBe('opted_in');
      expect((await ledger(c.id)).map((e: { source: string; kind: string }) => `${e.source}:${e.kind}`)).toEqual([
        'whatsapp_signal:opt_out',
        'whatsapp_signal:opt_in',
      ]);
    });
  });

  describe('statuses', () => {
    const state = async (wamid: string) => (await env.db.query(`SELECT status, callback_data, error_code FROM message_statuses WHERE wamid = $1`, [wamid]))[0];

    it('move forward only, whatever order they arrive in', async () => {
      await deliver(statuses([status('wamid.s1', 'read', 30), status('wamid.s1', 'delivered', 20)]));
      await deliver(statuses([status('wamid.s1', 'sent', 10, { biz_opaque_callback_data: 'c:1:r:2' })]));
      expect(await state('wamid.s1')).toEqual({ status: 'read', callback_data: 'c:1:r:2', error_code: null });

      await deliver(statuses([status('wamid.s2', 'sent', 10), status('wamid.s2', 'delivered', 20), status('wamid.s2', 'read', 30)]));
      expect((await state('wamid.s2')).status).toBe('read');
    });

    it('keep failed as final, with its error code', async () => {
      await deliver(
        statuses([status('wamid.s3', 'failed', 15, { errors: [{ code: 131026, title: 'Message undeliverable' }] }), status('wamid.s3', 'sent', 10)]),
      );
      await deliver(statuses([status('wamid.s3', 'delivered', 20)]));
      expect(await state('wamid.s3')).toMatchObject({ status: 'failed', error_code: 131026 });
    });

    it('record each (message, status) once, however often it is repeated', async () => {
      const repeated = status('wamid.s4', 'delivered', 20, { pricing: { billable: true, pricing_model: 'PMP', category: 'marketing', type: 'regular' } });
      expect((await deliver(statuses([repeated, repeated]))).events).toBe(1);
      expect((await deliver(statuses([repeated, status('wamid.s4', 'sent', 10)]))).events).toBe(1);
      expect(await count(`SELECT count(*) FROM message_status_events WHERE wamid = 'wamid.s4'`)).toBe(2);
      const [row] = await env.db.query(`SELECT pricing FROM message_statuses WHERE wamid = 'wamid.s4'`);
      expect(row.pricing).toMatchObject({ category: 'marketing' });
    });
  });

  it('keeps template and other account events once each, for their module', async () => {
    const update = envelope([
      {
        field: 'message_template_status_update',
        value: { event: 'APPROVED', message_template_id: 123, message_template_name: 'spring_sale', message_template_language: 'id', reason: null },
      },
      { field: 'phone_number_quality_update', value: { display_phone_number: '62215000001', event: 'UPGRADE', current_limit: 'TIER_10K' } },
    ]);
    update.entry[0].time = 1_750_000_700;
    expect((await deliver(update)).events).toBe(2);
    // the same changes at the same time, re-batched into another delivery: still the same events
    expect((await deliver({ ...update, resent: 1 })).events).toBe(0);
    // the same change at a later time is a new event (approved, paused, approved again)
    expect((await deliver({ ...update, entry: [{ ...update.entry[0], time: 1_750_000_800 }] })).events).toBe(2);
    const rows = await env.db.query(`SELECT field, payload->>'event' AS event FROM whatsapp_events ORDER BY id`);
    expect(rows).toEqual(
      expect.arrayContaining([
        { field: 'message_template_status_update', event: 'APPROVED' },
        { field: 'phone_number_quality_update', event: 'UPGRADE' },
      ]),
    );
  });

  it('keeps a field we do not subscribe to as an account event too', async () => {
    const update = envelope([{ field: 'business_capability_update', value: { max_daily_conversation_per_phone: 1000 } } as never]);
    update.entry[0].time = 1_750_000_900;
    expect((await deliver(update)).events).toBe(1);
    expect((await deliver({ ...update, resent: 1 })).events).toBe(0);
    const rows = await env.db.query(`SELECT payload FROM whatsapp_events WHERE field = 'business_capability_update'`);
    expect(rows).toEqual([{ payload: { max_daily_conversation_per_phone: 1000 } }]);
  });

  it('sets aside a change that cannot be processed, with its error, without holding back the others', async () => {
    const broken = envelope([{ field: 'messages', value: { statuses: [{ id: 'wamid.broken', status: 'sent', timestamp: '1' }] } as never }]);
    const { events } = await deliver(broken);
    expect(events).toBe(0);
    await deliver(messages([text('6281300000012', 'fine')]));
    expect(await contact('+6281300000012')).toBeDefined();
    const [row] = await env.db.query(
      `SELECT d.attempts, d.last_error, e.code, e.item_kind FROM webhook_deliveries d JOIN webhook_item_errors e ON e.delivery_id = d.id
        WHERE d.body LIKE '%wamid.broken%'`,
    );
    expect(row).toEqual({ attempts: 0, last_error: null, code: 'metadata_missing', item_kind: 'change' });
  });

  it('processes deliveries on its own, without anyone calling it', async () => {
    expect((await post(messages([text('6281300000013', 'auto')]))).status).toBe(200);
    const deadline = Date.now() + 10_000;
    while (!(await contact('+6281300000013')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await contact('+6281300000013')).toBeDefined();
  });
});

describe('delivery status order', () => {
  it('in TypeScript and in SQL agree on every pair', async () => {
    const db = await createTestDatabase();
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const currents: Array<TrackedStatus | undefined> = [undefined, ...DELIVERY_STATUSES];
      for (const current of currents) {
        for (const incoming of DELIVERY_STATUSES) {
          const { rows } = await pg.query(`SELECT ${advancesSql('$1::text', '$2::text')} AS advances`, [current ?? null, incoming]);
          expect({ current, incoming, advances: rows[0].advances }).toEqual({ current, incoming, advances: advances(current, incoming) });
        }
      }
      expect(advances('delivered', 'read')).toBe(true);
      expect(advances('read', 'delivered')).toBe(false);
      expect(advances('failed', 'read')).toBe(false);
      expect(advances('delivered', 'failed')).toBe(true);
    } finally {
      await pg.end();
      await db.drop();
    }
  });
});
