import { randomBytes } from 'node:crypto';
import type { InboundMessage, WebhookContact, WebhookEnvelope } from '../src/whatsapp/cloud-api.types';
import { TemplatesRepository } from '../src/templates/templates.repository';
import { WebhookDeliveriesRepository } from '../src/webhooks/webhook-deliveries.repository';
import { MAX_ATTEMPTS, retryDelayMs, WebhookProcessorService } from '../src/webhooks/webhook-processor.service';
import { TestEnv } from './support/app';
import { client } from './support/http';
import { importFinished, queueImport } from './support/imports';
import { caseFile, WebhookDriver } from './support/webhooks';

/**
 * Issue 8: one person, one contact; every opt-out honoured; webhooks as WhatsApp really sends them.
 * The cases from ../shared/cases/webhooks are posted as their exact bytes (test/fixtures/cases);
 * the other payloads follow Meta's webhook reference shapes.
 */
const SECRET = 'identities-app-secret';
const PHONE_NUMBER_ID = '106540352242922';
const OTHER_NUMBER_ID = '106540352242999';
const WABA = '102290129340398';
let sequence = 0;

function envelope(changes: WebhookEnvelope['entry'][number]['changes'], time?: number): WebhookEnvelope {
  return { object: 'whatsapp_business_account', entry: [{ id: WABA, ...(time ? { time } : {}), changes }] };
}

function messagesTo(phoneNumberId: string, items: unknown[], contacts?: WebhookContact[]): WebhookEnvelope {
  const value: Record<string, unknown> = { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId }, messages: items };
  if (contacts) value.contacts = contacts;
  return envelope([{ field: 'messages', value: value as never }]);
}

const messages = (items: unknown[], contacts?: WebhookContact[]) => messagesTo(PHONE_NUMBER_ID, items, contacts);

function text(from: string | undefined, body: string, at = 1_780_000_000, extra: Partial<InboundMessage> = {}): InboundMessage {
  return { ...(from === undefined ? {} : { from }), id: `wamid.identity.${++sequence}`, timestamp: String(at), type: 'text', text: { body }, ...extra };
}

/** A contact made through the API, opted in to everything (2026-01-01); resolves with its id. */
async function optedInContact(api: ReturnType<typeof client>, phone: string): Promise<string> {
  const res = await api.post('/v1/contacts', { phone, name: `Known ${phone}` });
  expect(res.status).toBe(201);
  const inRes = await api.post(`/v1/contacts/${res.body.id}/opt-in`, { scope: 'all', wording: 'Yes, WhatsApp offers', occurredAt: '2026-01-01T00:00:00Z' });
  expect(inRes.status).toBe(201);
  return res.body.id as string;
}

async function setUp(): Promise<{ env: TestEnv; api: ReturnType<typeof client>; hooks: WebhookDriver }> {
  const env = await TestEnv.create({ WHATSAPP_APP_SECRET: SECRET, WHATSAPP_VERIFY_TOKEN: 'verify-me' });
  await env.startApi();
  await env.startWorker();
  return { env, api: client(env.url), hooks: new WebhookDriver(env, env.get(WebhookProcessorService), SECRET) };
}

