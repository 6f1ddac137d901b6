import { randomUUID } from 'node:crypto';
import Bull from 'bull';
import { JOBS, QUEUES } from '../src/common/queues';
import { ContactImporter } from '../src/imports/contact-importer';
import { ImportSweeper } from '../src/imports/import-sweeper';
import { ClaimLostError, ImportsRepository } from '../src/imports/imports.repository';
import { eventually, TestEnv } from './support/app';
import { client } from './support/http';
import { queueImport } from './support/imports';
import { ServiceProcess } from './support/processes';

/**
 * An import runs on exactly one worker: claims carry a lease and a fencing token, and every write
 * of a claimed import is compare-and-set on the token (ImportsRepository).
 */
describe('import claims: lease and fencing token', () => {
  let env: TestEnv;
  let repo: ImportsRepository;

  beforeAll(async () => {
    env = await TestEnv.create({ IMPORT_THREADS: '2' });
    await env.startApi();
    repo = env.get(ImportsRepository);
  });
  afterAll(() => env.close());

  const count = async (sql: string, params: unknown[] = []) => Number((await env.db.query(sql, params))[0].count);

  /** A queued import with its file stored, as an upload leaves it (no job). */
  async function seedImport(csv: string): Promise<string> {
    const id = randomUUID();
    await env.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO contact_imports (id, status, file_bytes, file_sha256, delimiter, header, phone_column, default_country, opt_in_scope)
         VALUES ($1, 'queued', $2, 'x', ',', $3, 'phone', 'ID', 'marketing')`,
        [id, Buffer.byteLength(csv), csv.slice(0, csv.indexOf('\n')).split(',')],
      );
      const bytes = Buffer.from(csv);
      for (let seq = 0; seq * 1024 * 1024 < bytes.length; seq++) {
        await tx.query(`INSERT INTO contact_import_chunks (import_id, seq, data) VALUES ($1, $2, $3)`, [
          id,
          seq,
          bytes.subarray(seq * 1024 * 1024, (seq + 1) * 1024 * 1024),
        ]);
      }
    });
    return id;
  }

  function audience(rows: number, base: number): string {
    const lines = ['phone,name,opt_in,opt_in_at'];
    for (let i = 0; i < rows; i++) lines.push(`0812${String(base + i).padStart(8, '0')},Name ${i},yes,2025-06-01T10:00:00Z`);
    return lines.join('\n') + '\n';
  }

  const TOTALS = { rowsRead: 1, inserted: 1, updated: 0, unchanged: 0, rejected: 0, duplicates: 0, consentEvents: 1 };

  it('lets exactly one of two racing claims win, every time', async () => {
    for (let i = 0; i < 20; i++) {
      const id = await seedImport('phone\n+6281200000001\n');
      const claims = await Promise.all([repo.claim(id, 30_000), repo.claim(id, 30_000)]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect((await env.db.query(`SELECT attempts FROM contact_imports WHERE id = $1`, [id]))[0].attempts).toBe(1);
    }
    // Out of the way of the next tests' worker (its sweeper would run them once their leases expire).
    await env.db.query(`UPDATE contact_imports SET status = 'failed' WHERE status = 'running'`);
  });

  it('refuses a held claim, hands over an expired one with a new token, and fences the old holder off', async () => {
    const id = await seedImport('phone\n+6281200000002\n');
    const first = await repo.claim(id, 1000);
    expect(first).toMatchObject({ status: 'running', claimToken: expect.stringMatching(/^\d+$/) });
    expect(await repo.claim(id, 1000)).toBeUndefined(); // held by a live lease
    expect(await repo.renew(id, first!.claimToken, 5, 1000)).toBe(true);

    const second = await eventually(async () => repo.claim(id, 30_000), 10_000, 'the lease to expire and be taken over');
    expect(BigInt(second.claimToken)).toBeGreaterThan(BigInt(first!.claimToken));
    expect(second.attempts).toBe(2);

    // The first holder, still working, can no longer write anything.
    expect(await repo.renew(id, first!.claimToken, 99, 30_000)).toBe(false);
    await expect(env.db.transaction((tx) => repo.complete(id, first!.claimToken, TOTALS, tx))).rejects.toBeInstanceOf(ClaimLostError);
    expect(await repo.fail(id, first!.claimToken, 'IMPORT_INTERNAL_ERROR', 'x', null)).toBe(false);
    expect(await repo.release(id, first!.claimToken)).toBe(false);
    const [row] = await env.db.query(`SELECT status, rows_read, claim_token::text AS token, inserted FROM contact_imports WHERE id = $1`, [id]);
    expect(row).toEqual({ status: 'running', rows_read: 0, token: second.claimToken, inserted: 0 });
    expect(await count(`SELECT count(*) FROM contact_import_chunks WHERE import_id = $1`, [id])).toBe(1);

    // The new holder can.
    await env.db.transaction((tx) => repo.complete(id, second.claimToken, TOTALS, tx));
    expect((await env.db.query(`SELECT status, inserted FROM contact_imports WHERE id = $1`, [id]))[0]).toEqual({ status: 'completed', inserted: 1 });
    expect(await repo.claim(id, 30_000)).toBeUndefined(); // finished
  });

  it('stops a run whose claim was taken over, rolled back, without writing; the new holder completes it', async () => {
    await env.startWorker();
    const importer = env.get(ContactImporter);
    const rows = 150_000;
    const id = await seedImport(audience(rows, 30_000_000));
    const run = importer.run(id, false);
    await eventually(
      async () => {
        const [row] = await env.db.query(`SELECT status, rows_read FROM contact_imports WHERE id = $1`, [id]);
        if (row.status === 'completed' || row.status === 'failed') throw new Error(`the run ended first: ${row.status}`);
        return row.status === 'running' && row.rows_read > 0 ? true : undefined;
      },
      30_000,
      'the run to be under way',
    );
    // Another worker takes the import over (as after the lease expired while this one was stalled).
    await env.db.query(`UPDATE contact_imports SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE id = $1`, [id]);
    const thief = await repo.claim(id, 60_000);
    expect(thief).toBeDefined();

    expect(await run).toEqual({ kind: 'lost' });
    expect(await count(`SELECT count(*) FROM contacts`)).toBe(0);
    expect(await count(`SELECT count(*) FROM consent_events`)).toBe(0);
    const [row] = await env.db.query(`SELECT status, rows_read, claim_token::text AS token FROM contact_imports WHERE id = $1`, [id]);
    expect(row).toEqual({ status: 'running', rows_read: 0, token: thief!.claimToken });
    expect(await count(`SELECT count(*) FROM contact_import_chunks WHERE import_id = $1`, [id])).toBeGreaterThan(0);

    expect(await repo.release(id, thief!.claimToken)).toBe(true);
    expect(await importer.run(id, false)).toEqual({ kind: 'completed' });
    expect((await env.db.query(`SELECT status, inserted, consent_events, attempts FROM contact_imports WHERE id = $1`, [id]))[0]).toEqual({
      status: 'completed',
      inserted: rows,
      consent_events: rows,
      attempts: 3,
    });
    expect(await count(`SELECT count(*) FROM contacts`)).toBe(rows);
    await env.stopWorker();
  }, 120_000);
});

/**
 * Two built worker processes (`npx nest build` first) on one queue. Bull re-delivers a job whose
 * lock lapsed (a stalled worker) to another worker while the first may still be running it: here
 * each import's job is delivered a second time, under another job id, while the first delivery
 * runs.
 */
describe('two worker processes sharing imports', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;
  const workers: ServiceProcess[] = [];
  let queue: Bull.Queue;

  beforeAll(async () => {
    env = await TestEnv.create({ IMPORT_LEASE_MS: '3000' });
    await env.startApi();
    api = client(env.url);
    queue = new Bull(QUEUES.imports, env.config.redis.url, { prefix: env.config.redis.prefix });
  });
  afterAll(async () => {
    await queue.close();
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) await w.stop();
    await env.close();
  });

  const processEnv = () => ({
    DATABASE_URL: env.config.database.url,
    REDIS_URL: env.config.redis.url,
    REDIS_PREFIX: env.config.redis.prefix,
    IMPORT_THREADS: '1',
    IMPORT_LEASE_MS: '3000',
    LOG_LEVEL: 'info',
  });

  async function startWorker(): Promise<ServiceProcess> {
    const worker = ServiceProcess.start('worker', processEnv(), { keepChars: 5_000_000 });
    workers.push(worker);
    await worker.ready();
    return worker;
  }

  const count = async (sql: string, params: unknown[] = []) => Number((await env.db.query(sql, params))[0].count);
  const status = async (id: string) => (await env.db.query(`SELECT status, rows_read FROM contact_imports WHERE id = $1`, [id]))[0];

  /** Log lines of every worker with this message, by import id. */
  function logged(message: string): Map<string, number> {
    const byImport = new Map<string, number>();
    for (const w of workers) {
      for (const line of w.recentOutput().split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; importId?: string };
        if (entry.msg === message && entry.importId) byImport.set(entry.importId, (byImport.get(entry.importId) ?? 0) + 1);
      }
    }
    return byImport;
  }

  const upload = (csv: string) => queueImport(api, csv);

  it('completes each import exactly once, with exact counts, when its job is delivered twice', async () => {
    await startWorker();
    await startWorker();
    const rows = 40_000;
    const ids: string[] = [];
    for (let n = 0; n < 4; n++) {
      // Every other import repeats the previous one's phones: merges that meet each other.
      const base = 40_000_000 + Math.floor(n / 2) * rows;
      const lines = ['phone,name,opt_in,opt_in_at'];
      for (let i = 0; i < rows; i++) lines.push(`0812${String(base + i).padStart(8, '0')},Name ${n}-${i},yes,2025-0${n + 1}-01T10:00:00Z`);
      const id = await upload(lines.join('\n') + '\n');
      ids.push(id);
      await eventually(async () => ((await status(id)).status === 'running' ? true : undefined), 60_000, `import ${n} to run`);
      await queue.add(JOBS.importContacts, { importId: id }, { jobId: `${id}:redelivered`, attempts: 3 });
    }
    const done = [];
    for (const id of ids) {
      done.push(
        await eventually(
          async () => {
            const res = await api.get(`/v1/contacts/imports/${id}`);
            return ['completed', 'failed'].includes(res.body.status) ? res.body : undefined;
          },
          120_000,
          `import ${id}`,
        ),
      );
    }
    // The second delivery of every job ran (and found the import held or finished).
    await eventually(async () => ((await queue.getJobCounts()).waiting + (await queue.getJobCounts()).active === 0 ? true : undefined), 30_000, 'the queue to drain');

    for (const result of done) expect(result).toMatchObject({ status: 'completed', rowsRead: rows, rejected: 0, duplicates: 0, consentEvents: rows, unchanged: 0 });
    // Each pair shares its phones: the one merged first inserts them, the other renames them. The
    // two imports of a pair run at once in the two workers, so either may merge first.
    for (const pair of [done.slice(0, 2), done.slice(2, 4)]) {
      expect(pair.map((r) => `${r.inserted}/${r.updated}`).sort()).toEqual([`0/${rows}`, `${rows}/0`]);
    }
    const completions = logged('Import completed');
    expect(ids.map((id) => completions.get(id) ?? 0)).toEqual([1, 1, 1, 1]);
    expect(await env.db.query(`SELECT attempts FROM contact_imports WHERE id = ANY ($1) ORDER BY created_at`, [ids])).toEqual(ids.map(() => ({ attempts: 1 })));
    expect(await count(`SELECT count(*) FROM contacts`)).toBe(2 * rows);
    expect(await count(`SELECT count(*) FROM consent_events`)).toBe(4 * rows);
    expect(await count(`SELECT count(*) FROM contact_import_chunks`)).toBe(0);
  }, 300_000);

  it('takes over, once its lease expired, an import whose worker was killed', async () => {
    const rows = 150_000;
    const lines = ['phone,name'];
    for (let i = 0; i < rows; i++) lines.push(`0813${String(50_000_000 + i).padStart(8, '0')},Killed ${i}`);
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) await w.stop();
    const doomed = await startWorker();
    const id = await upload(lines.join('\n') + '\n');
    await eventually(async () => ((await status(id)).rows_read > 0 ? true : undefined), 60_000, 'the import to be under way');
    doomed.child.kill('SIGKILL');
    await new Promise((resolve) => doomed.child.once('exit', resolve));
    const [held] = await env.db.query(`SELECT status, lease_expires_at > clock_timestamp() AS leased FROM contact_imports WHERE id = $1`, [id]);
    expect(held).toEqual({ status: 'running', leased: true });

    // Another worker, and its sweep once the lease (3 s) has expired: queued again, taken over, completed.
    await env.startWorker();
    await eventually(async () => ((await env.get(ImportSweeper).sweep()) > 0 ? true : undefined), 20_000, 'the sweeper to find the import');
    const result = await eventually(
      async () => {
        const res = await api.get(`/v1/contacts/imports/${id}`);
        return ['completed', 'failed'].includes(res.body.status) ? res.body : undefined;
      },
      120_000,
      'the takeover to complete the import',
    );
    expect(result).toMatchObject({ status: 'completed', rowsRead: rows, inserted: rows });
    expect((await env.db.query(`SELECT attempts FROM contact_imports WHERE id = $1`, [id]))[0].attempts).toBe(2);
  }, 300_000);
});
