import { AppConfig } from '../src/config/app-config';
import { ConfigError } from '../src/config/environment';
import { signWebhook } from '../src/whatsapp/webhook-signature';
import { eventually, TEST_API_KEY, TestEnv } from './support/app';
import { client } from './support/http';
import { stalledUpload } from './support/raw-http';

const IDLE_IN_TRANSACTION = `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`;

/** Fetches with a deadline: a request that hangs fails the test instead of stalling it. */
async function timed(url: string, init: RequestInit = {}): Promise<{ status: number; body: any; ms: number }> {
  const started = Date.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text, ms: Date.now() - started };
}

/**
 * Uploads that stop sending mid-body (a phone on a dead link) must not take the API down with them:
 * they have their own small pool and a limited number, take a connection only once their file
 * arrives, and end after IMPORT_UPLOAD_IDLE_TIMEOUT_MS with nothing stored.
 */
describe('stalled uploads', () => {
  const SECRET = 'stalled-uploads-app-secret';
  const IDLE_MS = 2000;
  let env: TestEnv;

  beforeAll(async () => {
    env = await TestEnv.create({
      DATABASE_POOL_SIZE: '5',
      IMPORT_UPLOAD_IDLE_TIMEOUT_MS: String(IDLE_MS),
      IMPORT_UPLOAD_CONCURRENCY: '3',
      WHATSAPP_APP_SECRET: SECRET,
    });
    await env.startApi();
  });
  afterAll(() => env.close());

  const count = async (sql: string, params: unknown[] = []) => Number((await env.db.query(sql, params))[0].count);

  it('leave /health, listing contacts and webhook intake prompt, and each ends in time leaving nothing', async () => {
    // Three that sent 1.5 MiB of their file (each holds a connection in an open transaction), then
    // nine that sent part of it, or only their headers.
    const uploads = [];
    for (let i = 0; i < 3; i++) uploads.push(await stalledUpload(env.url, TEST_API_KEY, 1.5 * 1024 * 1024));
    await eventually(async () => ((await count(IDLE_IN_TRANSACTION)) === 3 ? true : undefined), 10_000, 'three uploads holding transactions');
    for (const bytes of [10_000, 10_000, 10_000, 10_000, 0, 0, 0, 0, 0]) uploads.push(await stalledUpload(env.url, TEST_API_KEY, bytes));

    const health = await timed(`${env.url}/health`);
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    const contacts = await timed(`${env.url}/v1/contacts`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(contacts.status).toBe(200);
    const delivery = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
    const webhook = await timed(`${env.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(delivery, SECRET) },
      body: delivery,
    });
    expect(webhook.status).toBe(200);
    for (const answer of [health, contacts, webhook]) expect(answer.ms).toBeLessThan(1000);

    const ended = await Promise.all(uploads.map(async (u) => ({ ...(await u.ended), stalledAt: u.stalledAt })));
    for (const e of ended) {
      // 408 for the three that had a slot, after the idle limit; 503 at once for the others.
      expect([408, 503]).toContain(e.status);
      expect(e.endedAt - e.stalledAt).toBeLessThan(IDLE_MS + 1500);
    }
    expect(ended.filter((e) => e.status === 408)).toHaveLength(3);
    expect(ended.find((e) => e.status === 408)?.response).toContain('IMPORT_UPLOAD_TIMEOUT');
    expect(ended.find((e) => e.status === 503)?.response).toContain('IMPORT_UPLOADS_BUSY');
    expect(await count(`SELECT count(*) FROM contact_imports`)).toBe(0);
    expect(await count(`SELECT count(*) FROM contact_import_chunks`)).toBe(0);
    expect(await count(IDLE_IN_TRANSACTION)).toBe(0);

    // Slots free again: an upload goes through.
    const form = new FormData();
    form.append('file', new Blob(['phone\n+6281211119999\n']), 'ok.csv');
    expect((await client(env.url).post('/v1/contacts/imports', form)).status).toBe(202);
  }, 60_000);
});

describe('database session limits', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await TestEnv.create({
      DATABASE_POOL_SIZE: '1',
      DATABASE_ACQUIRE_TIMEOUT_MS: '300',
      DATABASE_STATEMENT_TIMEOUT_MS: '1500',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '700',
    });
    await env.startApi();
  });
  afterAll(() => env.close());

  it('carry statement_timeout and idle_in_transaction_session_timeout', async () => {
    expect(await env.db.query(`SELECT current_setting('statement_timeout') AS s, current_setting('idle_in_transaction_session_timeout') AS i`)).toEqual([
      { s: '1500ms', i: '700ms' },
    ]);
    await expect(env.db.query('SELECT pg_sleep(3)')).rejects.toMatchObject({ driverError: expect.objectContaining({ code: '57014' }) });
    const runner = env.db.createQueryRunner();
    await runner.startTransaction();
    await new Promise((r) => setTimeout(r, 1200));
    await expect(runner.query('SELECT 1')).rejects.toThrow();
    await runner.release().catch(() => undefined);
  });

  it('answer 503 SERVICE_UNAVAILABLE when no connection frees up in time, instead of hanging', async () => {
    const busy = env.db.query('SELECT pg_sleep(1.2)'); // the pool's only connection
    await new Promise((r) => setTimeout(r, 100));
    const res = await timed(`${env.url}/v1/contacts`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(res).toMatchObject({ status: 503, body: { code: 'SERVICE_UNAVAILABLE' } });
    expect(res.ms).toBeLessThan(1000);
    await busy;
    expect((await timed(`${env.url}/v1/contacts`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } })).status).toBe(200);
  });
});

describe('the import merge under a short statement_timeout', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await TestEnv.create({ DATABASE_STATEMENT_TIMEOUT_MS: '300', IMPORT_THREADS: '0' });
    await env.startApi();
    await env.startWorker();
  });
  afterAll(() => env.close());

  it('lifts the limit for its own transaction: a merge statement longer than the limit completes', async () => {
    // Recording consent events now takes 0.6 s, twice the sessions' statement limit.
    await env.db.query(`CREATE FUNCTION slow_events() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.6); RETURN NULL; END $$`);
    await env.db.query(`CREATE TRIGGER slow_events AFTER INSERT ON consent_events FOR EACH STATEMENT EXECUTE FUNCTION slow_events()`);
    await expect(env.db.query(`INSERT INTO consent_events (contact_id, kind, scope, source, occurred_at) VALUES (1, 'opt_out', 'all', 'api', now())`)).rejects.toMatchObject({
      driverError: expect.objectContaining({ code: '57014' }),
    });
    const api = client(env.url);
    const form = new FormData();
    form.append('file', new Blob(['phone,opt_in,opt_in_at\n+6281211110001,yes,2025-01-01T00:00:00Z\n']), 'a.csv');
    const { body } = await api.post('/v1/contacts/imports', form);
    const done = await eventually(async () => {
      const res = await api.get(`/v1/contacts/imports/${body.id}`);
      return ['completed', 'failed'].includes(res.body.status) ? res.body : undefined;
    });
    expect(done).toMatchObject({ status: 'completed', inserted: 1, consentEvents: 1 });
  });
});

describe('configuration of the limits', () => {
  it('has defaults, reads each variable, and refuses values that would disable a limit', () => {
    expect(AppConfig.fromEnvironment({}).database).toMatchObject({ acquireTimeoutMs: 5000, statementTimeoutMs: 30_000, idleInTransactionTimeoutMs: 60_000 });
    expect(AppConfig.fromEnvironment({}).imports).toMatchObject({ uploadIdleTimeoutMs: 30_000, uploadConcurrency: 4, leaseMs: 30_000 });
    const config = AppConfig.fromEnvironment({
      DATABASE_ACQUIRE_TIMEOUT_MS: '250',
      DATABASE_STATEMENT_TIMEOUT_MS: '0',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '9000',
      IMPORT_UPLOAD_IDLE_TIMEOUT_MS: '15000',
      IMPORT_UPLOAD_CONCURRENCY: '2',
      IMPORT_LEASE_MS: '5000',
    });
    expect(config.database).toMatchObject({ acquireTimeoutMs: 250, statementTimeoutMs: 0, idleInTransactionTimeoutMs: 9000 });
    expect(config.imports).toMatchObject({ uploadIdleTimeoutMs: 15_000, uploadConcurrency: 2, leaseMs: 5000 });

    const bad = {
      DATABASE_ACQUIRE_TIMEOUT_MS: '0',
      DATABASE_STATEMENT_TIMEOUT_MS: '-1',
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: 'soon',
      IMPORT_UPLOAD_IDLE_TIMEOUT_MS: '0',
      IMPORT_UPLOAD_CONCURRENCY: '0',
      IMPORT_LEASE_MS: '10',
    };
    let error: unknown;
    try {
      AppConfig.fromEnvironment(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    for (const name of Object.keys(bad)) expect((error as ConfigError).problems.join('\n')).toContain(name);
  });
});