describe('webhook identities and opt-outs', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;
  let hooks: WebhookDriver;

  beforeAll(async () => ({ env, api, hooks } = await setUp()));
  afterAll(() => env.close());

  const contactsOf = async (phone: string) => (await api.get(`/v1/contacts?phone=${encodeURIComponent(phone)}`)).body.data;
  const contact = async (phone: string) => (await contactsOf(phone))[0];
  const ledger = async (id: string) => (await api.get(`/v1/contacts/${id}/consents`)).body.data;
  const optedIn = (phone: string) => optedInContact(api, phone);
  const consentOf = async (id: string) => (await api.get(`/v1/contacts/${id}`)).body.consent;
  const windows = (contactId: string) =>
    env.db.query(`SELECT phone_number_id, last_inbound_at FROM contact_windows WHERE contact_id = $1 ORDER BY phone_number_id`, [contactId]);
  const liveContacts = async (like: string) =>
    Number((await env.db.query(`SELECT count(*) FROM contacts WHERE phone LIKE $1 AND merged_into IS NULL`, [like]))[0].count);

  describe('wa_id forms (case 01 and each country)', () => {
    it('case 01: a STOP from Mexico 521 lands on the imported +52 contact, which keeps the wa_id', async () => {
      const id = await queueImport(api, caseFile('webhooks', '01-mexico-521-stop.contacts.csv'), {});
      expect(await importFinished(api, id)).toMatchObject({ status: 'completed', inserted: 1, error: null });
      const imported = await contact('+525512345678');
      expect(imported.consent.marketing.status).toBe('opted_in');

      await hooks.deliver(caseFile('webhooks', '01-mexico-521-stop.webhook.json'));
      const after = await contact('+525512345678');
      expect(after.id).toBe(imported.id);
      expect(after.waId).toBe('5215512345678');
      expect(after.consent).toMatchObject({ marketing: { status: 'opted_out' }, utility: { status: 'opted_out' } });
      expect((await ledger(after.id)).at(-1)).toMatchObject({ kind: 'opt_out', scope: 'all', source: 'keyword' });
      expect(await liveContacts('+52%')).toBe(1);
      expect(await liveContacts('+521%')).toBe(0);
    });

    it.each([
      ['Brazil, wa_id without the ninth digit', '+5511987654321', '551187654321'],
      ['Brazil, contact stored without the ninth digit', '+551187654322', '5511987654322'],
      ['Argentina, 549 for a contact stored as +54', '+541123456789', '5491123456789'],
      ['Argentina, 54 for a contact stored as +549', '+5491123456780', '541123456780'],
      ['Mexico, the current form', '+525587654321', '525587654321'],
    ])('%s: the STOP opts out the stored contact, and no other is created', async (_name, stored, waId) => {
      // Brazil's 8-digit form is not a valid number any more: store it the way an old import would have.
      const id = stored === '+551187654322' ? await legacyContact(stored) : await optedIn(stored);
      await hooks.deliver(messages([text(waId, 'STOP')], [{ wa_id: waId, profile: { name: 'Someone' } }]));
      const [row] = await env.db.query(`SELECT phone, wa_id, marketing_consent FROM contacts WHERE id = $1`, [id]);
      expect(row).toEqual({ phone: stored, wa_id: waId, marketing_consent: 'opted_out' });
      expect(Number((await env.db.query(`SELECT count(*) FROM contacts WHERE wa_id = $1 OR phone = $2`, [waId, `+${waId}`]))[0].count)).toBe(1);
    });

    async function legacyContact(phone: string): Promise<string> {
      const [row] = await env.db.query(
        `INSERT INTO contacts (phone, country, marketing_consent, marketing_consent_at, utility_consent, utility_consent_at)
         VALUES ($1, 'BR', 'opted_in', '2026-01-01Z', 'opted_in', '2026-01-01Z') RETURNING id::text AS id`,
        [phone],
      );
      return row.id;
    }

    it('a status addressed to the 521 form teaches the contact its wa_id; a 131050 failure is a marketing opt-out', async () => {
      const id = await optedIn('+525511112222');
      const base = { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID } };
      await hooks.deliver(
        envelope([{ field: 'messages', value: { ...base, statuses: [{ id: 'wamid.out.mx.1', status: 'sent', timestamp: '1780000100', recipient_id: '5215511112222' }] } as never }]),
      );
      expect((await env.db.query(`SELECT wa_id FROM contacts WHERE id = $1`, [id]))[0].wa_id).toBe('5215511112222');
      expect((await consentOf(id)).marketing.status).toBe('opted_in');

      const failed = { id: 'wamid.out.mx.2', status: 'failed', timestamp: '1780000200', recipient_id: '5215511112222', errors: [{ code: 131050, title: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.' }] };
      await hooks.deliver(envelope([{ field: 'messages', value: { ...base, statuses: [failed] } as never }]));
      expect(await consentOf(id)).toMatchObject({ marketing: { status: 'opted_out', since: '2026-05-28T20:30:00.000Z' }, utility: { status: 'opted_in' } });
      expect((await ledger(id)).at(-1)).toMatchObject({ kind: 'opt_out', scope: 'marketing', source: 'whatsapp_signal', evidence: { messageId: 'wamid.out.mx.2', errorCode: 131050 } });
    });
  });

  describe('every opt-out recognised', () => {
    it('case 02: eight ways of writing STOP each opt their sender out', async () => {
      const { events } = await hooks.deliver(caseFile('webhooks', '02-stop-with-punctuation.webhook.json'));
      expect(events).toBe(8);
      for (let i = 1; i <= 8; i++) {
        const c = await contact(`+628122000000${i}`);
        expect([i, c.consent.marketing.status, c.consent.utility.status]).toEqual([i, 'opted_out', 'opted_out']);
      }
    });

    it('case 02 kind: invisible format characters, trailing blanks and Indonesian wording are opt-outs too', async () => {
      const bodies = ['STOP\u200b', '\u2066STOP\u2069', 'ST\u00adOP', `STOP${' '.repeat(300)}`, 'stop langganan', 'Berhenti berlangganan'];
      await hooks.deliver(messages(bodies.map((body, i) => text(`62812200002${i}1`, body))));
      for (let i = 0; i < bodies.length; i++) {
        expect([bodies[i], (await contact(`+62812200002${i}1`)).consent.marketing.status]).toEqual([bodies[i], 'opted_out']);
      }
    });

    it('a sentence that contains the word is not an opt-out', async () => {
      await hooks.deliver(messages([text('6281220000101', "don't stop sending me deals")]));
      expect((await contact('+6281220000101')).consent.marketing.status).toBeNull();
    });

    it('a quick reply without a payload (its text as payload) is checked against the stop keywords', async () => {
      const id = await optedIn('+6281220000102');
      const tap = { from: '6281220000102', id: `wamid.identity.${++sequence}`, timestamp: '1780000300', type: 'button', button: { payload: 'Stop promotions', text: 'Stop promotions' } };
      await hooks.deliver(messages([tap]));
      expect(await consentOf(id)).toMatchObject({ marketing: { status: 'opted_out' }, utility: { status: 'opted_in' } });
      expect((await ledger(id)).at(-1)).toMatchObject({ source: 'button', scope: 'marketing', wording: 'Stop promotions' });
    });

    it('a text with NUL characters is kept, and a STOP followed by one is still a STOP', async () => {
      const raw = JSON.stringify(messages([text('6281220000103', 'STOP\u0000'), text('6281220000104', 'hi\u0000there')]));
      expect(raw).toContain('\\u0000');
      await hooks.deliver(raw);
      expect((await contact('+6281220000103')).consent.marketing.status).toBe('opted_out');
      const [row] = await env.db.query(`SELECT text_body FROM inbound_messages WHERE from_wa_id = '6281220000104'`);
      expect(row.text_body).toBe('hi\ufffdthere');
    });
  });

  describe('senders as WhatsApp writes them', () => {
    it('case 03: a `from` with a leading + is read', async () => {
      await hooks.deliver(caseFile('webhooks', '03-from-with-plus-stop.webhook.json'));
      const c = await contact('+16505551234');
      expect(c).toMatchObject({ waId: '16505551234', name: 'Contoh Pelanggan', consent: { marketing: { status: 'opted_out' } } });
    });

    it('a message whose sender cannot be read is set aside with an error, not dropped', async () => {
      const unreadable = text('not-a-number', 'STOP');
      const { events, id } = await hooks.deliver(messages([unreadable], [{ wa_id: '6281220009201', profile: { name: 'Someone else' } }]));
      expect(events).toBe(0);
      const errors = await env.db.query(`SELECT code, item->>'id' AS wamid FROM webhook_item_errors WHERE delivery_id = $1`, [id]);
      expect(errors).toEqual([{ code: 'sender_unreadable', wamid: unreadable.id }]);
      // The only contacts[] entry is another person: never taken for the unreadable sender.
      expect(await contactsOf('+6281220009201')).toHaveLength(0);
    });

    it('contacts[] entries are matched to their messages by wa_id and user_id, never by position', async () => {
      const a = text('6281220000301', 'hello');
      const b = text(undefined, 'hello too', 1_780_000_000, { from_user_id: 'ID.5550000000000302' });
      const c = text('6281220000303', 'no entry for me');
      await hooks.deliver(
        messages(
          [a, b, c],
          [
            { user_id: 'ID.5550000000000302', profile: { name: 'Bea' } },
            { wa_id: '6281220000301', user_id: 'ID.5550000000000301', profile: { name: 'Ari' } },
          ],
        ),
      );
      expect(await contact('+6281220000301')).toMatchObject({ name: 'Ari', bsuid: 'ID.5550000000000301' });
      expect(await contact('+6281220000303')).toMatchObject({ name: null, bsuid: null });
      const [bea] = await env.db.query(`SELECT phone, name FROM contacts WHERE bsuid = 'ID.5550000000000302'`);
      expect(bea).toEqual({ phone: null, name: 'Bea' });
    });

    it('case 04: one bad item does not hold back the STOP in the same delivery', async () => {
      const { id } = await hooks.deliver(caseFile('webhooks', '04-one-bad-item-with-a-stop.webhook.json'));
      const stop = await env.db.query(`SELECT kind, scope FROM consent_events WHERE evidence->>'messageId' = 'wamid.POISON1'`);
      expect(stop).toEqual([{ kind: 'opt_out', scope: 'all' }]);
      const errors = await env.db.query(`SELECT code, item->>'id' AS wamid FROM webhook_item_errors WHERE delivery_id = $1`, [id]);
      expect(errors).toEqual([{ code: 'message_type_missing', wamid: 'wamid.POISON2' }]);
      expect(await contactsOf('+16505551235')).toHaveLength(0);
    });

    it('an item the database refuses is set aside on the retry, and the rest of the delivery commits', async () => {
      const stop = text('6281220000401', 'STOP');
      const base = { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID } };
      // A wamid longer than any index entry can hold (random, so it does not compress): PostgreSQL refuses the row (54000).
      const huge = { id: `wamid.${randomBytes(8000).toString('base64')}`, status: 'sent', timestamp: '1780000000', recipient_id: '6281220000401' };
      const { id } = await hooks.deliver(envelope([{ field: 'messages', value: { ...base, messages: [stop], statuses: [huge] } as never }]));
      expect((await contact('+6281220000401')).consent.marketing.status).toBe('opted_out');
      const errors = await env.db.query(`SELECT code, item_kind FROM webhook_item_errors WHERE delivery_id = $1`, [id]);
      expect(errors).toEqual([{ code: 'processing_failed', item_kind: 'status' }]);
      const [delivery] = await env.db.query(`SELECT attempts, last_error FROM webhook_deliveries WHERE id = $1`, [id]);
      expect(delivery).toEqual({ attempts: 0, last_error: null });
    });

    it('a part of a change that is not a list is set aside; a STOP in another change of the delivery still applies', async () => {
      const base = { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID } };
      const stop = text('6282100000021', 'STOP');
      const { id } = await hooks.deliver(
        envelope([
          { field: 'messages', value: { ...base, messages: text('6282100000022', 'an object, not a list'), statuses: { id: 'wamid.x', status: 'sent' } } as never },
          { field: 'messages', value: { ...base, messages: [stop] } as never },
        ]),
      );
      expect((await contact('+6282100000021')).consent.marketing.status).toBe('opted_out');
      const errors = await env.db.query(`SELECT code, item_kind FROM webhook_item_errors WHERE delivery_id = $1 ORDER BY id`, [id]);
      expect(errors).toEqual([
        { code: 'change_malformed', item_kind: 'messages' },
        { code: 'change_malformed', item_kind: 'statuses' },
      ]);
      const [delivery] = await env.db.query(`SELECT attempts, processed_at IS NOT NULL AS processed FROM webhook_deliveries WHERE id = $1`, [id]);
      expect(delivery).toEqual({ attempts: 0, processed: true });
      // An entry whose changes are not a list is recorded too, not ignored.
      const { id: nullChanges } = await hooks.deliver({ object: 'whatsapp_business_account', entry: [{ id: WABA, changes: null }] });
      expect(await env.db.query(`SELECT code FROM webhook_item_errors WHERE delivery_id = $1`, [nullChanges])).toEqual([{ code: 'entry_malformed' }]);
    });

    it('a STOP with an unreadable or future timestamp applies, dated when it reached us; it opens no window; the problem is recorded', async () => {
      const now = Math.floor(Date.now() / 1000);
      const future = text('6282100000031', 'STOP', 4_102_444_800); // 2100-01-01
      const unreadable = { ...text('6282100000032', 'Stop.'), timestamp: 'abc' };
      const missing = { ...text('6282100000033', 'STOP') } as Record<string, unknown>;
      delete missing.timestamp;
      const corrupt = text('6282100000034', 'STOP', 5); // 1970
      const skewed = text('6282100000035', 'hello', now + 60); // WhatsApp's clock a minute ahead: its time is kept
      const { id } = await hooks.deliver(messages([future, unreadable, missing, corrupt, skewed]));
      for (const phone of ['+6282100000031', '+6282100000032', '+6282100000033', '+6282100000034']) {
        const c = await contact(phone);
        expect(c.consent.marketing.status).toBe('opted_out');
        expect(await windows(c.id)).toEqual([]);
        const [event] = await ledger(c.id);
        // Dated when the delivery reached Siaran: never 1970 (which every later opt-in would outrank), never 2100.
        expect(Math.abs(Date.parse(event.occurredAt) - Date.now())).toBeLessThan(120_000);
      }
      const [open] = await windows((await contact('+6282100000035')).id);
      expect(open.last_inbound_at.getTime()).toBe((now + 60) * 1000);
      const errors = await env.db.query(`SELECT code, item->>'id' AS wamid FROM webhook_item_errors WHERE delivery_id = $1 ORDER BY id`, [id]);
      expect(errors).toEqual([
        { code: 'timestamp_in_future', wamid: future.id },
        { code: 'timestamp_unreadable', wamid: unreadable.id },
        { code: 'timestamp_unreadable', wamid: missing.id },
        { code: 'timestamp_before_whatsapp', wamid: corrupt.id },
      ]);
    });

    it('value-level errors in a messages change are kept as an event', async () => {
      const base = { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID } };
      const errors = [{ code: 131000, title: 'Something went wrong', message: 'Something went wrong', error_data: { details: 'x' } }];
      const { events } = await hooks.deliver(envelope([{ field: 'messages', value: { ...base, errors } as never }], 1_780_000_500));
      expect(events).toBe(1);
      const [row] = await env.db.query(`SELECT payload FROM whatsapp_events WHERE field = 'messages.errors'`);
      expect(row.payload.errors).toEqual(errors);
    });
  });

  describe('BSUIDs', () => {
    it('a BSUID-only contact and the phone contact become one when a webhook shows both; its opt-out applies to the person', async () => {
      const phoneContact = await optedIn('+6281220000501');
      // The person, hiding their number, says STOP.
      await hooks.deliver(messages([text(undefined, 'STOP', 1_780_001_000, { from_user_id: 'ID.777000000501' })], [{ user_id: 'ID.777000000501', profile: { name: 'Hidden' } }]));
      const [hidden] = await env.db.query(`SELECT id::text AS id, marketing_consent FROM contacts WHERE bsuid = 'ID.777000000501'`);
      expect(hidden.marketing_consent).toBe('opted_out');
      expect((await consentOf(phoneContact)).marketing.status).toBe('opted_in');

      // Later a message shows the wa_id and the user_id together.
      await hooks.deliver(messages([text('6281220000501', 'hello', 1_780_002_000)], [{ wa_id: '6281220000501', user_id: 'ID.777000000501', profile: { name: 'Hidden' } }]));
      const merged = await contact('+6281220000501');
      expect(merged).toMatchObject({ id: phoneContact, bsuid: 'ID.777000000501', consent: { marketing: { status: 'opted_out' }, utility: { status: 'opted_out' } } });
      const [gone] = await env.db.query(`SELECT merged_into::text AS merged_into, phone, bsuid, deleted_at IS NOT NULL AS deleted FROM contacts WHERE id = $1`, [hidden.id]);
      expect(gone).toEqual({ merged_into: phoneContact, phone: null, bsuid: null, deleted: true });
      // The ledger is the person's: both events, the moved one saying where it was first recorded.
      const events = await env.db.query(`SELECT kind, merged_from_contact_id::text AS "from" FROM consent_events WHERE contact_id = $1 ORDER BY id`, [phoneContact]);
      expect(events).toEqual([{ kind: 'opt_in', from: null }, { kind: 'opt_out', from: hidden.id }]);
      const history = await env.db.query(`SELECT kind, from_value FROM contact_identity_events WHERE contact_id = $1`, [phoneContact]);
      expect(history).toEqual([{ kind: 'merged', from_value: hidden.id }]);
    });

    it('user_id_update and a user_changed_user_id notice move the BSUID', async () => {
      await hooks.deliver(messages([text('6281220000601', 'hi', 1_780_003_000)], [{ wa_id: '6281220000601', user_id: 'ID.888000000601', profile: { name: 'U' } }]));
      const update = { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID }, user_id_update: [{ wa_id: '6281220000601', detail: { previous: 'ID.888000000601', current: 'ID.888000000602' }, timestamp: '1780003100' }] };
      await hooks.deliver(envelope([{ field: 'user_id_update', value: update as never }], 1_780_003_100));
      expect((await contact('+6281220000601')).bsuid).toBe('ID.888000000602');

      const notice = { from_user_id: 'ID.888000000602', id: `wamid.identity.${++sequence}`, timestamp: '1780003200', type: 'system', system: { body: 'User changed user id', type: 'user_changed_user_id', user_id: 'ID.888000000603' } };
      await hooks.deliver(messages([notice]));
      const c = await contact('+6281220000601');
      expect(c.bsuid).toBe('ID.888000000603');
      const history = await env.db.query(`SELECT kind, from_value, to_value FROM contact_identity_events WHERE contact_id = $1 ORDER BY id`, [c.id]);
      expect(history).toEqual([
        { kind: 'bsuid_changed', from_value: 'ID.888000000601', to_value: 'ID.888000000602' },
        { kind: 'bsuid_changed', from_value: 'ID.888000000602', to_value: 'ID.888000000603' },
      ]);
      // The person's later STOP under the new BSUID is theirs.
      await hooks.deliver(messages([text(undefined, 'STOP', 1_780_003_300, { from_user_id: 'ID.888000000603' })]));
      expect((await contact('+6281220000601')).consent.marketing.status).toBe('opted_out');
    });
  });
});

