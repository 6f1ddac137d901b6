import 'reflect-metadata';
import type { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../src/app.module';
import { configureApi } from '../src/app.setup';
import { WorkerModule } from '../src/worker.module';
import { TestEnv } from './support/app';
import { client } from './support/http';

/** Every log call the application makes through Nest's logger, as it made it. */
class CapturedLog implements LoggerService {
  readonly entries: Array<{ level: string; text: string }> = [];
  private keep(level: string, args: unknown[]): void {
    this.entries.push({ level, text: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') });
  }
  log = (...args: unknown[]) => this.keep('log', args);
  error = (...args: unknown[]) => this.keep('error', args);
  warn = (...args: unknown[]) => this.keep('warn', args);
  debug = (...args: unknown[]) => this.keep('debug', args);
  verbose = (...args: unknown[]) => this.keep('verbose', args);
  fatal = (...args: unknown[]) => this.keep('fatal', args);

  at(level: string): string[] {
    return this.entries.filter((e) => e.level === level).map((e) => e.text);
  }
}

const WABA = '2000000001';
/** Set, so its value must never appear in a log. */
const VERIFY_TOKEN = 'verify-token-value-9f3a';

const template = {
  name: 'not_configured',
  language: 'id',
  category: 'UTILITY',
  components: [{ type: 'BODY', text: 'Pesanan {{1}} sudah dikirim', example: { body_text: [['A-1']] } }],
};

/**
 * WhatsApp settings left out (here: all but the verify token): configuration, not an outage. The
 * API and the worker each warn once at start-up with the names of what is missing; features that
 * need a setting answer 503 with its name, and nothing is logged as an error.
 */
describe('WhatsApp not configured', () => {
  let env: TestEnv;
  let app: NestExpressApplication;
  const log = new CapturedLog();
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    env = await TestEnv.create({ WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN });
    app = await NestFactory.create<NestExpressApplication>(AppModule.register(env.config), { bufferLogs: true, bodyParser: false, logger: false });
    configureApi(app);
    app.useLogger(log); // after configureApi's pino logger: this test reads what the app logs
    await app.listen(0, '127.0.0.1');
    api = client((await app.getUrl()).replace('[::1]', '127.0.0.1'));
  });
  afterAll(async () => {
    await app.close();
    await env.close();
  });

  it('warns once at API start-up, naming what is missing and no value', () => {
    const warnings = log.at('warn').filter((w) => w.includes('not fully configured'));
    expect(warnings).toHaveLength(1);
    for (const name of ['WHATSAPP_ACCESS_TOKEN', 'WHATSAPP_WABA_ID', 'WHATSAPP_PHONE_NUMBER_ID', 'WHATSAPP_APP_SECRET']) expect(warnings[0]).toContain(name);
    expect(warnings[0]).not.toContain('WHATSAPP_VERIFY_TOKEN');
    expect(JSON.stringify(log.entries)).not.toContain(VERIFY_TOKEN);
  });

  it('warns once at worker start-up too', async () => {
    const workerLog = new CapturedLog();
    const worker = await NestFactory.createApplicationContext(WorkerModule.register(env.config), { logger: workerLog });
    try {
      const warnings = workerLog.at('warn').filter((w) => w.includes('not fully configured'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('WHATSAPP_ACCESS_TOKEN');
      expect(JSON.stringify(workerLog.entries)).not.toContain(VERIFY_TOKEN);
    } finally {
      await worker.close();
      app.useLogger(log); // Nest's logger is process-wide: the worker took it over
    }
  });

  it('answers a submit with 503 WHATSAPP_NOT_CONFIGURED naming the token, logs no error, keeps the draft', async () => {
    const created = await api.post('/v1/templates', { ...template, wabaId: WABA });
    expect(created.status).toBe(201);
    const before = log.entries.length;
    const submitted = await api.post(`/v1/templates/${created.body.id}/submit`);
    expect(submitted.status).toBe(503);
    expect(submitted.body).toEqual({
      statusCode: 503,
      code: 'WHATSAPP_NOT_CONFIGURED',
      message: expect.stringContaining('WHATSAPP_ACCESS_TOKEN'),
      details: { missing: ['WHATSAPP_ACCESS_TOKEN'] },
    });
    expect(submitted.body.message).not.toMatch(/try again/i);
    const logged = log.entries.slice(before);
    // seen (this logger does get the filter's output), as a warning, with no stack
    expect(logged.filter((e) => e.level === 'warn' && e.text.includes('WHATSAPP_NOT_CONFIGURED'))).toHaveLength(1);
    expect(logged.filter((e) => e.level === 'error' || e.level === 'fatal')).toEqual([]);
    expect(logged.some((e) => /\n\s+at /.test(e.text))).toBe(false);
    expect((await api.get(`/v1/templates/${created.body.id}`)).body).toMatchObject({ status: 'DRAFT', whatsappId: null });
    // and a second submit is not "in progress": nothing was claimed
    expect((await api.post(`/v1/templates/${created.body.id}/submit`)).body.code).toBe('WHATSAPP_NOT_CONFIGURED');
  });

  it('names every missing setting an operation needs', async () => {
    const sync = await api.post('/v1/templates/sync', {});
    expect(sync.body).toMatchObject({ statusCode: 503, code: 'WHATSAPP_NOT_CONFIGURED', details: { missing: ['WHATSAPP_ACCESS_TOKEN', 'WHATSAPP_WABA_ID'] } });
    const draft = await api.post('/v1/templates', { ...template, name: 'no_waba' });
    expect(draft.body).toMatchObject({ statusCode: 503, code: 'WHATSAPP_NOT_CONFIGURED', details: { missing: ['WHATSAPP_WABA_ID'] } });
  });

  it('answers webhook deliveries with 503 WEBHOOK_NOT_CONFIGURED while WHATSAPP_APP_SECRET is unset', async () => {
    const anon = client((await app.getUrl()).replace('[::1]', '127.0.0.1'), null);
    const res = await anon.post('/webhooks/whatsapp', { object: 'whatsapp_business_account', entry: [] }, { 'x-hub-signature-256': 'sha256=00' });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ statusCode: 503, code: 'WEBHOOK_NOT_CONFIGURED', message: expect.stringContaining('WHATSAPP_APP_SECRET') });
    // the handshake works: its token is set
    const handshake = await anon.get(`/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=42`);
    expect(handshake).toMatchObject({ status: 200, body: '42' });
  });
});
