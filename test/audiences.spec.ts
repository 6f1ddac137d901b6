import { TestEnv } from './support/app';
import { client } from './support/http';

/** POST /v1/audiences/count: the campaign form's live count, with the audience JSON campaigns take. */
describe('audience count', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    env = await TestEnv.create();
    await env.startApi();
    api = client(env.url);
    const people: Array<[string, string[]]> = [
      ['+6281200000001', ['vip', 'promo']],
      ['+6281200000002', ['promo']],
      ['+6281200000003', []],
      ['+60123456789', ['promo']],
    ];
    for (const [phone, tags] of people) expect((await api.post('/v1/contacts', { phone, tags })).status).toBe(201);
    const gone = await api.post('/v1/contacts', { phone: '+6281200000004', tags: ['promo'] });
    expect((await api.delete(`/v1/contacts/${gone.body.id}`)).status).toBe(204);
  });
  afterAll(() => env.close());

  it('counts what the audience selects, erased contacts never', async () => {
    const count = async (audience: unknown) => {
      const res = await api.post('/v1/audiences/count', audience);
      expect(res.status).toBe(200);
      return res.body.contacts;
    };
    expect(await count({})).toBe(4);
    expect(await count({ tags: { any: ['promo'] } })).toBe(3);
    expect(await count({ tags: { all: ['promo', 'vip'] } })).toBe(1);
    expect(await count({ tags: { any: ['promo'], none: ['vip'] } })).toBe(2);
    expect(await count({ tags: { any: ['promo'] }, countries: ['id'] })).toBe(2);
  });

  it('refuses an audience campaigns would refuse, with the same code', async () => {
    const res = await api.post('/v1/audiences/count', { countries: ['Indonesia'] });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect((await client(env.url, null).post('/v1/audiences/count', {})).status).toBe(401);
  });
});
