import { connect } from 'node:net';
import { TEST_API_KEY, TestEnv } from './support/app';

/**
 * A webhook POST that cannot be genuine is answered before its body is read: an attacker cannot make
 * the API read and hash megabytes (or hold a connection open) without knowing the app secret's format.
 * Each request below declares a 3 MB body but sends only its first bytes: the answer must come anyway.
 */
describe('webhook deliveries are refused before their body is read', () => {
  let env: TestEnv;
  let port: number;

  beforeAll(async () => {
    env = await TestEnv.create({ WHATSAPP_APP_SECRET: 'gate-secret' });
    await env.startApi();
    port = Number(new URL(env.url).port);
  });
  afterAll(() => env.close());

  /** Sends headers and 100 bytes of a body declared as `length` bytes; resolves with the status line, or null if the socket closed without one. */
  function partialPost(headers: Record<string, string>, length = 3 * 1024 * 1024 - 1): Promise<string | null> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(null);
      }, 15_000);
      socket.on('error', reject);
      socket.on('data', (chunk) => {
        answer += chunk.toString('latin1');
        const line = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/.exec(answer);
        if (line && line[2].includes('}')) {
          clearTimeout(timer);
          socket.destroy();
          resolve(`${line[1]} ${line[2]}`);
        }
      });
      const head = Object.entries({ 'content-type': 'application/json', 'content-length': String(length), ...headers })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.write(`POST /webhooks/whatsapp HTTP/1.1\r\nhost: 127.0.0.1\r\n${head}\r\n`);
      socket.write('{"object":"whatsapp_business_account","entry":[' + ' '.repeat(50));
    });
  }

  it('answers 401 at once when the signature is missing', async () => {
    const answer = await partialPost({});
    expect(answer).toMatch(/^401 .*WEBHOOK_SIGNATURE_MISSING/);
  });

  it('answers 401 at once when the signature is not sha256=<64 hex>', async () => {
    expect(await partialPost({ 'x-hub-signature-256': 'sha1=abc' })).toMatch(/^401 .*WEBHOOK_SIGNATURE_INVALID/);
  });

  it('answers 413 at once for a declared length over 3 MB', async () => {
    expect(await partialPost({ 'x-hub-signature-256': `sha256=${'a'.repeat(64)}` }, 3 * 1024 * 1024 + 1)).toMatch(/^413 .*PAYLOAD_TOO_LARGE/);
  });

  it('reads a well-formed delivery and checks its signature over the bytes', async () => {
    const res = await fetch(`${env.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'a'.repeat(64)}` },
      body: '{"object":"whatsapp_business_account","entry":[]}',
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('WEBHOOK_SIGNATURE_INVALID');
  });

  it('answers 503 WEBHOOK_NOT_CONFIGURED without reading when no app secret is set', async () => {
    const bare = await TestEnv.create({ WHATSAPP_APP_SECRET: '' });
    try {
      await bare.startApi();
      const saved = port;
      port = Number(new URL(bare.url).port);
      try {
        expect(await partialPost({ 'x-hub-signature-256': `sha256=${'a'.repeat(64)}` })).toMatch(/^503 .*WEBHOOK_NOT_CONFIGURED/);
      } finally {
        port = saved;
      }
    } finally {
      await bare.close();
    }
  });
});

describe('bodies sent to JSON routes must say they are JSON', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await TestEnv.create();
    await env.startApi();
  });
  afterAll(() => env.close());

  const send = (path: string, contentType: string | undefined, body: string, method = 'POST') =>
    fetch(`${env.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_API_KEY}`, ...(contentType ? { 'content-type': contentType } : {}) },
      body,
    });

  it.each([
    ['application/x-www-form-urlencoded', '{"phone":"+6281234567890"}'],
    ['text/plain', '{"phone":"+6281234567890"}'],
    ['multipart/form-data; boundary=x', '--x--'],
    ['application/merge-patch+json', '{"phone":"+6281234567890"}'],
  ])('a %s body to POST /v1/contacts is 415, not a misleading 400', async (type, body) => {
    const res = await send('/v1/contacts', type, body);
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('JSON (with a charset) passes, and a POST without a body needs no type', async () => {
    expect((await send('/v1/contacts', 'application/json; charset=utf-8', '{"phone":"+6281234567890"}')).status).toBe(201);
    const noBody = await fetch(`${env.url}/v1/templates/sync`, { method: 'POST', headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(noBody.status).not.toBe(415);
  });
});
