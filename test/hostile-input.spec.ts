import { startSimulator, Simulator } from './simulator/simulator';
import { TEST_API_KEY, TestEnv } from './support/app';
import { client } from './support/http';
import { fillPath, Operation, operationName, operations } from './support/routes';

type Schema = Record<string, any>;
type Where = 'path' | 'query' | 'body' | 'form';

/** One request of the table and what it must never do. */
interface Case {
  route: string;
  where: Where;
  field: string;
  value: string;
  /** Text PostgreSQL cannot store: must be refused (4xx), not merely survive. */
  mustRefuse: boolean;
  /** The refusal must be VALIDATION_FAILED naming this field. */
  mustName?: string;
  /** …with a problem that says this. */
  mustSay?: RegExp;
  /** The field takes this value (the document says it is nullable): no VALIDATION_FAILED may name it. */
  mustNotName?: string;
}

// ---------------------------------------------------------------------------------------------
// Hostile values

/** Characters PostgreSQL text and jsonb cannot hold. */
const UNSTORABLE = ['\u0000', 'Ana\u0000Wijaya', '\ud800', 'x\udfff'];
/** Everything else a client can send where a string is expected. */
const AWKWARD: unknown[] = [
  '',
  '   ',
  'x'.repeat(70_000),
  `%_\\'"; DROP TABLE contacts; --`,
  '😀'.repeat(300),
  '-271821-04-20T00:00:00Z',
  '2026-13-45 99:99:99+00',
  '{{#each this}}{{/each}}{{> partial}}',
  123,
  -1e308,
  1e16, // epoch milliseconds past what a Date holds
  8.640000000000001e15,
  true,
  null,
  {},
  [],
  { a: { b: 'c' } },
  '\u0002DEEP', // replaced by 20,000 nested arrays in the JSON text (JSON.stringify would overflow the test's own stack)
];
const DEEP = '\u0002DEEP';
const DEEP_JSON = `${'['.repeat(20_000)}"deep"${']'.repeat(20_000)}`;
/** Placeholders replaced in the JSON text by numbers JSON.parse reads as ±Infinity (JSON.stringify cannot write them). */
const INFINITE = '\u0003INF';
const NEGATIVE_INFINITE = '\u0003-INF';
const rawJson = (value: unknown) =>
  JSON.stringify(value).replace(JSON.stringify(DEEP), DEEP_JSON).replaceAll(JSON.stringify(INFINITE), '1e400').replaceAll(JSON.stringify(NEGATIVE_INFINITE), '-1e400');
/** What every body field gets, whatever its type: null, numbers JSON cannot hold, and epoch milliseconds past what a Date holds. */
const ANY_FIELD: unknown[] = [null, INFINITE, NEGATIVE_INFINITE, 1e16, -8.640000000000001e15];
const UNSTORABLE_KEYS = ['\u0000', 'k\ud800'];
/** Keys JavaScript treats specially: refused rather than silently dropped. */
const RESERVED_KEYS = ['__proto__', 'constructor', 'prototype'];
const HOSTILE_KEYS = [...UNSTORABLE_KEYS, '', ...RESERVED_KEYS, 'x'.repeat(1000)];

/** Raw (already percent-encoded) query and path values: NUL, bad UTF-8, lone surrogates, junk. */
const RAW_UNSTORABLE = ['%00', 'a%00b'];
const RAW_AWKWARD = [
  '%ED%A0%80',
  '%FF',
  '%',
  '%E0%A4%A',
  encodeURIComponent('x'.repeat(3000)),
  encodeURIComponent(`'; DROP TABLE contacts; --`),
  encodeURIComponent('%_\\'),
  encodeURIComponent('2026-13-45 99:99:99+00'),
  '-1',
  '99999999999999999999',
  '1e400',
];
const RAW_PATH = [...RAW_UNSTORABLE, ...RAW_AWKWARD, '..%2F..', '0', '1e3', '%20'];

