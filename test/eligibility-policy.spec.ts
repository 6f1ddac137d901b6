import { TestEnv } from './support/app';
import { client } from './support/http';
import { BASE_POLICY_RULES, BASE_POLICY_VERSION } from '../src/eligibility/country-policy.data';

/** GET /v1/eligibility/policy and its overrides: every change makes a version; removed overrides are kept. */
describe('Eligibility policy API', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    env = await TestEnv.create();
    await env.startApi();
    api = client(env.url);
  });
  afterAll(() => env.close());

  it('shows the base rules with their sources and a version; asking again makes no new version', async () => {
    const first = await api.get('/v1/eligibility/policy');
    expect(first.status).toBe(200);
    expect(first.body.version).toBe(`${BASE_POLICY_VERSION}+${first.body.versionId}`);
    expect(first.body.rules).toHaveLength(BASE_POLICY_RULES.length);
    expect(first.body.rules.find((r: any) => r.id === 'us-marketing-pause-2025-04-01')).toMatchObject({
      scope: 'recipient_country',
      countries: ['US'],
      categories: ['MARKETING'],
      allow: false,
      from: '2025-04-01',
      source: expect.stringContaining('131049'),
    });
    expect(first.body.rules.find((r: any) => r.id === 'sanctioned-regions-ukraine')).toMatchObject({ countries: null, regions: ['crimea', 'donetsk', 'luhansk'] });
    expect((await api.get('/v1/eligibility/policy')).body.versionId).toBe(first.body.versionId);
  });

  it('an override makes a new version and comes last; removing it makes another and keeps the row', async () => {
    const before = (await api.get('/v1/eligibility/policy')).body;
    const added = await api.post('/v1/eligibility/policy/overrides', { scope: 'recipient_country', country: 'br', category: 'MARKETING', allow: false, reason: 'legal review' });
    expect(added.status).toBe(201);
    expect(added.body.override).toMatchObject({ scope: 'recipient_country', country: 'BR', category: 'MARKETING', allow: false, reason: 'legal review' });
    expect(added.body.policy.versionId).toBeGreaterThan(before.versionId);
    const last = added.body.policy.rules.at(-1);
    expect(last).toMatchObject({ id: `override-${added.body.override.id}`, countries: ['BR'], categories: ['MARKETING'], allow: false });
    expect(last.source).toContain('legal review');

    const removed = await api.delete(`/v1/eligibility/policy/overrides/${added.body.override.id}`);
    expect(removed.status).toBe(200);
    expect(removed.body.versionId).toBeGreaterThan(added.body.policy.versionId);
    expect(removed.body.overrides).toEqual([]);
    const rows = await env.db.query(`SELECT removed_at FROM eligibility_policy_overrides WHERE id = $1`, [added.body.override.id]);
    expect(rows[0].removed_at).not.toBeNull();
    // The version that used it still names it.
    const version = await env.db.query(`SELECT override_ids::text[] AS ids FROM eligibility_policy_versions WHERE id = $1`, [added.body.policy.versionId]);
    expect(version[0].ids).toEqual([added.body.override.id]);

    const again = await api.delete(`/v1/eligibility/policy/overrides/${added.body.override.id}`);
    expect({ status: again.status, body: again.body }).toMatchObject({ status: 404, body: { code: 'POLICY_OVERRIDE_NOT_FOUND' } });
    expect((await api.delete('/v1/eligibility/policy/overrides/abc')).status).toBe(404);
  });

  it('refuses a bad override with 400, naming the field, and writes nothing', async () => {
    const count = async () => Number((await env.db.query(`SELECT count(*) FROM eligibility_policy_overrides`))[0].count);
    const before = await count();
    for (const bad of [
      { scope: 'planet', country: 'BR', category: 'MARKETING', allow: false, reason: 'x' },
      { scope: 'recipient_country', country: 'BRA', category: 'MARKETING', allow: false, reason: 'x' },
      { scope: 'recipient_country', country: 'BR', category: 'PROMO', allow: false, reason: 'x' },
      { scope: 'recipient_country', country: 'BR', category: 'MARKETING', allow: 'no', reason: 'x' },
      { scope: 'recipient_country', country: 'BR', category: 'MARKETING', allow: false, reason: '' },
    ]) {
      const res = await api.post('/v1/eligibility/policy/overrides', bad);
      expect({ bad, status: res.status, code: res.body.code }).toEqual({ bad, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect(await count()).toBe(before);
  });

  it('two processes asking at once agree on one version', async () => {
    const versions = await Promise.all(Array.from({ length: 8 }, () => api.get('/v1/eligibility/policy')));
    expect(new Set(versions.map((v) => v.body.versionId)).size).toBe(1);
  });
});