describe('number changes and customer service windows', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;
  let hooks: WebhookDriver;

  beforeAll(async () => ({ env, api, hooks } = await setUp()));
  afterAll(() => env.close());

  const windows = (contactId: string) =>
    env.db.query(`SELECT phone_number_id, last_inbound_at FROM contact_windows WHERE contact_id = $1 ORDER BY phone_number_id`, [contactId]);

  it('case 07 (first: the member is also case 06’s person): a group message does not open the member’s 1:1 window', async () => {
    const { events } = await hooks.deliver(caseFile('webhooks', '07-group-message.webhook.json'));
    expect(events).toBe(1);
    const [row] = await env.db.query(`SELECT contact_id::text AS contact_id, group_id IS NOT NULL AS in_group, opens_window FROM inbound_messages WHERE type = 'text' AND group_id IS NOT NULL`);
    expect(row).toMatchObject({ in_group: true, opens_window: false });
    expect(await windows(row.contact_id)).toEqual([]);
  });

  it('case 06: the person moves to the new number, still opted out, the old number in history; the notice opens no window', async () => {
    await hooks.deliver(caseFile('webhooks', '06a-stop-from-old-number.webhook.json'));
    const before = (await api.get('/v1/contacts?phone=%2B16505551234')).body.data[0];
    expect(before.consent.marketing.status).toBe('opted_out');

    await hooks.deliver(caseFile('webhooks', '06b-user-changed-number.webhook.json'));
    const moved = (await api.get('/v1/contacts?phone=%2B12195555358')).body.data[0];
    expect(moved).toMatchObject({ id: before.id, phone: '+12195555358', waId: '12195555358', consent: { marketing: { status: 'opted_out' }, utility: { status: 'opted_out' } } });
    expect((await api.get('/v1/contacts?phone=%2B16505551234')).body.data).toHaveLength(0);
    const history = await env.db.query(`SELECT kind, from_value, to_value, occurred_at FROM contact_identity_events WHERE contact_id = $1`, [before.id]);
    expect(history).toEqual([{ kind: 'phone_changed', from_value: '+16505551234', to_value: '+12195555358', occurred_at: new Date(1_750_269_342_000) }]);
    // The window is still the STOP's (06a), not the notice's.
    expect(await windows(before.id)).toEqual([{ phone_number_id: PHONE_NUMBER_ID, last_inbound_at: new Date(1_750_260_000_000) }]);

    await hooks.deliver(caseFile('webhooks', '06c-hello-from-new-number.webhook.json'));
    const after = (await api.get('/v1/contacts?phone=%2B12195555358')).body.data[0];
    expect(after).toMatchObject({ id: before.id, consent: { marketing: { status: 'opted_out' } }, lastInboundAt: '2025-06-18T18:06:40.000Z' });
    expect(Number((await env.db.query(`SELECT count(*) FROM contacts WHERE phone IN ('+16505551234', '+12195555358')`))[0].count)).toBe(1);
    // The API shows the identity: the earlier number and the window per business number.
    const identity = await api.get(`/v1/contacts/${before.id}/identity`);
    expect(identity.status).toBe(200);
    expect(identity.body).toMatchObject({
      phone: '+12195555358',
      waId: '12195555358',
      history: [{ kind: 'phone_changed', fromValue: '+16505551234', toValue: '+12195555358', occurredAt: '2025-06-18T17:55:42.000Z' }],
      windows: [{ phoneNumberId: PHONE_NUMBER_ID, lastInboundAt: '2025-06-18T18:06:40.000Z', openUntil: '2025-06-19T18:06:40.000Z' }],
    });
  });

  it('a message sent from the old number before the move, arriving after it, is the person’s', async () => {
    const late = text('12195550001', 'STOP', 1_750_300_000);
    // Moved at 1_750_300_100, after the STOP was sent.
    await hooks.deliver(messages([text('12195550001', 'hello', 1_750_299_000)]));
    const person = (await api.get('/v1/contacts?phone=%2B12195550001')).body.data[0];
    const notice = { from: '12195550001', id: `wamid.identity.${++sequence}`, timestamp: '1750300100', type: 'system', system: { body: 'User changed', wa_id: '12195550002', type: 'user_changed_number' } };
    await hooks.deliver(messages([notice]));
    await hooks.deliver(messages([late]));
    const moved = (await api.get('/v1/contacts?phone=%2B12195550002')).body.data[0];
    expect(moved).toMatchObject({ id: person.id, waId: '12195550002', consent: { marketing: { status: 'opted_out' } } });
    expect((await api.get('/v1/contacts?phone=%2B12195550001')).body.data).toHaveLength(0);
    // The late message did not give the person their old wa_id back: the number's new owner, who
    // writes from it after the move, is someone else, with no window and no consent of the person's.
    await hooks.deliver(messages([text('12195550001', 'hello, new owner here', 1_750_400_000)]));
    const owner = (await api.get('/v1/contacts?phone=%2B12195550001')).body.data[0];
    expect(owner.id).not.toBe(person.id);
    expect(owner.consent.marketing.status).toBeNull();
    expect((await api.get('/v1/contacts?phone=%2B12195550002')).body.data[0]).toMatchObject({ id: person.id, waId: '12195550002', lastInboundAt: '2025-06-19T02:26:40.000Z' });
  });

  it('the window belongs to the business number written to; reactions open it, system notices and request_welcome do not', async () => {
    await hooks.deliver(messagesTo(OTHER_NUMBER_ID, [text('6281220000701', 'to the other number', 1_780_010_000)]));
    const c = (await api.get('/v1/contacts?phone=%2B6281220000701')).body.data[0];
    expect(await windows(c.id)).toEqual([{ phone_number_id: OTHER_NUMBER_ID, last_inbound_at: new Date(1_780_010_000_000) }]);

    const reaction = { from: '6281220000701', id: `wamid.identity.${++sequence}`, timestamp: '1780020000', type: 'reaction', reaction: { message_id: 'wamid.out.1', emoji: '👍' } };
    const welcome = { from: '6281220000701', id: `wamid.identity.${++sequence}`, timestamp: '1780030000', type: 'request_welcome' };
    await hooks.deliver(messages([reaction, welcome]));
    expect(await windows(c.id)).toEqual([
      { phone_number_id: PHONE_NUMBER_ID, last_inbound_at: new Date(1_780_020_000_000) },
      { phone_number_id: OTHER_NUMBER_ID, last_inbound_at: new Date(1_780_010_000_000) },
    ]);
    // A call the user makes opens the window too (Calling API `calls` webhook); one we make does not.
    const calls = (items: unknown[]) =>
      envelope([{ field: 'calls', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: OTHER_NUMBER_ID }, contacts: [{ wa_id: '6281220000701', profile: { name: 'Caller' } }], calls: items } as never }]);
    await hooks.deliver(calls([{ id: 'wacid.1', from: '15550783881', to: '6281220000701', event: 'connect', direction: 'BUSINESS_INITIATED', timestamp: '1780040000' }]));
    await hooks.deliver(calls([{ id: 'wacid.2', from: '6281220000701', to: '15550783881', event: 'connect', direction: 'USER_INITIATED', timestamp: '1780050000' }]));
    expect((await windows(c.id))[1]).toEqual({ phone_number_id: OTHER_NUMBER_ID, last_inbound_at: new Date(1_780_050_000_000) });
  });
});

