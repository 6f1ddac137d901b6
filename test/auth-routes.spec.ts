import { TestEnv } from './support/app';
import { client } from './support/http';
import { DOCS_ROUTES, fillPath, operationName, operations, PUBLIC_OPERATIONS, servedRoutes } from './support/routes';

/**
 * README: "Every route needs Authorization: Bearer <key> except /health, /docs and /webhooks/*".
 * Checked over every route the API serves, taken from the running app and its OpenAPI document,
 * so a route added later is covered without touching this file.
 */
describe('API keys on every route', () => {
  let env: TestEnv;
  let doc: Record<string, any>;

  beforeAll(async () => {
    env = await TestEnv.create();
    await env.startApi();
    doc = (await client(env.url, null).get('/docs-json')).body;
  });
  afterAll(() => env.close());

  it('the document lists every route the app serves, and marks exactly the non-public ones as needing a key', () => {
    const documented = operations(doc).map(operationName);
    expect([...servedRoutes(env)].sort()).toEqual([...documented].sort());
    expect(documented.length).toBeGreaterThan(20);
    const withoutSecurity = operations(doc).filter((o) => !o.op.security?.some((s: Record<string, unknown>) => 'bearer' in s));
    expect(withoutSecurity.map(operationName).sort()).toEqual([...PUBLIC_OPERATIONS].sort());
  });

  it('answers 401 AUTH_MISSING_API_KEY without a key and 401 AUTH_INVALID_API_KEY with a wrong one, on every other route', async () => {
    const ids = { id: '00000000-0000-4000-8000-000000000000' };
    const checked: string[] = [];
    for (const o of operations(doc).filter((o) => !PUBLIC_OPERATIONS.includes(operationName(o)))) {
      const path = fillPath(o.path, ids);
      for (const [key, code] of [
        [null, 'AUTH_MISSING_API_KEY'],
        ['sk_wrong-key-but-well-formed', 'AUTH_INVALID_API_KEY'],
      ] as const) {
        const res = await fetch(`${env.url}${path}`, {
          method: o.method,
          headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), 'content-type': 'application/json' },
          body: o.method === 'GET' || o.method === 'DELETE' ? undefined : '{}',
        });
        const body = await res.json();
        expect({ route: operationName(o), key, status: res.status, body }).toEqual({
          route: operationName(o),
          key,
          status: 401,
          body: { statusCode: 401, code, message: expect.any(String) },
        });
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
      }
      checked.push(operationName(o));
    }
    expect(checked).toEqual(expect.arrayContaining(['GET /v1/contacts/count', 'POST /v1/contacts/imports', 'POST /v1/templates/{id}/preview']));
  });

  it('serves the public routes without a key', async () => {
    const anon = client(env.url, null);
    expect((await anon.get('/health')).status).toBe(200);
    for (const path of DOCS_ROUTES) expect({ path, status: (await anon.get(path)).status }).toEqual({ path, status: 200 });
    // the webhook routes answer for themselves (no key): here, not configured
    const handshake = await anon.get('/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1');
    expect(handshake.headers.get('content-type')).toContain('application/json'); // an error is JSON, even on a text/plain route
    expect(handshake.body).toEqual({ statusCode: 503, code: 'WEBHOOK_NOT_CONFIGURED', message: expect.stringContaining('WHATSAPP_VERIFY_TOKEN') });
    expect((await anon.post('/webhooks/whatsapp', {})).body.code).toBe('WEBHOOK_NOT_CONFIGURED');
  });
});
