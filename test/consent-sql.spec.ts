import { Client } from 'pg';
import { ConsentKind, outranks, outranksSql, ScopeState } from '../src/contacts/consent';
import { createTestDatabase } from './support/database';

/**
 * The import merge applies the consent rule in SQL, the API in TypeScript. They must agree on every
 * combination of event and current state.
 */
describe('outranksSql agrees with outranks', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  it('on every combination of kind, times and state', async () => {
    const times = [null, '2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z', '2025-01-03T00:00:00Z'];
    const cases: Array<{ kind: ConsentKind; at: string | null; state: ScopeState }> = [];
    for (const kind of ['opt_in', 'opt_out'] as const)
      for (const at of times) {
        if (kind === 'opt_out' && at === null) continue; // opt-outs are always dated
        for (const status of [null, 'opted_in', 'opted_out'] as const)
          for (const since of times) {
            if (status === 'opted_out' && since === null) continue; // likewise
            if (status === null && since !== null) continue;
            cases.push({ kind, at, state: { status, since: since ? new Date(since) : null } });
          }
      }
    const { rows } = await client.query<{ i: number; decides: boolean }>(
      `SELECT c.i, ${outranksSql('c.kind', 'c.at', 'c.status', 'c.since')} AS decides
         FROM unnest($1::int[], $2::text[], $3::timestamptz[], $4::text[], $5::timestamptz[]) AS c(i, kind, at, status, since)`,
      [
        cases.map((_, i) => i),
        cases.map((c) => c.kind),
        cases.map((c) => c.at),
        cases.map((c) => c.state.status),
        cases.map((c) => c.state.since),
      ],
    );
    expect(rows).toHaveLength(cases.length);
    for (const row of rows) {
      const c = cases[row.i];
      expect({ ...c, decides: row.decides }).toEqual({
        ...c,
        decides: outranks({ kind: c.kind, effectiveAt: c.at ? new Date(c.at) : null }, c.state),
      });
    }
  });
});