/**
 * Identity changes in WhatsApp's order (issue 8 follow-up): a STOP reaches the person whatever
 * identifier it came under, and a late (retried) webhook never reverses a newer fact. Each number
 * and BSUID change is applied by WhatsApp's time; one older than the last applied one is kept in
 * the history only; a change whose old identifier nobody has yet is kept, so that the chain
 * completes when the person arrives there; every identifier the person had leads to them.
 */
describe('identity changes in WhatsApp’s order', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;
  let hooks: WebhookDriver;

  beforeAll(async () => ({ env, api, hooks } = await setUp()));
  afterAll(() => env.close());

  const T = 1_781_000_000;
  const base = { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID } };
  const byPhone = async (phone: string) => (await api.get(`/v1/contacts?phone=${encodeURIComponent(phone)}`)).body.data;
  const byBsuid = (bsuid: string) => env.db.query(`SELECT id::text AS id, phone, bsuid, marketing_consent FROM contacts WHERE bsuid = $1 AND merged_into IS NULL`, [bsuid]);
  const optedIn = (phone: string) => optedInContact(api, phone);
  const consentOf = async (id: string) => (await api.get(`/v1/contacts/${id}`)).body.consent;
  const historyOf = (id: string) =>
    env.db.query(`SELECT kind, from_value AS "from", to_value AS "to", applied FROM contact_identity_events WHERE contact_id = $1 AND kind <> 'merged' ORDER BY occurred_at, id`, [id]);
  const userIdUpdate = (previous: string, current: string, at: number, waId?: string) =>
    envelope([{ field: 'user_id_update', value: { ...base, user_id_update: [{ ...(waId ? { wa_id: waId } : {}), detail: { previous, current }, timestamp: String(at) }] } as never }], at);
  const numberChange = (from: string, to: string, at: number) => messages([{ from, id: `wamid.identity.${++sequence}`, timestamp: String(at), type: 'system', system: { body: `User ${from} changed to ${to}`, wa_id: to, type: 'user_changed_number' } }]);
  /** A contact known by wa_id and BSUID, opted in. */
  const known = async (phone: string, bsuid: string, at: number) => {
    const id = await optedIn(phone);
    await hooks.deliver(messages([text(phone.slice(1), 'hello', at)], [{ wa_id: phone.slice(1), user_id: bsuid, profile: { name: 'Known' } }]));
    expect((await api.get(`/v1/contacts/${id}`)).body.bsuid).toBe(bsuid);
    return id;
  };

  it('S2c: a status showing both recipient_id and recipient_user_id makes the BSUID-only contact and the phone contact one person', async () => {
    const phoneContact = await optedIn('+6281600000002');
    await hooks.deliver(messages([text(undefined, 'STOP', T, { from_user_id: 'ID.1600000000000002' })]));
    const [hidden] = await byBsuid('ID.1600000000000002');
    expect(hidden.marketing_consent).toBe('opted_out');
    expect((await consentOf(phoneContact)).marketing.status).toBe('opted_in');

    const status = { id: 'wamid.out.s2c.1', status: 'delivered', timestamp: String(T + 100), recipient_id: '6281600000002', recipient_user_id: 'ID.1600000000000002' };
    await hooks.deliver(envelope([{ field: 'messages', value: { ...base, statuses: [status] } as never }]));
    expect(await consentOf(phoneContact)).toMatchObject({ marketing: { status: 'opted_out' }, utility: { status: 'opted_out' } });
    expect((await api.get(`/v1/contacts/${phoneContact}`)).body.bsuid).toBe('ID.1600000000000002');
    const [gone] = await env.db.query(`SELECT merged_into::text AS merged_into FROM contacts WHERE id = $1`, [hidden.id]);
    expect(gone.merged_into).toBe(phoneContact);
  });

  it('S2c kind: a status with both ids teaches the phone contact its BSUID, and a later BSUID-only STOP is the person’s', async () => {
    const id = await optedIn('+6281600000003');
    const status = { id: 'wamid.out.s2c.2', status: 'sent', timestamp: String(T + 100), recipient_id: '6281600000003', recipient_user_id: 'ID.1600000000000003' };
    await hooks.deliver(envelope([{ field: 'messages', value: { ...base, statuses: [status] } as never }]));
    expect((await api.get(`/v1/contacts/${id}`)).body.bsuid).toBe('ID.1600000000000003');
    await hooks.deliver(messages([text(undefined, 'STOP', T + 200, { from_user_id: 'ID.1600000000000003' })]));
    expect((await consentOf(id)).marketing.status).toBe('opted_out');
    expect(await byBsuid('ID.1600000000000003')).toHaveLength(1);
  });

  it('S7a: BSUID updates without wa_id delivered newest first (03→04, 02→03, then 01→02) end on the newest BSUID', async () => {
    const id = await known('+6281600000071', 'ID.1600000000000701', T);
    await hooks.deliver(userIdUpdate('ID.1600000000000703', 'ID.1600000000000704', T + 30));
    await hooks.deliver(userIdUpdate('ID.1600000000000702', 'ID.1600000000000703', T + 20));
    await hooks.deliver(userIdUpdate('ID.1600000000000701', 'ID.1600000000000702', T + 10));
    const c = (await api.get(`/v1/contacts/${id}`)).body;
    expect(c).toMatchObject({ bsuid: 'ID.1600000000000704', phone: '+6281600000071', consent: { marketing: { status: 'opted_in' } } });
    for (const b of ['01', '02', '03']) expect(await byBsuid(`ID.16000000000007${b}`)).toHaveLength(0);
    // A STOP under any of the person's BSUIDs is the person's.
    await hooks.deliver(messages([text(undefined, 'STOP', T + 15, { from_user_id: 'ID.1600000000000702' })]));
    expect((await consentOf(id)).marketing.status).toBe('opted_out');
    expect(Number((await env.db.query(`SELECT count(*) FROM contacts WHERE bsuid LIKE 'ID.16000000000007%' AND merged_into IS NULL`))[0].count)).toBe(1);
  });

  it('S7b: with wa_id, a late older update (41→42) does not reverse the newer one (42→43); it is kept in the history only', async () => {
    const id = await known('+6281600000041', 'ID.1600000000000041', T);
    await hooks.deliver(userIdUpdate('ID.1600000000000042', 'ID.1600000000000043', T + 20, '6281600000041'));
    await hooks.deliver(userIdUpdate('ID.1600000000000041', 'ID.1600000000000042', T + 10, '6281600000041'));
    expect((await api.get(`/v1/contacts/${id}`)).body.bsuid).toBe('ID.1600000000000043');
    expect(await historyOf(id)).toEqual([
      { kind: 'bsuid_changed', from: 'ID.1600000000000041', to: 'ID.1600000000000042', applied: false },
      { kind: 'bsuid_changed', from: 'ID.1600000000000042', to: 'ID.1600000000000043', applied: true },
    ]);
    // The same through user_changed_user_id notices, delivered newest first.
    const other = await known('+6281600000044', 'ID.1600000000000441', T);
    const notice = (from: string, to: string, at: number) => ({ from: '6281600000044', from_user_id: from, id: `wamid.identity.${++sequence}`, timestamp: String(at), type: 'system', system: { body: 'User changed user id', type: 'user_changed_user_id', previous_user_id: from, user_id: to } });
    await hooks.deliver(messages([notice('ID.1600000000000442', 'ID.1600000000000443', T + 20)]));
    await hooks.deliver(messages([notice('ID.1600000000000441', 'ID.1600000000000442', T + 10)]));
    expect((await api.get(`/v1/contacts/${other}`)).body.bsuid).toBe('ID.1600000000000443');
  });

  it('S8a: a STOP sent under the old BSUID before the change, arriving after it, opts the person out', async () => {
    const id = await known('+6281600000081', 'ID.1600000000000801', T);
    await hooks.deliver(userIdUpdate('ID.1600000000000801', 'ID.1600000000000802', T + 20));
    await hooks.deliver(messages([text(undefined, 'STOP', T + 10, { from_user_id: 'ID.1600000000000801' })]));
    expect(await consentOf(id)).toMatchObject({ marketing: { status: 'opted_out' }, utility: { status: 'opted_out' } });
    expect(await byBsuid('ID.1600000000000801')).toHaveLength(0);
    expect((await api.get(`/v1/contacts/${id}`)).body.bsuid).toBe('ID.1600000000000802');
  });

  it('S8b: a late message with the old BSUID and the wa_id does not set the old BSUID back', async () => {
    const id = await known('+6281600000091', 'ID.1600000000000091', T);
    await hooks.deliver(userIdUpdate('ID.1600000000000091', 'ID.1600000000000092', T + 20, '6281600000091'));
    await hooks.deliver(messages([text('6281600000091', 'sent before the change', T + 10)], [{ wa_id: '6281600000091', user_id: 'ID.1600000000000091', profile: { name: 'Known' } }]));
    expect((await api.get(`/v1/contacts/${id}`)).body.bsuid).toBe('ID.1600000000000092');
    expect(await historyOf(id)).toEqual([{ kind: 'bsuid_changed', from: 'ID.1600000000000091', to: 'ID.1600000000000092', applied: true }]);
    // A newer message showing another BSUID is a change (WhatsApp did not send the update).
    await hooks.deliver(messages([text('6281600000091', 'later', T + 30)], [{ wa_id: '6281600000091', user_id: 'ID.1600000000000093', profile: { name: 'Known' } }]));
    expect((await api.get(`/v1/contacts/${id}`)).body.bsuid).toBe('ID.1600000000000093');
  });

  it('N3: a late STOP from the old number, sent before the move, is the mover’s even when the old number was re-created as another contact', async () => {
    const mover = await optedIn('+6281600000301');
    await hooks.deliver(numberChange('6281600000301', '6281600000302', T + 20));
    expect((await byPhone('+6281600000302'))[0].id).toBe(mover);
    const recreated = await optedIn('+6281600000301');
    await hooks.deliver(messages([text('6281600000301', 'STOP', T + 10)]));
    expect((await consentOf(mover)).marketing.status).toBe('opted_out');
    expect((await consentOf(recreated)).marketing.status).toBe('opted_in');
    // After the move, the number's messages are the re-created contact's.
    await hooks.deliver(messages([text('6281600000301', 'STOP', T + 30)]));
    expect((await consentOf(recreated)).marketing.status).toBe('opted_out');
  });

  it('N3 kind: a STOP before a move is the mover’s when the old number’s contact was first seen there after the move (C4q)', async () => {
    // Delivered: a later text from A (creates A's contact), the STOP from A before the move, the move A→B, a text from B.
    await hooks.deliver(messages([text('6283480000001', 'halo', T + 100)]));
    await hooks.deliver(messages([text('6283480000001', 'STOP', T)]));
    await hooks.deliver(numberChange('6283480000001', '6283480000002', T + 50));
    await hooks.deliver(messages([text('6283480000002', 'hello from my new number', T + 60)]));
    const [mover] = await byPhone('+6283480000002');
    expect(mover.consent.marketing.status).toBe('opted_out');
    expect(await historyOf(mover.id)).toEqual([{ kind: 'phone_changed', from: '+6283480000001', to: '+6283480000002', applied: true }]);
    // The STOP (and the person's message before the move) went with them; a late message from A
    // dated before the move is theirs too.
    const moved = await env.db.query(`SELECT text_body FROM inbound_messages WHERE contact_id = $1 AND type = 'text' ORDER BY sent_at`, [mover.id]);
    expect(moved.map((m: { text_body: string }) => m.text_body)).toEqual(['STOP', 'hello from my new number']);
    await hooks.deliver(messages([text('6283480000001', 'one more from before', T + 40)]));
    expect((await env.db.query(`SELECT contact_id::text AS id FROM inbound_messages WHERE text_body = 'one more from before'`))[0].id).toBe(mover.id);
  });

  it('the case files in order in one database: 03 and 04 (2026) from the number, then 06a – 06c (2025): both people end opted out', async () => {
    // The shared cases use +1 650 555 1234 in 03, 04 and 06: a reader replaying them in order gets
    // a 2026 contact on the number before the 2025 move arrives.
    await hooks.deliver(caseFile('webhooks', '03-from-with-plus-stop.webhook.json'));
    await hooks.deliver(caseFile('webhooks', '04-one-bad-item-with-a-stop.webhook.json'));
    const [owner] = await byPhone('+16505551234');
    expect(owner.consent.marketing.status).toBe('opted_out');
    for (const part of ['06a-stop-from-old-number', '06b-user-changed-number', '06c-hello-from-new-number']) await hooks.deliver(caseFile('webhooks', `${part}.webhook.json`));
    const [mover] = await byPhone('+12195555358');
    expect(mover).toMatchObject({ consent: { marketing: { status: 'opted_out' }, utility: { status: 'opted_out' } } });
    expect(await historyOf(mover.id)).toEqual([{ kind: 'phone_changed', from: '+16505551234', to: '+12195555358', applied: true }]);
    const [stillThere] = await byPhone('+16505551234');
    expect(stillThere).toMatchObject({ id: owner.id, consent: { marketing: { status: 'opted_out' } } });
  });

  it('N5: number changes delivered newest first (C→D, B→C, then A→B) end on D, with the person’s consent', async () => {
    const id = await optedIn('+6281600000501');
    await hooks.deliver(numberChange('6281600000503', '6281600000504', T + 30));
    await hooks.deliver(numberChange('6281600000502', '6281600000503', T + 20));
    await hooks.deliver(numberChange('6281600000501', '6281600000502', T + 10));
    const [c] = await byPhone('+6281600000504');
    expect(c).toMatchObject({ id, waId: '6281600000504', consent: { marketing: { status: 'opted_in' }, utility: { status: 'opted_in' } } });
    for (const n of ['501', '502', '503']) expect(await byPhone(`+6281600000${n}`)).toHaveLength(0);
    expect(await historyOf(id)).toEqual([
      { kind: 'phone_changed', from: '+6281600000501', to: '+6281600000502', applied: true },
      { kind: 'phone_changed', from: '+6281600000502', to: '+6281600000503', applied: true },
      { kind: 'phone_changed', from: '+6281600000503', to: '+6281600000504', applied: true },
    ]);
    // A STOP sent from B between the changes, arriving now, is the person's.
    await hooks.deliver(messages([text('6281600000502', 'STOP', T + 15)]));
    expect((await consentOf(id)).marketing.status).toBe('opted_out');
    expect(await byPhone('+6281600000502')).toHaveLength(0);
  });

  it('N5 kind: two changes delivered newest first (B→C then A→B) for an opted-out person end on C, still opted out', async () => {
    const id = await optedIn('+6281600000511');
    await hooks.deliver(messages([text('6281600000511', 'STOP', T)]));
    await hooks.deliver(numberChange('6281600000512', '6281600000513', T + 20));
    await hooks.deliver(numberChange('6281600000511', '6281600000512', T + 10));
    const [c] = await byPhone('+6281600000513');
    expect(c).toMatchObject({ id, consent: { marketing: { status: 'opted_out' }, utility: { status: 'opted_out' } } });
    expect(await byPhone('+6281600000511')).toHaveLength(0);
    expect(await byPhone('+6281600000512')).toHaveLength(0);
  });

  it('N5 kind: a STOP from the new number before the chain completes is the person’s once it does', async () => {
    const id = await optedIn('+6281600000521');
    await hooks.deliver(numberChange('6281600000522', '6281600000523', T + 20));
    // A STOP from B sent before B→C, and one from C after it, both arriving before A→B.
    await hooks.deliver(messages([text('6281600000522', 'STOP', T + 15)]));
    await hooks.deliver(messages([text('6281600000523', 'hello', T + 25)]));
    await hooks.deliver(numberChange('6281600000521', '6281600000522', T + 10));
    const [c] = await byPhone('+6281600000523');
    expect(c).toMatchObject({ id, consent: { marketing: { status: 'opted_out' } } });
    expect(await byPhone('+6281600000521')).toHaveLength(0);
    expect(await byPhone('+6281600000522')).toHaveLength(0);
    expect(await historyOf(id)).toEqual([
      { kind: 'phone_changed', from: '+6281600000521', to: '+6281600000522', applied: true },
      { kind: 'phone_changed', from: '+6281600000522', to: '+6281600000523', applied: true },
    ]);
  });

  it('changes of the same second delivered newest first still complete the chain (numbers and BSUIDs)', async () => {
    const id = await optedIn('+6281600000531');
    await hooks.deliver(numberChange('6281600000532', '6281600000533', T + 10));
    await hooks.deliver(numberChange('6281600000531', '6281600000532', T + 10));
    expect((await byPhone('+6281600000533'))[0]?.id).toBe(id);

    const other = await known('+6281600000541', 'ID.1600000000000541', T);
    await hooks.deliver(userIdUpdate('ID.1600000000000542', 'ID.1600000000000543', T + 10));
    await hooks.deliver(userIdUpdate('ID.1600000000000541', 'ID.1600000000000542', T + 10));
    expect((await api.get(`/v1/contacts/${other}`)).body.bsuid).toBe('ID.1600000000000543');
  });

  it('S8a kind: a STOP under the first of two old BSUIDs, after both changes; a 131050 status naming both ids', async () => {
    const id = await known('+6281600000851', 'ID.1600000000000851', T);
    await hooks.deliver(userIdUpdate('ID.1600000000000851', 'ID.1600000000000852', T + 10));
    await hooks.deliver(userIdUpdate('ID.1600000000000852', 'ID.1600000000000853', T + 20, '6281600000851'));
    await hooks.deliver(messages([text(undefined, 'STOP', T + 5, { from_user_id: 'ID.1600000000000851' })], [{ user_id: 'ID.1600000000000851', profile: { name: 'Old me' } }]));
    expect((await consentOf(id)).marketing.status).toBe('opted_out');
    expect((await api.get(`/v1/contacts/${id}`)).body.bsuid).toBe('ID.1600000000000853');

    // A BSUID-only contact and a phone contact, joined by a failed status that names both.
    const phoneContact = await optedIn('+6281600000861');
    await hooks.deliver(messages([text(undefined, 'hello', T, { from_user_id: 'ID.1600000000000861' })]));
    const failed = { id: 'wamid.out.s8.1', status: 'failed', timestamp: String(T + 100), recipient_id: '6281600000861', recipient_user_id: 'ID.1600000000000861', errors: [{ code: 131050, title: 'stopped marketing' }] };
    await hooks.deliver(envelope([{ field: 'messages', value: { ...base, statuses: [failed] } as never }]));
    expect(await consentOf(phoneContact)).toMatchObject({ marketing: { status: 'opted_out' }, utility: { status: 'opted_in' } });
    expect((await api.get(`/v1/contacts/${phoneContact}`)).body.bsuid).toBe('ID.1600000000000861');
    expect(await byBsuid('ID.1600000000000861')).toEqual([expect.objectContaining({ id: phoneContact })]);
  });

  it('S2c kind: a status with both ids teaches a BSUID-only contact its phone', async () => {
    await hooks.deliver(messages([text(undefined, 'STOP', T, { from_user_id: 'ID.1600000000000871' })]));
    const status = { id: 'wamid.out.s2c.3', status: 'read', timestamp: String(T + 100), recipient_id: '6281600000871', recipient_user_id: 'ID.1600000000000871' };
    await hooks.deliver(envelope([{ field: 'messages', value: { ...base, statuses: [status] } as never }]));
    const [c] = await byPhone('+6281600000871');
    expect(c).toMatchObject({ bsuid: 'ID.1600000000000871', waId: '6281600000871', consent: { marketing: { status: 'opted_out' } } });
  });
});