const cursorOf = (after: unknown) => Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
const UUID = '6f1c2a7e-3b4d-4c5e-8f90-123456789abc';
/** Well-formed cursors naming impossible keys: each must be INVALID_CURSOR, never a database error. */
const HOSTILE_CURSORS = [
  cursorOf(`2026-13-45 99:99:99+00|${UUID}`),
  cursorOf(`2026-02-30 10:00:00+00|${UUID}`),
  cursorOf(`99999-01-01 00:00:00+00|${UUID}`),
  cursorOf('99999999999999999999'),
  cursorOf('-1'),
  cursorOf('7\u0000'),
  cursorOf({ after: 1 }),
  Buffer.from(`2026-13-45 99:99:99+00|${UUID}`).toString('base64'),
];

const describeValue = (v: unknown) => {
  if (v === DEEP) return '20,000 nested arrays';
  if (v === INFINITE) return '1e400';
  if (v === NEGATIVE_INFINITE) return '-1e400';
  const text = JSON.stringify(typeof v === 'string' && v.length > 40 ? `${v.slice(0, 40)}…(${v.length})` : v) ?? String(v);
  return text;
};

// ---------------------------------------------------------------------------------------------
// The document: baseline requests and every place a string goes

function resolve(doc: Schema, schema: Schema | undefined): Schema {
  let s = schema ?? {};
  while (s.$ref) s = doc.components.schemas[s.$ref.split('/').pop()];
  if (s.allOf) return Object.assign({}, ...s.allOf.map((part: Schema) => resolve(doc, part)), { ...s, allOf: undefined });
  return s;
}

/** A plausible value for a schema, from its examples (which another spec checks are valid). */
function sample(doc: Schema, schema: Schema | undefined): unknown {
  const s = resolve(doc, schema);
  if (s.example !== undefined) return structuredClone(s.example);
  if (s.enum) return s.enum[0];
  if (s.type === 'object' || s.properties) {
    return Object.fromEntries(
      Object.entries<Schema>(s.properties ?? {})
        .filter(([name, p]) => (s.required ?? []).includes(name) || resolve(doc, p).example !== undefined || resolve(doc, p).properties)
        .map(([name, p]) => [name, sample(doc, p)]),
    );
  }
  if (s.type === 'array') return [sample(doc, s.items)];
  if (s.type === 'integer' || s.type === 'number') return 1;
  if (s.type === 'boolean') return true;
  return 'x';
}

/** Paths (as key lists) of every string in a value, and of every object in it (where a new key can go). */
function places(value: unknown, path: string[] = []): { strings: string[][]; objects: string[][] } {
  if (typeof value === 'string') return { strings: [path], objects: [] };
  if (typeof value !== 'object' || value === null) return { strings: [], objects: [] };
  const found = { strings: [] as string[][], objects: Array.isArray(value) ? [] : [path] };
  for (const [key, child] of Object.entries(value)) {
    const inner = places(child, [...path, key]);
    found.strings.push(...inner.strings);
    found.objects.push(...inner.objects);
  }
  return found;
}

/** Every declared property (nested objects and array items included), whatever its type. */
function declaredFields(doc: Schema, schema: Schema | undefined, path: string[] = [], depth = 0): string[][] {
  const s = resolve(doc, schema);
  if (depth > 4) return [];
  const here = path.length > 0 ? [path] : [];
  if (s.type === 'array') return [...here, ...declaredFields(doc, s.items, [...path, '0'], depth + 1)];
  return [...here, ...Object.entries<Schema>(s.properties ?? {}).flatMap(([name, p]) => declaredFields(doc, p, [...path, name], depth + 1))];
}

/** The schema of the value at `path`; `free` when the path goes through an object without declared properties (attributes). */
function schemaAt(doc: Schema, schema: Schema | undefined, path: string[]): { schema: Schema; free: boolean } {
  let s = resolve(doc, schema);
  for (const key of path) {
    if (s.type === 'array') s = resolve(doc, s.items);
    else if (s.properties?.[key]) s = resolve(doc, s.properties[key]);
    else return { schema: {}, free: true };
  }
  return { schema: s, free: false };
}

