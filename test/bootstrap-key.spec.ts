import { ApiKeysService } from '../src/auth/api-keys.service';
import { AppConfig } from '../src/config/app-config';
import { TestEnv } from './support/app';
import { client } from './support/http';

/**
 * README's claims about API_BOOTSTRAP_KEY, each over real restarts of the API on one database:
 * a changed key replaces the old one, a revoked key stays revoked, and a key whose variable was
 * removed stops working.
 */
describe('the bootstrap API key follows its setting', () => {
  const KEY_A = 'bootstrap-key-A-0123456789';
  const KEY_B = 'bootstrap-key-B-0123456789';
  const KEY_C = 'bootstrap-key-C-0123456789';
  let env: TestEnv;

  /** Restarts the API on the same database with API_BOOTSTRAP_KEY set to `key` (or unset). */
  async function restartWith(key: string | undefined): Promise<void> {
    await env.stopApi();
    const base = env.config;
    env.config = AppConfig.fromEnvironment({
      DATABASE_URL: base.database.url,
      DATABASE_POOL_SIZE: '3',
      REDIS_URL: base.redis.url,
      REDIS_PREFIX: base.redis.prefix,
      LOG_LEVEL: 'silent',
      API_BOOTSTRAP_KEY: key ?? '',
    });
    await env.startApi();
  }

  const status = async (key: string) => (await client(env.url, key).get('/v1/contacts')).status;

  beforeAll(async () => {
    env = await TestEnv.create({ API_BOOTSTRAP_KEY: KEY_A });
    await env.startApi();
  });
  afterAll(() => env.close());

  it('accepts the key, keeps only 4 of its characters in clear', async () => {
    expect(await status(KEY_A)).toBe(200);
    const listed = await env.get(ApiKeysService).list();
    expect(listed).toEqual([expect.objectContaining({ name: 'bootstrap', keyPrefix: 'boot', revokedAt: null })]);
  });

  it('a changed key replaces the previous one (rotation)', async () => {
    await restartWith(KEY_B);
    expect(await status(KEY_B)).toBe(200);
    expect(await status(KEY_A)).toBe(401);
    const active = (await env.get(ApiKeysService).list()).filter((k) => !k.revokedAt);
    expect(active).toHaveLength(1);
  });

  it('a revoked bootstrap key stays revoked across restarts', async () => {
    await env.get(ApiKeysService).revoke('bootstrap');
    expect(await status(KEY_B)).toBe(401);
    await restartWith(KEY_B);
    expect(await status(KEY_B)).toBe(401);
    expect((await env.get(ApiKeysService).list()).filter((k) => !k.revokedAt)).toHaveLength(0);
  });

  it('removing the variable revokes the key at the next start', async () => {
    await restartWith(KEY_C);
    expect(await status(KEY_C)).toBe(200);
    await restartWith(undefined);
    expect(await status(KEY_C)).toBe(401);
    const keys = await env.get(ApiKeysService).list();
    expect(keys.every((k) => k.revokedAt !== null)).toBe(true);
    // and a key created by a person is untouched by any of this
    const { key } = await env.get(ApiKeysService).create('person');
    await restartWith(undefined);
    expect(await status(key)).toBe(200);
    expect(key.slice(0, 9)).toBe((await env.get(ApiKeysService).list()).find((k) => k.name === 'person')!.keyPrefix);
    // a key can be revoked by the key itself, as well as by its name, id or prefix
    expect(await env.get(ApiKeysService).revoke(key)).toEqual([expect.objectContaining({ name: 'person' })]);
    expect(await status(key)).toBe(401);
  });
});