describe('template events in WhatsApp’s order (case 05) and retries with backoff', () => {
  let env: TestEnv;
  let hooks: WebhookDriver;

  beforeAll(async () => ({ env, hooks } = await setUp()));
  afterAll(() => env.close());

  const template = async (name: string, status: string, whatsappId: string) =>
    (
      await env.db.query(
        `INSERT INTO templates (waba_id, name, language, category, parameter_format, components, status, whatsapp_id)
         VALUES ($1, $2, 'en_US', 'UTILITY', 'POSITIONAL', '[{"type":"BODY","text":"Your order is confirmed."}]', $3, $4) RETURNING id`,
        [WABA, name, status, whatsappId],
      )
    )[0].id as string;
  const statusOf = async (id: string) => (await env.db.query(`SELECT status FROM templates WHERE id = $1`, [id]))[0].status;
  const statusEvent = (name: string, whatsappId: number, event: string, time: number) =>
    envelope([{ field: 'message_template_status_update', value: { event, message_template_id: whatsappId, message_template_name: name, message_template_language: 'en_US', reason: 'NONE' } as never }], time);

  it('case 05: a PAUSED older than the un-pause, arriving after it, is kept in the history only', async () => {
    const id = await template('order_confirmation', 'PAUSED', '1689556908129832');
    await hooks.deliver(caseFile('webhooks', '05a-template-unpaused-newer-arrives-first.webhook.json'));
    expect(await statusOf(id)).toBe('APPROVED');
    await hooks.deliver(caseFile('webhooks', '05b-template-paused-older-arrives-late.webhook.json'));
    expect(await statusOf(id)).toBe('APPROVED');
    const history = await env.db.query(`SELECT change, from_value, to_value, applied FROM template_history WHERE template_id = $1 ORDER BY id`, [id]);
    expect(history).toEqual([
      { change: 'status', from_value: 'PAUSED', to_value: 'APPROVED', applied: true },
      { change: 'status', from_value: null, to_value: 'PAUSED', applied: false },
    ]);
  });

  it('case 05 kind: an entry naming another WABA id still reaches the template by its WhatsApp id', async () => {
    const [{ id }] = await env.db.query(
      `INSERT INTO templates (waba_id, name, language, category, parameter_format, components, status, whatsapp_id)
       VALUES ('2000000009', 'other_account', 'en_US', 'UTILITY', 'POSITIONAL', '[{"type":"BODY","text":"Your order is confirmed."}]', 'PAUSED', '1689556908120077') RETURNING id`,
    );
    await hooks.deliver(statusEvent('other_account', 1689556908120077, 'APPROVED', 1_751_000_700));
    expect(await statusOf(id)).toBe('APPROVED');
  });

  it('UNARCHIVED restores the status the template had before it was archived', async () => {
    const id = await template('archived_one', 'REJECTED', '1689556908120001');
    await hooks.deliver(statusEvent('archived_one', 1689556908120001, 'ARCHIVED', 1_751_000_000));
    expect(await statusOf(id)).toBe('ARCHIVED');
    await hooks.deliver(statusEvent('archived_one', 1689556908120001, 'UNARCHIVED', 1_751_000_100));
    expect(await statusOf(id)).toBe('REJECTED');
  });

  it('a verdict webhook applied while an edit is in flight is not overwritten by the edit’s own PENDING', async () => {
    const id = await template('edited_in_flight', 'APPROVED', '1689556908120002');
    const repo = env.get(TemplatesRepository);
    const claimed = await repo.claimForEdit(id, 'APPROVED');
    expect(claimed).toBeDefined();
    // WhatsApp approves the edit and its webhook is processed before the edit request's answer is recorded.
    await hooks.deliver(statusEvent('edited_in_flight', 1689556908120002, 'APPROVED', 1_751_000_500));
    const row = await repo.recordEdit(id, claimed!.claim, { name: 'edited_in_flight', language: 'en_US', category: 'UTILITY', components: [{ type: 'BODY', text: 'Your order is confirmed and on its way.' }] } as never, env.db);
    expect(row?.status).toBe('APPROVED');
    // Without a webhook during the request, the edit goes back to review.
    const again = await repo.claimForEdit(id, 'APPROVED');
    expect((await repo.recordEdit(id, again!.claim, { name: 'edited_in_flight', language: 'en_US', category: 'UTILITY', components: [{ type: 'BODY', text: 'Your order is on its way to you now.' }] } as never, env.db))?.status).toBe('PENDING');
  });

  it('a delivery that fails as a whole waits before each retry, longer each time', async () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(retryDelayMs)).toEqual([2000, 8000, 32000, 128000, 512000, 2048000, 3600000]);
    expect(MAX_ATTEMPTS).toBeGreaterThanOrEqual(8);
    const repo = env.get(WebhookDeliveriesRepository);
    const stored = await repo.storeMany([{ sha256: `retry-${Date.now()}`, body: JSON.stringify(envelope([])) }]);
    const id = [...stored.values()][0];
    await repo.markFailed(id, 'connection terminated', MAX_ATTEMPTS, 60_000);
    const claimable = await env.db.transaction((tx) => repo.claim(tx, 1000));
    expect(claimable.map((d) => d.id)).not.toContain(id);
    const [row] = await env.db.query(`SELECT attempts, processed_at, next_attempt_at > now() + interval '50 seconds' AS later FROM webhook_deliveries WHERE id = $1`, [id]);
    expect(row).toEqual({ attempts: 1, processed_at: null, later: true });
  });
});
