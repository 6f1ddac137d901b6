import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { TestEnv } from './support/app';
import { client } from './support/http';

type Schema = Record<string, any>;

/** Every property schema of every component, with its path (`ContactView.phone`). */
function properties(doc: Schema): Array<{ path: string; schema: Schema }> {
  const found: Array<{ path: string; schema: Schema }> = [];
  for (const [name, schema] of Object.entries<Schema>(doc.components.schemas)) {
    for (const [prop, propSchema] of Object.entries<Schema>(schema.properties ?? {})) found.push({ path: `${name}.${prop}`, schema: propSchema });
  }
  for (const [path, ops] of Object.entries<Schema>(doc.paths)) {
    for (const [method, op] of Object.entries<Schema>(ops)) {
      for (const p of op.parameters ?? []) found.push({ path: `${method.toUpperCase()} ${path} ?${p.name}`, schema: p.schema ?? {} });
    }
  }
  return found;
}

/** Whether an example has the JSON type its schema declares (and is one of its enum values). */
function exampleFits(schema: Schema, example: unknown): boolean {
  if (example === null) return schema.nullable === true;
  if (schema.enum && !schema.enum.includes(example)) return false;
  switch (schema.type) {
    case 'string':
      return typeof example === 'string';
    case 'integer':
      return Number.isInteger(example);
    case 'number':
      return typeof example === 'number';
    case 'boolean':
      return typeof example === 'boolean';
    case 'array':
      return Array.isArray(example) && (!schema.items?.type || example.every((item) => exampleFits(schema.items, item)));
    case 'object':
      return typeof example === 'object' && !Array.isArray(example);
    default:
      return true;
  }
}

