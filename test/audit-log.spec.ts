import type { AuditEntry } from '../src/audit/audit-log.repository';
import { signWebhook } from '../src/whatsapp/webhook-signature';
import { eventually, TEST_API_KEY, TestEnv } from './support/app';
import { client } from './support/http';

const SECRET = 'audit-app-secret';
const MARKER = 'Rahasia-Badan-Permintaan-7731';

/** An entry as GET /v1/audit-log answers it (its time as an ISO string). */
type Row = Omit<AuditEntry, 'at'> & { id: string; at: string };

/**
 * The audit log of API writes: every POST/PUT/PATCH/DELETE under /v1 is kept once answered (the
 * handler's answer, a domain error, a validation error, a 401 from the key guard, a 415 from a
 * middleware), with the key, the route pattern, the target and the request id, and never a body,
 * a header or a secret; reads, the webhook and /health are not kept. GET /v1/audit-log filters
 * and pages newest first.
 */
describe('audit log', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    env = await TestEnv.create({ WHATSAPP_APP_SECRET: SECRET });
    await env.startApi();
    api = client(env.url);
  });
  afterAll(() => env.close());

  /** The entry of a request, by its X-Request-Id, once written (it is written after the answer). */
  const entryOf = (requestId: string) =>
    eventually(async () => {
      const page = await api.get(`/v1/audit-log?limit=200`);
      return (page.body.data as Row[]).find((r) => r.requestId === requestId);
    }, 5_000, `the audit entry of ${requestId}`);
  const count = async () => Number((await env.db.query(`SELECT count(*) FROM audit_log`))[0].count);
  const settle = () => new Promise((r) => setTimeout(r, 150));

  it('keeps a create with the id it made, the key, the route and the request id', async () => {
    const res = await api.post('/v1/contacts', { phone: '+6281377000001', name: MARKER, attributes: { note: MARKER } }, { 'x-request-id': 'req-create-1' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('req-create-1');
    const row = await entryOf('req-create-1');
    expect(row).toMatchObject({
      apiKeyName: 'bootstrap',
      action: 'POST /v1/contacts',
      targetType: 'contacts',
      targetId: res.body.id,
      statusCode: 201,
      outcome: 'ok',
    });
    expect(row.apiKeyId).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.durationMs).toBeGreaterThanOrEqual(0);

    const patched = await api.patch(`/v1/contacts/${res.body.id}`, { name: 'Other' });
    expect(patched.status).toBe(200);
    const id = patched.headers.get('x-request-id')!;
    expect(await entryOf(id)).toMatchObject({ action: 'PATCH /v1/contacts/:id', targetType: 'contacts', targetId: res.body.id, outcome: 'ok' });
  });

  it('keeps failed writes with their error code: a domain error, a validation error, a 404 with its target', async () => {
    const invalid = await api.post('/v1/contacts', { phone: 'not a phone' });
    expect(invalid.body.code).toBe('CONTACT_PHONE_INVALID');
    expect(await entryOf(invalid.headers.get('x-request-id')!)).toMatchObject({ action: 'POST /v1/contacts', statusCode: 400, outcome: 'CONTACT_PHONE_INVALID', targetId: null });

    const validation = await api.post('/v1/contacts', { phone: '+6281377000002', name: 42 });
    expect(validation.status).toBe(400);
    expect(await entryOf(validation.headers.get('x-request-id')!)).toMatchObject({ statusCode: 400, outcome: 'VALIDATION_FAILED', apiKeyName: 'bootstrap' });

    const missing = await api.post('/v1/contacts/987654/opt-out', {});
    expect(missing.status).toBe(404);
    expect(await entryOf(missing.headers.get('x-request-id')!)).toMatchObject({
      action: 'POST /v1/contacts/:id/opt-out',
      targetType: 'contacts',
      targetId: '987654',
      statusCode: 404,
      outcome: 'CONTACT_NOT_FOUND',
    });
  });

  it('keeps writes refused before any handler: 401 without a key or with a bad one, 415, malformed JSON', async () => {
    const anonymous = await client(env.url, null).post('/v1/contacts', { phone: '+6281377000003' }, { 'x-request-id': 'req-401-a' });
    expect(anonymous.status).toBe(401);
    expect(await entryOf('req-401-a')).toMatchObject({ apiKeyId: null, apiKeyName: null, action: 'POST /v1/contacts', statusCode: 401, outcome: 'AUTH_MISSING_API_KEY' });

    const badKey = await client(env.url, 'sk_not-a-key-at-all-000000000000').delete('/v1/contacts/12');
    expect(badKey.status).toBe(401);
    expect(await entryOf(badKey.headers.get('x-request-id')!)).toMatchObject({ action: 'DELETE /v1/contacts/:id', targetId: '12', outcome: 'AUTH_INVALID_API_KEY', apiKeyName: null });

    // Refused by middleware before express routed it: the route is still named.
    const form = await fetch(`${env.url}/v1/campaigns/5b0f3c52-0000-4000-8000-000000000001/launch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'text/plain', 'x-request-id': 'req-415' },
      body: MARKER,
    });
    expect(form.status).toBe(415);
    expect(await entryOf('req-415')).toMatchObject({
      action: 'POST /v1/campaigns/:id/launch',
      targetType: 'campaigns',
      targetId: '5b0f3c52-0000-4000-8000-000000000001',
      statusCode: 415,
      outcome: 'UNSUPPORTED_MEDIA_TYPE',
    });

    const malformed = await fetch(`${env.url}/v1/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json', 'x-request-id': 'req-malformed' },
      body: `{"name": "${MARKER}"`,
    });
    expect(malformed.status).toBe(400);
    expect(await entryOf('req-malformed')).toMatchObject({ action: 'POST /v1/contacts', statusCode: 400, outcome: 'MALFORMED_JSON' });
  });

  it('does not keep reads, the webhook, /health or writes to no route', async () => {
    await settle();
    const before = await count();
    expect((await api.get('/v1/contacts')).status).toBe(200);
    expect((await fetch(`${env.url}/health`)).status).toBeLessThan(600);
    const raw = JSON.stringify({ object: 'whatsapp_business_account', entry: [] });
    const hook = await fetch(`${env.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(raw, SECRET) },
      body: raw,
    });
    expect(hook.status).toBe(200);
    expect((await api.post('/v1/nothing-here', {})).status).toBe(404);
    await settle();
    expect(await count()).toBe(before);
  });

  it('filters by key name, action, target, outcome and period, and pages newest first', async () => {
    const before = await count();
    for (let i = 0; i < 5; i++) expect((await api.post('/v1/contacts', { phone: `+62813770001${i}` })).status).toBe(201);
    await eventually(async () => ((await count()) === before + 5 ? true : undefined), 5_000, 'the entries');
    const all = (await api.get('/v1/audit-log?limit=200')).body.data as Row[];
    const ats = all.map((r) => r.at);
    expect([...ats].sort().reverse()).toEqual(ats);

    const creates = (await api.get(`/v1/audit-log?action=${encodeURIComponent('POST /v1/contacts')}&outcome=ok&limit=200`)).body.data as Row[];
    expect(creates.length).toBeGreaterThanOrEqual(6);
    expect(creates.every((r) => r.action === 'POST /v1/contacts' && r.outcome === 'ok')).toBe(true);
    expect((await api.get('/v1/audit-log?outcome=AUTH_MISSING_API_KEY')).body.data).toHaveLength(1);
    expect((await api.get('/v1/audit-log?apiKeyName=bootstrap&limit=200')).body.data.every((r: Row) => r.apiKeyName === 'bootstrap')).toBe(true);
    expect((await api.get('/v1/audit-log?targetId=987654')).body.data.map((r: Row) => r.outcome)).toEqual(['CONTACT_NOT_FOUND']);

    // The period: from inclusive, to exclusive, with a zone.
    const newest = all[0].at;
    const onlyNewest = (await api.get(`/v1/audit-log?from=${encodeURIComponent(newest)}&limit=200`)).body.data as Row[];
    expect(onlyNewest.map((r) => r.id)).toEqual(all.filter((r) => r.at === newest).map((r) => r.id));
    expect((await api.get(`/v1/audit-log?to=${encodeURIComponent(all[all.length - 1].at)}`)).body.data).toEqual([]);
    const noZone = await api.get('/v1/audit-log?from=2026-11-01T00:00:00');
    expect(noZone.status).toBe(400);
    expect(noZone.body.code).toBe('VALIDATION_FAILED');
    expect((await api.get('/v1/audit-log?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z')).body.code).toBe('VALIDATION_FAILED');

    // Keyset pages of 4: every entry once, in the same order as one page.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { data: Row[]; nextCursor: string | null } } = await api.get(`/v1/audit-log?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((r) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((r) => r.id));
    expect((await api.get('/v1/audit-log?cursor=bm9wZQ')).body.code).toBe('INVALID_CURSOR');
  });

  it('holds no body, header or secret in any row', async () => {
    const rows = await env.db.query(`SELECT a::text AS line FROM audit_log a`);
    expect(rows.length).toBeGreaterThan(10);
    for (const { line } of rows as Array<{ line: string }>) {
      expect(line).not.toContain(MARKER);
      expect(line).not.toContain(TEST_API_KEY);
      expect(line).not.toContain('sk_not-a-key');
      expect(line).not.toContain('6281377');
    }
  });
});
