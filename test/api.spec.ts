import { ApiKeysService } from '../src/auth/api-keys.service';
import { TestEnv } from './support/app';
import { client } from './support/http';

describe('API: keys, health, docs, errors, contacts and consent', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    env = await TestEnv.create();
    await env.startApi();
    api = client(env.url);
  });
  afterAll(() => env.close());

  describe('keys and public routes', () => {
    it('serves /health, /docs and the OpenAPI document without a key', async () => {
      const anon = client(env.url, null);
      const health = await anon.get('/health');
      expect(health.status).toBe(200);
      expect(health.body.info).toMatchObject({ postgres: { status: 'up' }, redis: { status: 'up' } });
      expect((await anon.get('/docs')).status).toBe(200);
      const doc = await anon.get('/docs/openapi.json');
      expect(doc.status).toBe(200);
      expect(Object.keys(doc.body.paths)).toEqual(
        expect.arrayContaining(['/v1/contacts', '/v1/contacts/{id}', '/v1/contacts/{id}/opt-in', '/v1/contacts/imports/{id}/rejected.csv']),
      );
      // every route documents its errors
      const post = doc.body.paths['/v1/contacts'].post;
      expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '409']));
    });

    it('answers 401 with a stable code for a missing or wrong key', async () => {
      const missing = await client(env.url, null).get('/v1/contacts');
      expect(missing.status).toBe(401);
      expect(missing.body).toMatchObject({ statusCode: 401, code: 'AUTH_MISSING_API_KEY' });
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');
      const wrong = await client(env.url, 'sk_not-a-key').get('/v1/contacts');
      expect(wrong.body).toMatchObject({ statusCode: 401, code: 'AUTH_INVALID_API_KEY' });
    });

    it('accepts a created key and refuses it once revoked', async () => {
      const keys = env.get(ApiKeysService);
      const { key, row } = await keys.create('ops');
      expect(key).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
      expect((await client(env.url, key).get('/v1/contacts')).status).toBe(200);
      await expect(keys.create('ops')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect((await keys.revoke('ops')).map((r) => r.id)).toEqual([row.id]);
      expect((await client(env.url, key).get('/v1/contacts')).body.code).toBe('AUTH_INVALID_API_KEY');
      const listed = await keys.list();
      expect(listed.find((k) => k.id === row.id)?.revokedAt).not.toBeNull();
      // keys are stored hashed
      const stored = await env.db.query(`SELECT key_hash FROM api_keys WHERE id = $1`, [row.id]);
      expect(stored[0].key_hash).not.toContain(key);
    });

    it('names the bootstrap key "bootstrap" and records which key acted', async () => {
      const created = await api.post('/v1/contacts', { phone: '+6281100000001' });
      const event = await api.post(`/v1/contacts/${created.body.id}/opt-out`, {});
      const [{ name }] = await env.db.query(`SELECT name FROM api_keys WHERE id = $1`, [event.body.event.apiKeyId]);
      expect(name).toBe('bootstrap');
    });
  });

  describe('errors', () => {
    it('say one coherent thing per field: the kind a value must be, or that a parameter is given twice', async () => {
      const twice = await api.get('/v1/contacts?limit=1&limit=2');
      expect(twice.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', details: [{ field: 'limit', problems: ['limit must be given once'] }] });
      const tags = await api.post('/v1/contacts', { phone: '+6281100000013', tags: 'vip' });
      expect(tags.body.details).toEqual([{ field: 'tags', problems: ['tags must be an array'] }]);
      const phone = await api.post('/v1/contacts', { phone: 6281100000013 });
      expect(phone.body.details).toEqual([{ field: 'phone', problems: ['phone must be a string'] }]);
      expect(phone.body.message).toBe('Validation failed: phone: phone must be a string');
      const limit = await api.get('/v1/contacts?limit=abc');
      expect(limit.body.details).toEqual([{ field: 'limit', problems: ['limit must be an integer number'] }]);
      const many = await api.post('/v1/contacts', { phone: '+6281100000013', tags: Array.from({ length: 101 }, (_, i) => `t${i}`) });
      expect(many.body.details).toEqual([{ field: 'tags', problems: ['tags must contain no more than 100 elements'] }]);
    });

    it('have one shape: unknown route, malformed JSON, unknown field, wrong type', async () => {
      const route = await api.get('/v1/nothing-here');
      expect(route.body).toMatchObject({ statusCode: 404, code: 'ROUTE_NOT_FOUND' });
      const json = await api.post('/v1/contacts', '{"phone": ', { 'content-type': 'application/json' });
      expect(json.body).toMatchObject({ statusCode: 400, code: 'MALFORMED_JSON' });
      const unknown = await api.post('/v1/contacts', { phone: '+6281100000002', colour: 'red', tags: 'vip' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.code).toBe('VALIDATION_FAILED');
      expect(unknown.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['colour', 'tags']);
    });
  });

  describe('contacts', () => {
    it('creates a contact from a national number with a default country', async () => {
      const res = await api.post('/v1/contacts', {
        phone: '0812-3456-7890',
        defaultCountry: 'ID',
        name: 'Ana',
        attributes: { city: 'Jakarta', plan: 'gold' },
        tags: [' vip ', 'vip', 'jakarta'],
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        phone: '+6281234567890',
        country: 'ID',
        name: 'Ana',
        attributes: { city: 'Jakarta', plan: 'gold' },
        tags: ['vip', 'jakarta'],
        consent: { marketing: { status: null, since: null }, utility: { status: null, since: null } },
      });
      expect((await api.get(`/v1/contacts/${res.body.id}`)).body.phone).toBe('+6281234567890');
    });

    it('refuses an impossible number with a reason, and a duplicate with the existing id', async () => {
      const bad = await api.post('/v1/contacts', { phone: '12345', defaultCountry: 'ID' });
      expect(bad.body).toMatchObject({ statusCode: 400, code: 'CONTACT_PHONE_INVALID', details: { reason: 'phone_too_short' } });
      const noCountry = await api.post('/v1/contacts', { phone: '0812-3456-7890' });
      expect(noCountry.body.details.reason).toBe('phone_country_unknown');
      const first = await api.post('/v1/contacts', { phone: '+62 811 0000 0003' });
      const again = await api.post('/v1/contacts', { phone: '0811-0000-0003', defaultCountry: 'ID' });
      expect(again.body).toMatchObject({ statusCode: 409, code: 'CONTACT_ALREADY_EXISTS', details: { contactId: first.body.id } });
      expect((await api.post('/v1/contacts', {})).body.code).toBe('VALIDATION_FAILED');
    });

    it('patches: attributes merge (null removes), tags replace, the phone cannot change', async () => {
      const { body } = await api.post('/v1/contacts', { phone: '+6281100000004', attributes: { a: '1', b: '2' }, tags: ['x'] });
      const patched = await api.patch(`/v1/contacts/${body.id}`, { name: 'Budi', attributes: { b: null, c: 3 }, tags: ['y'] });
      expect(patched.body).toMatchObject({ name: 'Budi', attributes: { a: '1', c: 3 }, tags: ['y'] });
      // The rule, with its own code, instead of "property phone should not exist".
      const phone = await api.patch(`/v1/contacts/${body.id}`, { phone: '+6281100000099', name: 'Not saved' });
      expect(phone.status).toBe(422);
      expect(phone.body).toMatchObject({
        statusCode: 422,
        code: 'CONTACT_PHONE_IMMUTABLE',
        message: "A contact's phone cannot change; create a new contact",
        details: [{ field: 'phone' }],
      });
      expect((await api.get(`/v1/contacts/${body.id}`)).body).toMatchObject({ phone: '+6281100000004', name: 'Budi' });
      // Its own number, in any format, changes nothing and is not an error.
      const same = await api.patch(`/v1/contacts/${body.id}`, { phone: '0811-0000-0004', name: 'Budi S' });
      expect(same.body).toMatchObject({ phone: '+6281100000004', name: 'Budi S' });
      expect((await api.patch(`/v1/contacts/${body.id}`, { phone: 12345 })).body.code).toBe('CONTACT_PHONE_IMMUTABLE');
      expect((await api.patch('/v1/contacts/999999999', { name: 'x' })).body.code).toBe('CONTACT_NOT_FOUND');
      expect((await api.get('/v1/contacts/not-an-id')).body.code).toBe('CONTACT_NOT_FOUND');
    });

    it('null: clears the name, is refused for tags and attributes (400 naming the field, nothing written), never a 500', async () => {
      const { body } = await api.post('/v1/contacts', { phone: '+6281100000010', name: 'Dewi', attributes: { city: 'Medan' }, tags: ['vip'] });
      for (const [patch, fields] of [
        [{ tags: null }, ['tags']],
        [{ attributes: null }, ['attributes']],
        [{ name: null, tags: null, attributes: null }, ['attributes', 'tags']],
      ] as const) {
        const res = await api.patch(`/v1/contacts/${body.id}`, patch);
        expect({ patch, status: res.status, code: res.body.code, fields: res.body.details?.map((d: { field: string }) => d.field).sort() }).toEqual({
          patch,
          status: 400,
          code: 'VALIDATION_FAILED',
          fields,
        });
        expect(res.body.details[0].problems).toEqual([expect.stringMatching(/must not be null/)]);
      }
      expect((await api.get(`/v1/contacts/${body.id}`)).body).toMatchObject({ name: 'Dewi', attributes: { city: 'Medan' }, tags: ['vip'] });
      // what clears: name null, tags [], an attribute set to null
      const cleared = await api.patch(`/v1/contacts/${body.id}`, { name: null, tags: [], attributes: { city: null } });
      expect(cleared.status).toBe(200);
      expect(cleared.body).toMatchObject({ name: null, attributes: {}, tags: [] });
      // on create too: null tags or attributes are refused, not silently emptied
      const created = await api.post('/v1/contacts', { phone: '+6281100000011', tags: null, attributes: null });
      expect(created.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(created.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['attributes', 'tags']);
      // a contact without a phone may say so
      const bsuid = await api.post('/v1/contacts', { phone: null, bsuid: 'ID.null-phone-1' });
      expect(bsuid.status).toBe(201);
      expect((await api.patch(`/v1/contacts/${bsuid.body.id}`, { phone: null, name: 'Eka' })).body).toMatchObject({ phone: null, name: 'Eka' });
    });

    it('refuses numbers JSON cannot hold (1e400 is Infinity, stored as null) and the keys __proto__, constructor, prototype, naming each', async () => {
      const raw = '{"phone":"+6281100000012","attributes":{"score":1e400,"debt":-1e400,"big":1e308,"__proto__":{"admin":true},"constructor":"x","prototype":1}}';
      const res = await api.post('/v1/contacts', raw, { 'content-type': 'application/json' });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
        'attributes.__proto__',
        'attributes.constructor',
        'attributes.debt',
        'attributes.prototype',
        'attributes.score',
      ]);
      expect((await api.get('/v1/contacts?phone=%2B6281100000012')).body.data).toEqual([]);
      // finite numbers, however large, are kept as sent
      const ok = await api.post('/v1/contacts', '{"phone":"+6281100000012","attributes":{"big":1e308,"when":1e16}}', { 'content-type': 'application/json' });
      expect(ok.status).toBe(201);
      expect(ok.body.attributes).toEqual({ big: 1e308, when: 1e16 });
    });

    it('deletes by erasing personal data but keeps the opt-out for a contact created again', async () => {
      const { body } = await api.post('/v1/contacts', { phone: '+6281100000005', name: 'Citra', attributes: { secret: 'x' } });
      await api.post(`/v1/contacts/${body.id}/opt-out`, { scope: 'marketing' });
      expect((await api.delete(`/v1/contacts/${body.id}`)).status).toBe(204);
      expect((await api.get(`/v1/contacts/${body.id}`)).status).toBe(404);
      expect((await api.delete(`/v1/contacts/${body.id}`)).status).toBe(404);
      const [row] = await env.db.query(`SELECT name, attributes, phone FROM contacts WHERE id = $1`, [body.id]);
      expect(row).toEqual({ name: null, attributes: {}, phone: '+6281100000005' });
      const again = await api.post('/v1/contacts', { phone: '+6281100000005', name: 'Citra 2' });
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({ id: body.id, name: 'Citra 2', consent: { marketing: { status: 'opted_out' } } });
    });

    it('filters by phone, tag, country, attribute and consent, in keyset pages', async () => {
      const made: string[] = [];
      for (let i = 0; i < 7; i++) {
        const res = await api.post('/v1/contacts', {
          phone: `+6281200000${String(i).padStart(3, '0')}`,
          tags: i % 2 ? ['page-test', 'odd'] : ['page-test'],
          attributes: { city: i < 3 ? 'Medan' : 'Solo' },
        });
        made.push(res.body.id);
      }
      await api.post(`/v1/contacts/${made[0]}/opt-in`, { scope: 'marketing', wording: 'Yes please' });

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await api.get(`/v1/contacts?tag=page-test&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        expect(page.body.data.length).toBeLessThanOrEqual(3);
        seen.push(...page.body.data.map((c: { id: string }) => c.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(made);

      const ids = async (query: string) => (await api.get(`/v1/contacts?${query}`)).body.data.map((c: { id: string }) => c.id);
      expect(await ids('tag=page-test&tag=odd')).toEqual([made[1], made[3], made[5]]);
      expect(await ids('tag=page-test&attributes[city]=Medan')).toEqual(made.slice(0, 3));
      expect(await ids(`phone=${encodeURIComponent('0812-0000-0004')}&defaultCountry=ID`)).toEqual([made[4]]);
      expect(await ids('tag=page-test&consent=marketing:opted_in')).toEqual([made[0]]);
      expect(await ids('tag=page-test&consent=marketing:none')).toEqual(made.slice(1));
      expect((await ids('country=ID&tag=page-test')).length).toBe(7);
      expect((await api.get('/v1/contacts?cursor=garbage')).body.code).toBe('INVALID_CURSOR');
      expect((await api.get('/v1/contacts?limit=501')).body.code).toBe('VALIDATION_FAILED');
      expect((await api.get('/v1/contacts?consent=marketing:maybe')).body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('search, count and countries in any case', () => {
    it('finds contacts by name in any case, as a prefix or anywhere, with % and _ taken literally', async () => {
      const names = ['Ana Wijaya', 'DIANA Putri', 'Budi Anak', 'Citra', '100% Ana', 'ana_b', 'anaxb'];
      const ids: string[] = [];
      for (const [i, name] of names.entries()) {
        ids.push((await api.post('/v1/contacts', { phone: `+6281300000${String(i).padStart(3, '0')}`, name, tags: ['search-test'] })).body.id);
      }
      const found = async (query: string) =>
        (await api.get(`/v1/contacts?tag=search-test&${query}`)).body.data.map((c: { name: string }) => c.name);
      expect(await found('q=ana')).toEqual(['Ana Wijaya', 'DIANA Putri', 'Budi Anak', '100% Ana', 'ana_b', 'anaxb']);
      expect(await found('q=ANA%20W')).toEqual(['Ana Wijaya']);
      expect(await found(`q=${encodeURIComponent('100%')}`)).toEqual(['100% Ana']);
      expect(await found(`q=${encodeURIComponent('%')}`)).toEqual(['100% Ana']);
      expect(await found('q=ana_')).toEqual(['ana_b']);
      expect(await found(`q=${encodeURIComponent('\\')}`)).toEqual([]);
      expect(await found('q=zzz')).toEqual([]);
      // pages of a search
      const first = await api.get('/v1/contacts?tag=search-test&q=ana&limit=4');
      const second = await api.get(`/v1/contacts?tag=search-test&q=ana&limit=4&cursor=${first.body.nextCursor}`);
      expect([...first.body.data, ...second.body.data].map((c: { id: string }) => c.id)).toEqual([ids[0], ids[1], ids[2], ids[4], ids[5], ids[6]]);
      expect((await api.get('/v1/contacts?q=')).body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', details: [{ field: 'q' }] });
      expect((await api.get(`/v1/contacts?q=${'a'.repeat(101)}`)).body.code).toBe('VALIDATION_FAILED');
    });

    it('counts with the same filters as the list', async () => {
      for (let i = 0; i < 5; i++) {
        await api.post('/v1/contacts', {
          phone: `+6281400000${String(i).padStart(3, '0')}`,
          name: i < 2 ? `Eka ${i}` : `Dewi ${i}`,
          tags: ['count-test'],
          attributes: { city: i % 2 ? 'Medan' : 'Solo' },
        });
      }
      const count = async (query: string) => {
        const res = await api.get(`/v1/contacts/count?${query}`);
        expect(res.status).toBe(200);
        const list = await api.get(`/v1/contacts?${query}&limit=500`);
        expect(res.body).toEqual({ count: list.body.data.length });
        return res.body.count;
      };
      expect(await count('tag=count-test')).toBe(5);
      expect(await count('tag=count-test&q=eka')).toBe(2);
      expect(await count('tag=count-test&attributes[city]=Solo')).toBe(3);
      expect(await count('tag=count-test&consent=marketing:none&country=id')).toBe(5);
      expect(await count(`tag=count-test&phone=${encodeURIComponent('0814-0000-0003')}&defaultCountry=id`)).toBe(1);
      expect((await api.get('/v1/contacts/count?limit=5')).body.code).toBe('VALIDATION_FAILED');
      expect((await client(env.url, null).get('/v1/contacts/count')).body.code).toBe('AUTH_MISSING_API_KEY');
    });

    it('takes defaultCountry (and country) in lower case everywhere', async () => {
      const created = await api.post('/v1/contacts', { phone: '0815-0000-0001', defaultCountry: 'id' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ phone: '+6281500000001', country: 'ID' });
      const listed = await api.get(`/v1/contacts?phone=${encodeURIComponent('0815-0000-0001')}&defaultCountry=id&country=id`);
      expect(listed.body.data.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
      expect((await api.post('/v1/contacts', { phone: '0815-0000-0002', defaultCountry: 'idn' })).body.details[0].field).toBe('defaultCountry');

      const form = new FormData();
      form.append('file', new Blob(['phone,name\n0815-0000-0003,Eko\n'], { type: 'text/csv' }), 'audience.csv');
      form.append('defaultCountry', 'id');
      const upload = await api.post('/v1/contacts/imports', form);
      expect(upload.status).toBe(202);
      expect(upload.body.defaultCountry).toBe('ID');
    });
  });

  describe('consent', () => {
    it('needs evidence for an opt-in, refuses future times, and keeps the ledger in order', async () => {
      const { body } = await api.post('/v1/contacts', { phone: '+6281100000006' });
      const path = `/v1/contacts/${body.id}`;
      expect((await api.post(`${path}/opt-in`, { scope: 'marketing' })).body.code).toBe('CONSENT_EVIDENCE_REQUIRED');
      expect((await api.post(`${path}/opt-in`, { scope: 'everything', wording: 'x' })).body.code).toBe('VALIDATION_FAILED');
      const future = new Date(Date.now() + 3600_000).toISOString();
      expect((await api.post(`${path}/opt-in`, { scope: 'marketing', wording: 'x', occurredAt: future })).body.code).toBe(
        'CONSENT_TIME_IN_FUTURE',
      );

      const optIn = await api.post(`${path}/opt-in`, {
        scope: 'marketing',
        wording: 'Ya, saya mau promo dari Toko Ana via WhatsApp',
        evidenceRef: 'https://toko.example/daftar',
        occurredAt: '2025-03-01T00:00:00Z',
      });
      expect(optIn.status).toBe(201);
      expect(optIn.body.consent.marketing).toEqual({ status: 'opted_in', since: '2025-03-01T00:00:00.000Z' });

      const optOut = await api.post(`${path}/opt-out`, { occurredAt: '2025-04-01T00:00:00Z', wording: 'STOP' });
      expect(optOut.body.event).toMatchObject({ kind: 'opt_out', scope: 'all', source: 'api' });
      expect(optOut.body.consent).toEqual({
        marketing: { status: 'opted_out', since: '2025-04-01T00:00:00.000Z' },
        utility: { status: 'opted_out', since: '2025-04-01T00:00:00.000Z' },
      });

      // an opt-in that happened before the opt-out is recorded but does not reinstate
      const late = await api.post(`${path}/opt-in`, { scope: 'marketing', wording: 'old form', occurredAt: '2025-03-15T00:00:00Z' });
      expect(late.body.consent.marketing.status).toBe('opted_out');
      // a newer one does
      const newer = await api.post(`${path}/opt-in`, { scope: 'marketing', wording: 'new form' });
      expect(newer.body.consent.marketing.status).toBe('opted_in');
      expect(newer.body.consent.utility.status).toBe('opted_out');

      const ledger = await api.get(`${path}/consents`);
      expect(ledger.body.data.map((e: { kind: string; wording: string }) => `${e.kind}:${e.wording}`)).toEqual([
        'opt_in:Ya, saya mau promo dari Toko Ana via WhatsApp',
        'opt_out:STOP',
        'opt_in:old form',
        'opt_in:new form',
      ]);
      expect(ledger.body.consent.marketing.status).toBe('opted_in');
      expect(ledger.body.data[0]).toMatchObject({ source: 'api', evidenceRef: 'https://toko.example/daftar', apiKeyId: expect.any(String) });
      expect((await api.get('/v1/contacts/424242/consents')).body.code).toBe('CONTACT_NOT_FOUND');
    });

    it('lists the ledger in the order it was recorded when ids cross a power of ten, in pages', async () => {
      const { body } = await api.post('/v1/contacts', { phone: '+6281100000008' });
      // ids 96..105: sorted as text, "100" would come before "96".
      await env.db.query(`SELECT setval(pg_get_serial_sequence('consent_events', 'id'), 95)`);
      for (let i = 1; i <= 10; i++) {
        const res = await api.post(`/v1/contacts/${body.id}/opt-out`, { scope: 'marketing', wording: `e${i}`, occurredAt: `2025-01-01T00:${String(i).padStart(2, '0')}:00Z` });
        expect(res.status).toBe(201);
      }
      const ledger = await api.get(`/v1/contacts/${body.id}/consents`);
      expect(ledger.body.data.map((e: { wording: string }) => e.wording)).toEqual(Array.from({ length: 10 }, (_, i) => `e${i + 1}`));
    });

    it('refuses dates PostgreSQL cannot store, and impossible ones, naming the field', async () => {
      const { body } = await api.post('/v1/contacts', { phone: '+6281100000009' });
      // Also refused: a time without a zone (ambiguous: never guessed) and a date without a time.
      const refused = ['-271821-04-20T00:00:00Z', '+010000-01-01T00:00:00Z', '2025-02-30T00:00:00Z', '2025-13-01', 'yesterday', 1740787200000, true];
      for (const occurredAt of [...refused, '2025-03-01T10:00', '2025-03-01 10:00:00', '2025-03-01']) {
        const res = await api.post(`/v1/contacts/${body.id}/opt-out`, { occurredAt });
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED', details: [{ field: 'occurredAt' }] });
      }
      const jakarta = await api.post(`/v1/contacts/${body.id}/opt-out`, { occurredAt: '2025-03-01T10:00+07:00' });
      expect(jakarta.body.event.occurredAt).toBe('2025-03-01T03:00:00.000Z');
      expect((await api.get(`/v1/contacts/${body.id}/consents`)).body.data).toHaveLength(1);
    });

    it('applies concurrent consent changes one after the other', async () => {
      const { body } = await api.post('/v1/contacts', { phone: '+6281100000007' });
      const changes = Array.from({ length: 20 }, (_, i) =>
        i % 2
          ? api.post(`/v1/contacts/${body.id}/opt-out`, { scope: 'marketing', occurredAt: new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString() })
          : api.post(`/v1/contacts/${body.id}/opt-in`, {
              scope: 'marketing',
              wording: 'x',
              occurredAt: new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString(),
            }),
      );
      expect((await Promise.all(changes)).every((r) => r.status === 201)).toBe(true);
      // the newest event (minute 19, an opt-out) decides, whatever order they were applied in
      expect((await api.get(`/v1/contacts/${body.id}`)).body.consent.marketing).toEqual({
        status: 'opted_out',
        since: '2025-01-01T00:19:00.000Z',
      });
    });
  });
});