describe('OpenAPI document', () => {
  let env: TestEnv;
  let doc: Schema;

  beforeAll(async () => {
    env = await TestEnv.create();
    await env.startApi();
    const res = await client(env.url, null).get('/docs-json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(() => env.close());

  it('is served without a key at /docs-json, /docs/openapi.json and /docs-yaml, and the UI at /docs', async () => {
    const anon = client(env.url, null);
    expect(doc.openapi).toMatch(/^3\./);
    expect((await anon.get('/docs/openapi.json')).body).toEqual(doc);
    const yaml = await anon.get('/docs-yaml');
    expect(yaml.status).toBe(200);
    expect(yaml.body).toContain('/v1/contacts/count:');
    const ui = await anon.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toContain('text/html');
  });

  it("is the document the console's typed client was generated from (npm run openapi regenerates both)", () => {
    // The console (console/src/api/schema.d.ts) is type-checked against this copy in npm test, so
    // an API change the console does not follow fails the build, not a user.
    const copy = JSON.parse(readFileSync(join(__dirname, '..', 'console', 'src', 'api', 'openapi.json'), 'utf8'));
    expect(copy).toEqual(doc);
  });

  it('is a valid OpenAPI 3 document (@apidevtools/swagger-parser)', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as unknown as Parameters<typeof SwaggerParser.validate>[0])).resolves.toBeDefined();
  });

  it('describes API keys as opaque bearer keys, not JWTs', () => {
    const bearer = doc.components.securitySchemes.bearer;
    expect(bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(bearer.bearerFormat).toBeUndefined();
    expect(bearer.description).toMatch(/opaque API key/);
    expect(JSON.stringify(doc)).not.toContain('JWT');
  });

  it('types every property: strings that may be null are strings, not objects', () => {
    const schemas = doc.components.schemas;
    expect(schemas.CreateContactDto.properties.name).toMatchObject({ type: 'string', nullable: true });
    expect(schemas.UpdateContactDto.properties.name).toMatchObject({ type: 'string', nullable: true });
    for (const field of ['phone', 'waId', 'bsuid', 'country', 'name']) expect(schemas.ContactView.properties[field]).toMatchObject({ type: 'string', nullable: true });
    for (const field of ['wording', 'evidenceRef', 'occurredAt', 'apiKeyId', 'importId']) expect(schemas.ConsentEventView.properties[field].type).toBe('string');
    expect(schemas.ConsentEventView.properties.importLine).toMatchObject({ type: 'integer', nullable: true });
    expect(schemas.ScopeConsentView.properties.since).toMatchObject({ type: 'string', format: 'date-time', nullable: true });
    expect(schemas.ErrorView.properties.details.oneOf).toHaveLength(2);

    // An object is only an object when it says what it holds; an untyped property says nothing.
    const vague = properties(doc).filter(({ schema }) => {
      if (schema.$ref || schema.allOf || schema.oneOf || schema.anyOf) return false;
      if (schema.type === undefined) return true;
      return schema.type === 'object' && schema.additionalProperties === undefined && schema.properties === undefined;
    });
    expect(vague.map((v) => v.path)).toEqual([]);
  });

  it('gives examples that fit their schemas and say what the field means', () => {
    const misfits = properties(doc)
      .filter(({ schema }) => schema.example !== undefined && !exampleFits(schema, schema.example))
      .map(({ path, schema }) => `${path}: ${JSON.stringify(schema.example)}`);
    expect(misfits).toEqual([]);
    const schemas = doc.components.schemas;
    // an opt-out's wording is what the person wrote to leave, not an opt-in sentence
    expect(schemas.OptOutDto.properties.wording.example).toBe('STOP');
    expect(schemas.OptInDto.properties.wording.example).toMatch(/yes, i want/i);
    // the preview example binds the attributes its contact example has
    const preview = schemas.PreviewTemplateDto.properties.binding.example;
    const contact = schemas.PreviewContactDto.properties.attributes.example;
    for (const expression of Object.values<string>(preview).filter((v) => typeof v === 'string')) {
      for (const [, attribute] of expression.matchAll(/attributes\.(\w+)/g)) expect(Object.keys(contact)).toContain(attribute);
    }
  });

  it('has request examples that work: the documented contact, opt-in, opt-out, template and preview', async () => {
    const api = client(env.url);
    const schemas = doc.components.schemas;
    const example = (schema: string) =>
      Object.fromEntries(Object.entries<Schema>(schemas[schema].properties).filter(([, p]) => p.example !== undefined).map(([k, p]) => [k, p.example]));

    const { bsuid: _bsuid, ...contactExample } = example('CreateContactDto');
    const contact = await api.post('/v1/contacts', contactExample);
    expect(contact.status).toBe(201);
    expect((await api.post(`/v1/contacts/${contact.body.id}/opt-in`, { ...example('OptInDto'), scope: 'marketing' })).status).toBe(201);
    const optOut = await api.post(`/v1/contacts/${contact.body.id}/opt-out`, { ...example('OptOutDto'), occurredAt: new Date().toISOString() });
    expect(optOut.status).toBe(201);

    const { wabaId, ...templateExample } = example('CreateTemplateDto');
    const template = await api.post('/v1/templates', { ...templateExample, wabaId, category: 'MARKETING' });
    expect(template.status).toBe(201);
    const { contactId: _contactId, ...previewExample } = example('PreviewTemplateDto');
    const preview = await api.post(`/v1/templates/${template.body.id}/preview`, { ...previewExample, contact: example('PreviewContactDto') });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ ok: true });
  });

  it('documents the contacts search, count, attribute filters and the errors of each route', () => {
    const list = doc.paths['/v1/contacts'].get;
    const param = (name: string) => list.parameters.find((p: { name: string }) => p.name === name);
    expect(param('q')).toMatchObject({ in: 'query', schema: { type: 'string', minLength: 1, maxLength: 100 } });
    expect(param('attributes')).toMatchObject({ in: 'query', style: 'deepObject', explode: true });
    expect(list.parameters.filter((p: { name: string }) => p.name === 'attributes')).toHaveLength(1);
    expect(param('limit').schema.type).toBe('integer');
    const count = doc.paths['/v1/contacts/count'].get;
    expect(count.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/ContactCountView');
    expect(count.parameters.map((p: { name: string }) => p.name).sort()).toEqual(
      list.parameters.map((p: { name: string }) => p.name).filter((n: string) => n !== 'limit' && n !== 'cursor').sort(),
    );
    expect(doc.paths['/v1/contacts/{id}'].patch.responses['422'].description).toContain('CONTACT_PHONE_IMMUTABLE');
    expect(doc.paths['/v1/templates/{id}/submit'].post.responses['503'].description).toContain('WHATSAPP_NOT_CONFIGURED');
    expect(doc.paths['/v1/templates/{id}/preview'].post.responses['200'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/PreviewResultView',
    );
  });

  it('lists every answer of the webhook intake, 413 PAYLOAD_TOO_LARGE included (webhook-gate.ts answers it)', () => {
    const receive = doc.paths['/webhooks/whatsapp'].post;
    expect(Object.keys(receive.responses).sort()).toEqual(['200', '400', '401', '413', '503']);
    expect(receive.responses['413']).toMatchObject({ description: expect.stringContaining('PAYLOAD_TOO_LARGE') });
    expect(receive.responses['413'].content['application/json'].schema.$ref).toBe('#/components/schemas/ErrorView');
  });

  it('says which request fields take null: name clears, tags and attributes do not', () => {
    const schemas = doc.components.schemas;
    for (const dto of ['CreateContactDto', 'UpdateContactDto']) {
      expect(schemas[dto].properties.name.nullable).toBe(true);
      expect(schemas[dto].properties.tags.nullable).toBeUndefined();
      expect(schemas[dto].properties.attributes.nullable).toBeUndefined();
      expect(schemas[dto].properties.tags.description).toMatch(/tags: null is refused/);
    }
    expect(schemas.PreviewTemplateDto.properties.locale.description).toMatch(/Intl has data for/);
  });
});