/** Declared string properties (nested objects included) that the baseline does not carry. */
function declaredStrings(doc: Schema, schema: Schema | undefined, path: string[] = [], depth = 0): string[][] {
  const s = resolve(doc, schema);
  if (depth > 4) return [];
  if (s.type === 'string') return [path];
  if (s.type === 'array') return declaredStrings(doc, s.items, [...path, '0'], depth + 1);
  return Object.entries<Schema>(s.properties ?? {}).flatMap(([name, p]) => declaredStrings(doc, p, [...path, name], depth + 1));
}

function setAt(target: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: any = Array.isArray(target) ? [...target] : { ...(target as object) };
  copy[path[0]] = setAt(copy[path[0]] ?? (/^\d+$/.test(path[1] ?? '') ? [] : {}), path.slice(1), value);
  return copy;
}

/** Baseline tweaks where the examples alone make a request that is refused for another reason. */
/** The preview reads a date from the contact's attributes, so hostile attribute values reach the renderer. */
const PREVIEW_DATE = '{{date attributes.when "d MMM yyyy"}}';

const BODY_OVERRIDES: Record<string, (body: any) => any> = {
  // contactId or contact, not both; a binding of the fixture template, so the preview renders
  'POST /v1/templates/{id}/preview': ({ contactId: _contactId, ...body }) => ({
    ...body,
    binding: { 'body.1': PREVIEW_DATE },
    contact: { ...body.contact, attributes: { ...body.contact.attributes, when: '2026-03-05' } },
  }),
  // the fixture's own number or none: another one is 422 before anything else is looked at
  'PATCH /v1/contacts/{id}': ({ phone: _phone, ...body }) => body,
  'POST /v1/contacts/{id}/opt-in': (body) => ({ ...body, occurredAt: undefined }),
  'POST /v1/contacts/{id}/opt-out': (body) => ({ ...body, occurredAt: undefined }),
};

