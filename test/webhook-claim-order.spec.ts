import { WebhookDeliveriesRepository } from '../src/webhooks/webhook-deliveries.repository';
import { TestEnv } from './support/app';

/** Deliveries are processed oldest first by their numeric id, not by its text ("10" < "9"). */
describe('webhook deliveries are claimed in the order they arrived', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await TestEnv.create();
    await env.startApi();
  });
  afterAll(() => env.close());

  it('claims 8, 9, 10, 11 in that order', async () => {
    await env.db.query(`SELECT setval(pg_get_serial_sequence('webhook_deliveries', 'id'), 7)`);
    const repo = env.get(WebhookDeliveriesRepository);
    await repo.storeMany([8, 9, 10, 11].map((n) => ({ sha256: `sha-${n}`, body: `{"n":${n}}` })));
    const claimed = await env.db.transaction((tx) => repo.claim(tx, 10));
    expect(claimed.map((d) => d.id)).toEqual(['8', '9', '10', '11']);
  });
});
