import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { WebhookProcessorService } from '../src/webhooks/webhook-processor.service';
import type { PhoneNumberQualityUpdate, WebhookEnvelope } from '../src/whatsapp/cloud-api.types';
import { startSimulator, type Simulator } from './simulator/simulator';
import { eventually, TestEnv } from './support/app';
import { client } from './support/http';
import { WebhookDriver } from './support/webhooks';

const WABA = '2000000001';
const SECRET = 'sim-app-secret';
/** The configured number (WHATSAPP_PHONE_NUMBER_ID), the simulator's default: +62 21 5000 0001. */
const CONFIGURED = '1000000001';
/** A second number the simulator knows, upgraded to HIGH throughput, in a portfolio at TIER_2K. */
const SECOND = '1000000002';
/** Registered in Siaran, unknown to WhatsApp. */
const UNKNOWN_AT_META = '1000000077';

describe('Business phone numbers: registration, refresh from Graph, quality webhooks', () => {
  let sim: Simulator;
  let env: TestEnv;
  let api: ReturnType<typeof client>;
  let webhooks: WebhookDriver;

  beforeAll(async () => {
    sim = await startSimulator({
      seed: 11,
      phoneNumbers: [
        { id: CONFIGURED },
        { id: SECOND, wabaId: WABA, displayPhoneNumber: '+62 21 5000 0002', verifiedName: 'Toko Dua', qualityRating: 'YELLOW', messagingLimitTier: 'TIER_2K', throughputLevel: 'HIGH' },
      ],
    });
    env = await TestEnv.create({
      WHATSAPP_API_URL: sim.url,
      WHATSAPP_ACCESS_TOKEN: 'sim-token',
      WHATSAPP_APP_SECRET: SECRET,
      WHATSAPP_WABA_ID: WABA,
      WHATSAPP_PHONE_NUMBER_ID: CONFIGURED,
      WHATSAPP_BUSINESS_COUNTRY: 'id',
      WHATSAPP_TIMEOUT_MS: '2000',
    });
    await env.startApi();
    await env.startWorker();
    sim.configure({ webhookUrl: `${env.url}/webhooks/whatsapp` });
    api = client(env.url);
    webhooks = new WebhookDriver(env, env.get(WebhookProcessorService), SECRET);
  });
  afterAll(async () => {
    await sim.stop();
    await env.close();
  });

  const count = async () => Number((await env.db.query(`SELECT count(*) AS n FROM phone_numbers`))[0].n);

  describe('the configured number', () => {
    it('is registered at start-up with WHATSAPP_BUSINESS_COUNTRY, upper case, and the defaults of a new number', async () => {
      const res = await api.get(`/v1/phone-numbers/${CONFIGURED}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        phoneNumberId: CONFIGURED,
        wabaId: WABA,
        businessCountry: 'ID',
        businessPortfolioId: null,
        throughputMps: 80,
        messagingLimit: null,
        marketingMessagesApi: false,
        displayPhoneNumber: null,
        verifiedName: null,
        qualityRating: null,
        refreshedAt: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
    });

    it('is registered once when several API processes start at once, and a registered one is left as it is', async () => {
      await env.db.query(`DELETE FROM phone_numbers WHERE phone_number_id = $1`, [CONFIGURED]);
      const apps = await Promise.all([1, 2, 3].map(() => NestFactory.create(AppModule.register(env.config), { logger: false })));
      try {
        await Promise.all(apps.map((app) => app.init()));
        expect(await env.db.query(`SELECT business_country FROM phone_numbers WHERE phone_number_id = $1`, [CONFIGURED])).toEqual([{ business_country: 'ID' }]);

        // changed by hand, then another start-up: the registration keeps the change
        expect((await api.patch(`/v1/phone-numbers/${CONFIGURED}`, { businessCountry: 'MY' })).status).toBe(200);
        const again = await NestFactory.create(AppModule.register(env.config), { logger: false });
        apps.push(again);
        await again.init();
        expect((await api.get(`/v1/phone-numbers/${CONFIGURED}`)).body.businessCountry).toBe('MY');
        expect((await api.patch(`/v1/phone-numbers/${CONFIGURED}`, { businessCountry: 'ID' })).status).toBe(200);
      } finally {
        await Promise.all(apps.map((app) => app.close()));
      }
    });

    it('is not registered without WHATSAPP_BUSINESS_COUNTRY: a warning names the variable; refresh without a token is 503', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn');
      const other = await TestEnv.create({ WHATSAPP_WABA_ID: WABA, WHATSAPP_PHONE_NUMBER_ID: CONFIGURED });
      try {
        await other.startApi();
        const otherApi = client(other.url);
        expect((await otherApi.get('/v1/phone-numbers')).body).toEqual({ data: [], nextCursor: null });
        const warnings = warn.mock.calls.map((call) => String(call[0]));
        expect(warnings).toContainEqual(expect.stringMatching(/^WHATSAPP_PHONE_NUMBER_ID is set without WHATSAPP_BUSINESS_COUNTRY: the number is not registered/));

        expect((await otherApi.post('/v1/phone-numbers', { phoneNumberId: CONFIGURED, wabaId: WABA, businessCountry: 'ID' })).status).toBe(201);
        const refresh = await otherApi.post(`/v1/phone-numbers/${CONFIGURED}/refresh`);
        expect(refresh.status).toBe(503);
        expect(refresh.body).toMatchObject({ code: 'WHATSAPP_NOT_CONFIGURED', details: { missing: ['WHATSAPP_ACCESS_TOKEN'] } });
      } finally {
        warn.mockRestore();
        await other.close();
      }
    });
  });

  describe('registration and changes', () => {
    it('registers a number with the defaults (80 mps, no limit known, /messages), any case of country in, upper case stored', async () => {
      const res = await api.post('/v1/phone-numbers', { phoneNumberId: SECOND, wabaId: WABA, businessCountry: 'mx' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        phoneNumberId: SECOND,
        businessCountry: 'MX',
        businessPortfolioId: null,
        throughputMps: 80,
        messagingLimit: null,
        marketingMessagesApi: false,
      });
    });

    it('stores every field given', async () => {
      const full = {
        phoneNumberId: UNKNOWN_AT_META,
        wabaId: WABA,
        businessCountry: 'ID',
        businessPortfolioId: '3000000001',
        throughputMps: 1000,
        messagingLimit: 'TIER_100K',
        marketingMessagesApi: true,
      };
      const res = await api.post('/v1/phone-numbers', full);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject(full);
      expect((await api.get(`/v1/phone-numbers/${UNKNOWN_AT_META}`)).body).toMatchObject(full);
    });

    it('refuses a number registered already with 409 PHONE_NUMBER_EXISTS, and changes nothing', async () => {
      const res = await api.post('/v1/phone-numbers', { phoneNumberId: SECOND, wabaId: WABA, businessCountry: 'BR', throughputMps: 5 });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('PHONE_NUMBER_EXISTS');
      expect((await api.get(`/v1/phone-numbers/${SECOND}`)).body).toMatchObject({ businessCountry: 'MX', throughputMps: 80 });
    });

    it('refuses bad input naming each field, and stores nothing', async () => {
      const before = await count();
      const res = await api.post('/v1/phone-numbers', {
        phoneNumberId: '+62 21 5000',
        wabaId: 'waba',
        businessCountry: 'XX',
        businessPortfolioId: '',
        throughputMps: 0,
        messagingLimit: 'TIER_1K',
        marketingMessagesApi: 'yes',
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual(
        ['businessCountry', 'businessPortfolioId', 'marketingMessagesApi', 'messagingLimit', 'phoneNumberId', 'throughputMps', 'wabaId'].sort(),
      );
      const country = res.body.details.find((d: { field: string }) => d.field === 'businessCountry');
      expect(country.problems).toEqual(['businessCountry must be an ISO 3166-1 alpha-2 country code such as ID']);

      for (const body of [
        { phoneNumberId: '1000000009', wabaId: WABA },
        { phoneNumberId: '1000000009', wabaId: WABA, businessCountry: 'ID', throughputMps: 1001 },
        { phoneNumberId: '1000000009', wabaId: WABA, businessCountry: 'ID', throughputMps: 80.5 },
        { phoneNumberId: '1000000009', wabaId: WABA, businessCountry: 'Indonesia' },
        { phoneNumberId: '1000000009', wabaId: WABA, businessCountry: 'ID', marketingMessagesApi: null },
      ]) {
        const refused = await api.post('/v1/phone-numbers', body);
        expect([refused.status, refused.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      }
      expect(await count()).toBe(before);
    });

    it('answers 404 PHONE_NUMBER_NOT_FOUND for a number that is not registered, whatever the id looks like', async () => {
      for (const id of ['1000000099', 'abc', '1'.repeat(40)]) {
        const res = await api.get(`/v1/phone-numbers/${id}`);
        expect([res.status, res.body.code]).toEqual([404, 'PHONE_NUMBER_NOT_FOUND']);
      }
    });

    it('lists newest first in keyset pages; a cursor that is not one of ours is 400 INVALID_CURSOR', async () => {
      const first = await api.get('/v1/phone-numbers?limit=2');
      expect(first.status).toBe(200);
      expect(first.body.data.map((n: { phoneNumberId: string }) => n.phoneNumberId)).toEqual([UNKNOWN_AT_META, SECOND]);
      const second = await api.get(`/v1/phone-numbers?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
      expect(second.body).toEqual({ data: [expect.objectContaining({ phoneNumberId: CONFIGURED })], nextCursor: null });
      expect((await api.get('/v1/phone-numbers')).body.data).toHaveLength(3);

      const forged = Buffer.from(JSON.stringify({ after: 'not-a-key' })).toString('base64url');
      const uuidKey = Buffer.from(JSON.stringify({ after: '2026-03-01 10:00:00+00|6f1c2a7e-3b4d-4c5e-8f90-123456789abc' })).toString('base64url');
      for (const cursor of [forged, uuidKey]) expect((await api.get(`/v1/phone-numbers?cursor=${cursor}`)).body.code).toBe('INVALID_CURSOR');
      expect((await api.get('/v1/phone-numbers?limit=201')).body.code).toBe('VALIDATION_FAILED');
    });

    it('PATCH changes the fields given, validated as on registration; null clears the portfolio and the limit; the id cannot change', async () => {
      const before = (await api.get(`/v1/phone-numbers/${UNKNOWN_AT_META}`)).body;
      const res = await api.patch(`/v1/phone-numbers/${UNKNOWN_AT_META}`, { businessCountry: 'br', throughputMps: 20, businessPortfolioId: null, messagingLimit: null });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ businessCountry: 'BR', throughputMps: 20, businessPortfolioId: null, messagingLimit: null, marketingMessagesApi: true, wabaId: WABA });
      expect(Date.parse(res.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.updatedAt));

      for (const body of [{ phoneNumberId: '1000000010' }, { throughputMps: 0 }, { wabaId: null }, { businessCountry: 'XX' }, { messagingLimit: 'TIER_50' }]) {
        const refused = await api.patch(`/v1/phone-numbers/${UNKNOWN_AT_META}`, body);
        expect([refused.status, refused.body.code]).toEqual([400, 'VALIDATION_FAILED']);
        expect(refused.body.details[0].field).toBe(Object.keys(body)[0]);
      }
      expect((await api.get(`/v1/phone-numbers/${UNKNOWN_AT_META}`)).body).toMatchObject({ businessCountry: 'BR', throughputMps: 20 });
      expect((await api.patch('/v1/phone-numbers/1000000099', { throughputMps: 10 })).body.code).toBe('PHONE_NUMBER_NOT_FOUND');
    });
  });

  describe('refresh from the Graph API', () => {
    it("reads display number, verified name, quality, throughput level (HIGH: 1,000 mps) and the portfolio's messaging limit", async () => {
      const res = await api.post(`/v1/phone-numbers/${SECOND}/refresh`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        phoneNumberId: SECOND,
        businessCountry: 'MX',
        displayPhoneNumber: '+62 21 5000 0002',
        verifiedName: 'Toko Dua',
        qualityRating: 'YELLOW',
        throughputMps: 1000,
        messagingLimit: 'TIER_2K',
        refreshedAt: expect.any(String),
      });
      const read = sim.requests().filter((r) => r.method === 'GET' && r.path.endsWith(`/${SECOND}`));
      expect(read).toHaveLength(1);
      expect(read[0].query.fields.split(',')).toEqual(
        expect.arrayContaining(['display_phone_number', 'verified_name', 'quality_rating', 'throughput', 'whatsapp_business_manager_messaging_limit']),
      );
      // STANDARD is 80 mps, replacing what was set by hand
      await api.patch(`/v1/phone-numbers/${CONFIGURED}`, { throughputMps: 500 });
      expect((await api.post(`/v1/phone-numbers/${CONFIGURED}/refresh`)).body).toMatchObject({ throughputMps: 80, messagingLimit: 'TIER_10K', qualityRating: 'GREEN' });
    });

    it("answers WhatsApp's refusal as 422 PHONE_NUMBER_REFUSED_BY_WHATSAPP with its code; an unregistered number is 404 before any call", async () => {
      const res = await api.post(`/v1/phone-numbers/${UNKNOWN_AT_META}/refresh`);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'PHONE_NUMBER_REFUSED_BY_WHATSAPP', details: { whatsappCode: 100 } });
      expect((await api.get(`/v1/phone-numbers/${UNKNOWN_AT_META}`)).body.refreshedAt).toBeNull();

      const calls = sim.requests().length;
      expect((await api.post('/v1/phone-numbers/1000000099/refresh')).body.code).toBe('PHONE_NUMBER_NOT_FOUND');
      expect(sim.requests()).toHaveLength(calls);
    });
  });

  describe('phone_number_quality_update webhooks', () => {
    const numberUntil = (id: string, until: (n: any) => boolean) =>
      eventually(async () => {
        const res = await api.get(`/v1/phone-numbers/${id}`);
        return until(res.body) ? res.body : undefined;
      }, 10_000, `phone number ${id}`);

    /** A signed delivery of one phone_number_quality_update change. */
    const quality = (value: Partial<PhoneNumberQualityUpdate> & Record<string, unknown>, time?: number): WebhookEnvelope => ({
      object: 'whatsapp_business_account',
      entry: [{ id: WABA, ...(time !== undefined ? { time } : {}), changes: [{ field: 'phone_number_quality_update', value: value as PhoneNumberQualityUpdate }] }],
    });
    const applied = async (event: string) =>
      (await env.db.query(`SELECT applied_at IS NOT NULL AS applied FROM whatsapp_events WHERE field = 'phone_number_quality_update' AND payload->>'event' = $1`, [event])).map(
        (r: { applied: boolean }) => r.applied,
      );
    let clock = Math.floor(Date.now() / 1000) + 3600;

    it("the simulator's throughput upgrade, limit change and quality flags reach the number (the configured one, refreshed above)", async () => {
      sim.updatePhoneNumber({ phoneNumberId: CONFIGURED, throughputLevel: 'HIGH', messagingLimitTier: 'TIER_100K' });
      await numberUntil(CONFIGURED, (n) => n.throughputMps === 1000 && n.messagingLimit === 'TIER_100K');
      sim.updatePhoneNumber({ phoneNumberId: CONFIGURED, qualityRating: 'RED' });
      await numberUntil(CONFIGURED, (n) => n.qualityRating === 'RED');
      sim.updatePhoneNumber({ phoneNumberId: CONFIGURED, qualityRating: 'GREEN' });
      const after = await numberUntil(CONFIGURED, (n) => n.qualityRating === null);
      expect(after).toMatchObject({ throughputMps: 1000, messagingLimit: 'TIER_100K', businessCountry: 'ID' });
      expect(await applied('THROUGHPUT_UPGRADE')).toEqual([true]);
    });

    it('reads the old shape (current_limit) and the new one (max_daily_conversations_per_business, numbers of people)', async () => {
      await webhooks.deliver(quality({ display_phone_number: '622150000002', event: 'DOWNGRADE', current_limit: 'TIER_250', old_limit: 'TIER_2K' }, ++clock));
      expect((await api.get(`/v1/phone-numbers/${SECOND}`)).body.messagingLimit).toBe('TIER_250');
      await webhooks.deliver(quality({ display_phone_number: '622150000002', event: 'UPGRADE', max_daily_conversations_per_business: 'TIER_10K' }, ++clock));
      expect((await api.get(`/v1/phone-numbers/${SECOND}`)).body.messagingLimit).toBe('TIER_10K');
      await webhooks.deliver(quality({ display_phone_number: '622150000002', event: 'UPGRADE', max_daily_conversation_per_phone: 100000 }, ++clock));
      expect((await api.get(`/v1/phone-numbers/${SECOND}`)).body.messagingLimit).toBe('TIER_100K');
      await webhooks.deliver(quality({ display_phone_number: '622150000002', event: 'FLAGGED' }, ++clock));
      const flagged = (await api.get(`/v1/phone-numbers/${SECOND}`)).body;
      expect(flagged).toMatchObject({ qualityRating: 'RED', messagingLimit: 'TIER_100K', throughputMps: 1000, refreshedAt: new Date(clock * 1000).toISOString() });
      expect(await applied('DOWNGRADE')).toEqual([true]);
    });

    it('leaves a limit Siaran cannot hold as it was, and applies the rest', async () => {
      await webhooks.deliver(quality({ display_phone_number: '622150000002', event: 'UNFLAGGED', max_daily_conversations_per_business: 'TIER_50' }, ++clock));
      expect((await api.get(`/v1/phone-numbers/${SECOND}`)).body).toMatchObject({ messagingLimit: 'TIER_100K', qualityRating: null });
    });

    it('changes nothing with an event older than what is known of the number (Meta retries for days), but keeps it', async () => {
      const before = (await api.get(`/v1/phone-numbers/${SECOND}`)).body;
      const { events } = await webhooks.deliver(quality({ display_phone_number: '622150000002', event: 'ONBOARDING', current_limit: 'TIER_2K' }, clock - 7200));
      expect(events).toBe(1);
      expect((await api.get(`/v1/phone-numbers/${SECOND}`)).body).toEqual(before);
      expect(await applied('ONBOARDING')).toEqual([false]);
    });

    it('keeps an event about a number Siaran does not know (or never refreshed) as recorded only', async () => {
      const before = (await api.get('/v1/phone-numbers?limit=200')).body;
      for (const value of [
        { display_phone_number: '15550783881', event: 'THROUGHPUT_UPGRADE', current_limit: 'TIER_UNLIMITED' },
        // the right digits in another WABA's entry
        { display_phone_number: '622150000002', event: 'DOWNGRADE', current_limit: 'TIER_250' },
        { event: 'DOWNGRADE', current_limit: 'TIER_250' },
      ]) {
        const delivery = quality(value, ++clock);
        if (value.display_phone_number === '622150000002') delivery.entry[0].id = '2000000099';
        expect((await webhooks.deliver(delivery)).events).toBe(1);
      }
      expect((await api.get('/v1/phone-numbers?limit=200')).body).toEqual(before);
      const kept = await env.db.query(`SELECT waba_id, applied_at FROM whatsapp_events WHERE field = 'phone_number_quality_update' AND payload->>'event' IN ('THROUGHPUT_UPGRADE', 'DOWNGRADE') AND applied_at IS NULL`);
      expect(kept).toHaveLength(3);
    });
  });
});
