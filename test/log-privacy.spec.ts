import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { signWebhook } from '../src/whatsapp/webhook-signature';
import { deleteRedisKeys } from './support/app';
import { createTestDatabase } from './support/database';
import { freePort, ROOT, ServiceProcess, waitForHealth } from './support/processes';

/**
 * Logs leave the process, so they must not carry secrets or personal data. This plants a secret,
 * a phone number and a message body, drives the paths that used to log them (start-up errors, the
 * request log, Meta's handshake, a webhook delivery whose processing fails in the database) in the
 * built API and worker processes, and reads every line they wrote.
 */
describe('logs carry no secrets, phone numbers or message bodies', () => {
  const SECRET = 'PLANTED-secret-7f3a9c1e55';
  const PHONE = '6281399887766';
  const BODY = 'PLANTED message body: my address is Jalan Rahasia 12';
  const CITY = 'PlantedCityValue';
  const KEY = 'log-privacy-key-0123456789';
  const APP_SECRET = 'log-privacy-app-secret';
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: ServiceProcess;
  let worker: ServiceProcess;
  let url: string;

  const planted = [SECRET, PHONE, `+${PHONE}`, BODY, 'Jalan Rahasia', CITY];
  const leaks = (output: string) => planted.filter((p) => output.includes(p));

  beforeAll(async () => {
    db = await createTestDatabase();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '3',
      REDIS_PREFIX: (prefix = `siaran-test-logs-${port}`),
      PORT: String(port),
      API_BOOTSTRAP_KEY: KEY,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: SECRET,
      WHATSAPP_ACCESS_TOKEN: SECRET,
      LOG_LEVEL: 'trace',
    };
    api = ServiceProcess.start('api', env, { keepChars: 5_000_000 });
    worker = ServiceProcess.start('worker', env, { keepChars: 5_000_000 });
    await waitForHealth(url, api);
  });

  let prefix = '';
  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await db?.drop();
    await deleteRedisKeys(prefix);
  });

  it('start-up errors name the variable and the rule, never its value', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'main.js')], {
      env: {
        ...process.env,
        DATABASE_URL: `mysql://siaran:${SECRET}@db.example/siaran`,
        API_BOOTSTRAP_KEY: `short ${SECRET}`,
        REDIS_URL: `http://user:${SECRET}@redis`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(output).toMatch(/DATABASE_URL/);
    expect(output).toMatch(/API_BOOTSTRAP_KEY/);
    expect(output).toMatch(/REDIS_URL/);
    expect(leaks(output)).toEqual([]);
  });

  it('request logs, the handshake and a failing webhook delivery leak nothing', async () => {
    const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
    // Meta's handshake carries the verify token in the query string.
    const handshake = await fetch(`${url}/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${SECRET}&hub.challenge=42`);
    expect(await handshake.text()).toBe('42');
    // Contact filters carry phone numbers and attribute values.
    expect((await fetch(`${url}/v1/contacts?phone=%2B${PHONE}&attributes[city]=${CITY}&limit=5`, { headers: auth })).status).toBe(200);
    expect(
      (await fetch(`${url}/v1/contacts`, { method: 'POST', headers: auth, body: JSON.stringify({ phone: `+${PHONE}`, attributes: { city: CITY } }) }))
        .status,
    ).toBe(201);
    // An inbound message without `type`: its processing fails in the database, attempt after attempt.
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '62215000001', phone_number_id: '106540352242922' },
                contacts: [{ wa_id: PHONE, profile: { name: 'Planted' } }],
                messages: [{ from: PHONE, id: 'wamid.PLANTED1', timestamp: '1750000000', text: { body: BODY } }],
              },
            },
          ],
        },
      ],
    });
    const posted = await fetch(`${url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(body, APP_SECRET) },
      body,
    });
    expect(posted.status).toBe(200);
    // Wait until the worker has dealt with the delivery (processed, or failed and logged).
    const { Client } = await import('pg');
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const { rows } = await pg.query(`SELECT processed_at, attempts FROM webhook_deliveries`);
        if (rows.length === 1 && (rows[0].processed_at !== null || rows[0].attempts > 0)) break;
        if (Date.now() > deadline) throw new Error('the worker never handled the delivery');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await pg.end();
    }
    await new Promise((r) => setTimeout(r, 300)); // let pino flush the lines about it

    const all = api.recentOutput() + worker.recentOutput();
    // the paths were really driven and logged
    expect(all).toMatch(/"url":"\/webhooks\/whatsapp\?hub\.mode=subscribe&hub\.verify_token=\[redacted\]/);
    expect(all).toMatch(/\/v1\/contacts\?phone=\[redacted\]/);
    expect(leaks(all)).toEqual([]);
  });
});