describe('hostile input on every route and string field: never a 5xx, always the error body', () => {
  let sim: Simulator;
  let env: TestEnv;
  let doc: Schema;
  let ids: Record<string, string>;
  const seen: Array<Case & { status: number }> = [];
  /** What went wrong, one line per request, so a failure lists every bad answer at once. */
  let failures: string[] = [];
  beforeEach(() => {
    failures = [];
  });
  afterEach(() => {
    expect(failures).toEqual([]);
  });

  beforeAll(async () => {
    sim = await startSimulator({ seed: 5, templateReview: { delayMs: 60_000 } });
    env = await TestEnv.create({
      WHATSAPP_API_URL: sim.url,
      WHATSAPP_ACCESS_TOKEN: 'sim-token',
      WHATSAPP_APP_SECRET: 'sim-app-secret',
      WHATSAPP_VERIFY_TOKEN: 'verify-me',
      WHATSAPP_WABA_ID: '2000000001',
      WHATSAPP_PHONE_NUMBER_ID: '1000000001',
      WHATSAPP_TIMEOUT_MS: '2000',
    });
    await env.startApi();
    const api = client(env.url);
    doc = (await api.get('/docs-json')).body;
    const contact = await api.post('/v1/contacts', { phone: '+6281900000001', name: 'Fixture' });
    const template = await api.post('/v1/templates', {
      name: 'hostile_fixture',
      language: 'id',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Halo {{1}}, semua ok.', example: { body_text: [['Ana']] } }],
    });
    const form = new FormData();
    form.append('file', new Blob(['phone,name\n+6281900000002,Eko\n'], { type: 'text/csv' }), 'fixture.csv');
    const upload = await api.post('/v1/contacts/imports', form);
    const number = await api.post('/v1/phone-numbers', { phoneNumberId: '1000000001', wabaId: '2000000001', businessCountry: 'ID' });
    expect([contact.status, template.status, upload.status, number.status]).toEqual([201, 201, 202, 201]);
    ids = { contacts: contact.body.id, templates: template.body.id, imports: upload.body.id, phoneNumbers: number.body.phoneNumberId };
  });
  afterAll(async () => {
    await sim.stop();
    await env.close();
  });

  const idFor = (path: string) => (path.startsWith('/v1/contacts/imports') ? ids.imports : path.startsWith('/v1/templates') ? ids.templates : ids.contacts);

  async function send(c: Case, method: string, url: string, init: { body?: string | FormData; json?: boolean }): Promise<Record<string, any> | undefined> {
    const res = await fetch(`${env.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${TEST_API_KEY}`, ...(init.json ? { 'content-type': 'application/json' } : {}) },
      body: init.body,
    });
    const text = await res.text();
    seen.push({ ...c, status: res.status });
    const what = `${c.route} ${c.where} ${c.field} = ${c.value}: ${res.status}`;
    if (res.status >= 500) failures.push(`${what} (a 5xx)`);
    else if (c.mustRefuse && res.status < 400) failures.push(`${what} (accepted what cannot be stored as sent)`);
    let body: Record<string, any> | undefined;
    try {
      body = (res.headers.get('content-type') ?? '').includes('application/json') ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    /** Whether a VALIDATION_FAILED names the field, or (`orParent`) the list or object holding it (`tags` for tags.0: class-validator's `each` rules). */
    const named = (field: string, orParent: boolean) =>
      body?.code === 'VALIDATION_FAILED' &&
      Array.isArray(body.details) &&
      body.details.some((d: { field?: string }) => d.field === field || (orParent && d.field !== undefined && field.startsWith(`${d.field}.`)));
    if (c.mustName !== undefined && !named(c.mustName, true)) failures.push(`${what} (not VALIDATION_FAILED naming ${c.mustName}: ${text.slice(0, 160)})`);
    else if (c.mustSay !== undefined && !(body?.details ?? []).some((d: { field?: string; problems?: string[] }) => d.field === c.mustName && d.problems?.some((p) => c.mustSay!.test(p)))) {
      failures.push(`${what} (does not say ${c.mustSay}: ${text.slice(0, 160)})`);
    }
    if (c.mustNotName !== undefined && named(c.mustNotName, false)) failures.push(`${what} (refused a value the document allows: ${text.slice(0, 160)})`);
    if (res.status < 400) return body;
    const shaped =
      body !== undefined && body.statusCode === res.status && typeof body.code === 'string' && /^[A-Z_]+$/.test(body.code) && typeof body.message === 'string';
    if (!shaped) failures.push(`${what} (not the error body: ${text.slice(0, 120)})`);
    return body;
  }

  const pathOf = (o: Operation) => fillPath(o.path, { id: idFor(o.path), phoneNumberId: ids.phoneNumbers });

  it('path parameters', async () => {
    for (const o of operations(doc)) {
      for (const p of (o.op.parameters ?? []).filter((p: Schema) => p.in === 'path')) {
        for (const raw of RAW_PATH) {
          const url = o.path.replace(`{${p.name}}`, raw).replace(/\{\w+\}/g, idFor(o.path));
          const body = o.op.requestBody?.content?.['application/json'] ? JSON.stringify(sample(doc, o.op.requestBody.content['application/json'].schema)) : undefined;
          const c = { route: operationName(o), where: 'path' as const, field: p.name, value: describeValue(raw), mustRefuse: RAW_UNSTORABLE.includes(raw) };
          await send(c, o.method, url, { body, json: body !== undefined });
        }
      }
    }
  });

  it('query parameters, cursors included', async () => {
    for (const o of operations(doc)) {
      for (const p of (o.op.parameters ?? []).filter((p: Schema) => p.in === 'query')) {
        const deep = p.style === 'deepObject';
        const shapes = [
          ...[...RAW_UNSTORABLE, ...RAW_AWKWARD].map((raw) => ({ query: deep ? `${p.name}[city]=${raw}` : `${p.name}=${raw}`, raw, refuse: RAW_UNSTORABLE.includes(raw) })),
          ...RAW_UNSTORABLE.map((raw) => ({ query: `${p.name}[${raw}]=x`, raw: `[${raw}]`, refuse: true })),
          { query: `${p.name}[]=x&${p.name}[]=y`, raw: '[]', refuse: false },
          { query: `${p.name}[a][b][c]=x`, raw: '[a][b][c]', refuse: false },
          // one value expected: "must be given once", not what a list of two breaks
          { query: `${p.name}=x&${p.name}=y`, raw: 'twice', refuse: !deep && p.schema?.type !== 'array', name: !deep && p.schema?.type !== 'array' ? p.name : undefined },
          ...(p.name === 'cursor' ? HOSTILE_CURSORS.map((cursor) => ({ query: `cursor=${encodeURIComponent(cursor)}`, raw: cursor, refuse: true })) : []),
        ];
        for (const shape of shapes) {
          const value = shape.raw.length > 100 ? describeValue(shape.raw) : shape.raw;
          const name = 'name' in shape ? shape.name : undefined;
          const c = { route: operationName(o), where: 'query' as const, field: p.name, value, mustRefuse: shape.refuse, mustName: name, mustSay: name ? /must be given once$/ : undefined };
          await send(c, o.method, `${pathOf(o)}?${shape.query}`, {});
        }
      }
    }
    // every cursor a listing takes was among them, and each one was INVALID_CURSOR
    const cursors = seen.filter((c) => c.field === 'cursor' && HOSTILE_CURSORS.includes(c.value));
    expect(new Set(cursors.map((c) => c.route))).toEqual(
      new Set(['GET /v1/contacts', 'GET /v1/contacts/imports', 'GET /v1/contacts/{id}/consents', 'GET /v1/templates', 'GET /v1/campaigns', 'GET /v1/campaigns/{id}/recipients', 'GET /v1/phone-numbers', 'GET /v1/audit-log']),
    );
    expect(cursors.every((c) => c.status === 400)).toBe(true);
  });

  it('JSON bodies: every string (and object key) the examples carry, and every declared string field', async () => {
    const routes = new Set<string>();
    for (const o of operations(doc)) {
      const schema = o.op.requestBody?.content?.['application/json']?.schema;
      if (!schema) continue;
      routes.add(operationName(o));
      const override = BODY_OVERRIDES[operationName(o)] ?? ((b: unknown) => b);
      const baseline = override(sample(doc, schema));
      const found = places(baseline);
      const strings = [...found.strings.map((p) => p.join('\u0001')), ...declaredStrings(doc, schema).map((p) => p.join('\u0001'))];
      for (const path of [...new Set(strings)].map((p) => (p === '' ? [] : p.split('\u0001')))) {
        for (const value of [...UNSTORABLE, ...AWKWARD]) {
          const body = rawJson(setAt(baseline, path, value));
          const c = { route: operationName(o), where: 'body' as const, field: path.join('.'), value: describeValue(value), mustRefuse: UNSTORABLE.includes(value as string) };
          await send(c, o.method, pathOf(o), { body, json: true });
        }
      }
      for (const path of found.objects) {
        for (const key of HOSTILE_KEYS) {
          const target = path.reduce<any>((v, k) => v[k], baseline);
          const body = JSON.stringify(setAt(baseline, path, { ...target, [key]: 'v' }));
          const reserved = RESERVED_KEYS.includes(key);
          const c = {
            route: operationName(o),
            where: 'body' as const,
            field: `${path.join('.')}[key]`,
            value: describeValue(key),
            mustRefuse: UNSTORABLE_KEYS.includes(key) || reserved,
            mustName: reserved ? [...path, key].join('.') : undefined,
          };
          await send(c, o.method, pathOf(o), { body, json: true });
        }
      }
    }
    expect([...routes]).toEqual(expect.arrayContaining(['POST /v1/contacts', 'PATCH /v1/contacts/{id}', 'POST /v1/templates', 'POST /v1/templates/{id}/preview']));
    // the fields the issue named, among them
    const fields = new Set(seen.filter((c) => c.where === 'body').map((c) => `${c.route} ${c.field}`));
    for (const field of [
      'POST /v1/contacts name',
      'POST /v1/contacts tags.0',
      'POST /v1/contacts attributes.city',
      'POST /v1/contacts attributes[key]',
      'POST /v1/contacts/{id}/opt-in wording',
      'POST /v1/contacts/{id}/opt-out occurredAt',
      'POST /v1/templates components.1.text',
      'POST /v1/templates/{id}/preview locale',
      'POST /v1/templates/{id}/preview timeZone',
    ]) {
      expect(fields).toContain(field);
    }
  });

  it('JSON bodies: null, numbers JSON cannot hold (1e400) and past-Date numbers (1e16) in every field, whatever its type', async () => {
    const routes = new Set<string>();
    for (const o of operations(doc)) {
      const schema = o.op.requestBody?.content?.['application/json']?.schema;
      if (!schema) continue;
      routes.add(operationName(o));
      const baseline = (BODY_OVERRIDES[operationName(o)] ?? ((b: unknown) => b))(sample(doc, schema));
      // declared fields, and a new key in every free-form object (attributes, binding, components' objects)
      const fields = [...declaredFields(doc, schema), ...places(baseline).objects.filter((p) => schemaAt(doc, schema, p).schema.properties === undefined && p.length > 0).map((p) => [...p, 'extra'])];
      for (const path of [...new Set(fields.map((p) => p.join('\u0001')))].map((p) => p.split('\u0001'))) {
        const { schema: at, free } = schemaAt(doc, schema, path);
        for (const value of ANY_FIELD) {
          const field = path.join('.');
          const infinite = value === INFINITE || value === NEGATIVE_INFINITE;
          const c: Case = {
            route: operationName(o),
            where: 'body',
            field,
            value: describeValue(value),
            // JSON numbers that are not finite are refused everywhere; null wherever the document does not allow it
            mustRefuse: infinite || (value === null && !free && at.nullable !== true),
            mustName: infinite ? field : value === null && !free && at.nullable !== true ? field : undefined,
            mustNotName: value === null && at.nullable === true ? field : undefined,
          };
          await send(c, o.method, pathOf(o), { body: rawJson(setAt(baseline, path, value)), json: true });
        }
      }
    }
    expect([...routes]).toEqual(expect.arrayContaining(['POST /v1/contacts', 'PATCH /v1/contacts/{id}', 'POST /v1/templates', 'POST /v1/templates/{id}/preview']));
    const fields = new Set(seen.filter((c) => c.where === 'body' && c.value === 'null').map((c) => `${c.route} ${c.field}`));
    for (const field of [
      'PATCH /v1/contacts/{id} tags',
      'PATCH /v1/contacts/{id} attributes',
      'PATCH /v1/contacts/{id} name',
      'POST /v1/contacts tags',
      'POST /v1/contacts attributes.extra',
      'PATCH /v1/templates/{id} components',
      'POST /v1/templates/{id}/preview contact.attributes',
      'POST /v1/templates/{id}/preview contact.attributes.extra',
      'POST /v1/templates/{id}/preview locale',
      'PATCH /v1/phone-numbers/{phoneNumberId} businessPortfolioId',
      'POST /v1/phone-numbers messagingLimit',
    ]) {
      expect(fields).toContain(field);
    }
  });

  it("preview: whatever a contact's attribute holds, a helper reading it gives that recipient a problem, never an error (given values and a stored contact)", async () => {
    const route = 'POST /v1/templates/{id}/preview';
    const url = `/v1/templates/${ids.templates}/preview`;
    const sources = [
      PREVIEW_DATE,
      'due {{date attributes.when}}',
      '{{date attributes.when dateStyle="long" timeStyle="short" tz="Asia/Jakarta"}}',
      '{{#if attributes.when}}{{date attributes.when "HH:mm"}}{{/if}}',
      '{{currency attributes.when "IDR"}}',
      'total {{currency attributes.when "USD" "en-US"}}',
      '{{urlencode attributes.when}}',
      '{{title attributes.when}}',
      '{{default (date attributes.when) "soon"}}',
    ];
    // the values a campaign's data can hold; the first ones are no date at all, or no real one
    const values: unknown[] = [1e16, -1e16, 1e300, -1e300, 8.640000000000001e15, 5e-324, '1e300', '2025-02-30', '2026-13-45 99:99:99+00', '9999-12-31T23:59:60Z', true, {}, [], { a: [1] }, ''];
    const unusableDate = (v: unknown) => !(typeof v === 'number' && Math.abs(v) <= 8.64e15);
    for (const source of sources) {
      for (const when of values) {
        const c: Case = { route, where: 'body', field: `contact.attributes.when under ${source}`, value: describeValue(when), mustRefuse: false };
        const body = await send(c, 'POST', url, { body: JSON.stringify({ binding: { 'body.1': source }, contact: { attributes: { when } } }), json: true });
        const status = seen[seen.length - 1].status;
        if (status !== 200) failures.push(`${c.field} = ${c.value}: ${status} (a preview of storable data is 200, ok or not)`);
        else if (source.includes('date attributes') && !source.startsWith('{{default') && unusableDate(when) && body?.ok !== false) {
          failures.push(`${c.field} = ${c.value}: ok ${JSON.stringify(body?.text?.body)} (a date the helper cannot use is a problem)`);
        }
      }
      const c: Case = { route, where: 'body', field: `contact.attributes.when under ${source}`, value: '1e400', mustRefuse: true, mustName: 'contact.attributes.when' };
      await send(c, 'POST', url, { body: `{"binding":${JSON.stringify({ 'body.1': source })},"contact":{"attributes":{"when":1e400}}}`, json: true });
    }
    // the same data stored on a contact
    for (const [i, when] of values.entries()) {
      const created = await client(env.url).post('/v1/contacts', { phone: `+628190000${String(100 + i).padStart(4, '0')}`, attributes: { when } });
      expect(created.status).toBe(201);
      const c: Case = { route, where: 'body', field: 'contactId (attributes.when stored)', value: describeValue(when), mustRefuse: false };
      const body = await send(c, 'POST', url, { body: JSON.stringify({ binding: { 'body.1': PREVIEW_DATE }, contactId: created.body.id }), json: true });
      if (unusableDate(when) && body?.ok !== false) failures.push(`stored attributes.when = ${c.value}: ${JSON.stringify(body)} (a date the helper cannot use is a problem)`);
    }
  });

  it('multipart uploads: every form field, the file name and the file', async () => {
    for (const o of operations(doc).filter((o) => o.op.requestBody?.content?.['multipart/form-data'])) {
      const schema = resolve(doc, o.op.requestBody.content['multipart/form-data'].schema);
      const fields = Object.entries<Schema>(schema.properties).filter(([, p]) => p.format !== 'binary');
      expect(fields.length).toBeGreaterThan(0);
      const upload = async (field: string, value: string, fileName = 'audience.csv', content = 'phone\n+6281900000003\n') => {
        const form = new FormData();
        form.append('file', new Blob([content], { type: 'text/csv' }), fileName);
        if (field !== 'file') form.append(field, value);
        const c = { route: operationName(o), where: 'form' as const, field, value: describeValue(value), mustRefuse: field !== 'file' && value.includes('\u0000') };
        await send(c, o.method, pathOf(o), { body: form });
      };
      for (const [field] of fields) for (const value of [...UNSTORABLE, '', 'x'.repeat(70_000), 'id', `%_\\'"`]) await upload(field, value);
      for (const fileName of ['a\u0000b.csv', '\ud800.csv', 'x'.repeat(5000)]) await upload('file', fileName, fileName);
      for (const content of ['phone\n\u0000\n', 'phone,name\n+6281900000004,A\u0000B\n', '\u0000\u0000\u0000', '']) await upload('file', 'content', 'audience.csv', content);
    }
  });
});
