/**
 * npm run bench:report — downloads a campaign's report.csv of 1,000,000 recipients through the real
 * API over HTTP, and measures the time, the bytes, the rows, and the API process's memory while it
 * streams (issue 13: "1,000,000 rows in under 10 s with the API's memory flat").
 *
 * The data (generated in SQL on a database of its own): a sender, a MARKETING template, a campaign,
 * 1,000,000 contacts each with an opt-in (wording, evidence) and a campaign_recipients row as the
 * dispatcher leaves them: 90% eligible (accepted with a wamid, a wa_id, the message sent with two
 * parameter values, delivered or read, a pricing category; 1% failed with a code and title), 10%
 * excluded (no_opt_in). Names are written as a spreadsheet formula for 1 in 100, so csv_cell works.
 *
 * The API runs as a child process (dist/src/main.js, as in production); its resident memory is
 * read from /proc every 100 ms during the download. Then a download is cut after its first
 * megabyte, and the bench checks the API's COPY stopped and its connection went away.
 *
 * Environment: BENCH_RECIPIENTS (default 1000000), BENCH_ROUNDS (default 3), DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/siaran_bench_report; dropped and created again; dropped at the
 * end unless BENCH_KEEP_DB=true), REDIS_URL.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, ROOT, ServiceProcess } from '../support/processes';

const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/siaran_bench_report';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const KEY = 'bench-report-key-0123456789abcdef';
const MB = 1024 * 1024;

function rssBytes(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const url = new URL(DATABASE_URL);
  url.pathname = '/postgres';
  const c = new Client({ connectionString: url.toString() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function seed(): Promise<string> {
  const name = new URL(DATABASE_URL).pathname.slice(1);
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`);
  });
  execFileSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'migrate.js')], { env: { ...process.env, DATABASE_URL }, stdio: 'ignore' });
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  const started = Date.now();
  try {
    await db.query(`INSERT INTO phone_numbers (phone_number_id, waba_id, business_country) VALUES ('1000001', '200', 'ID')`);
    const [{ id: version }] = (await db.query(`INSERT INTO eligibility_policy_versions (base_version) VALUES ('2025-04-01.1') RETURNING id`)).rows;
    const [{ id: template }] = (
      await db.query(
        `INSERT INTO templates (waba_id, name, language, category, parameter_format, components, status)
         VALUES ('200', 'promo_bench', 'id', 'MARKETING', 'POSITIONAL', '[{"type":"BODY","text":"Halo {{1}}, promo di {{2}}!"}]', 'APPROVED') RETURNING id`,
      )
    ).rows;
    const [{ id: campaign }] = (
      await db.query(
        `INSERT INTO campaigns (name, phone_number_id, kind, template_id, binding, status, policy_version_id, launched_at, started_at, finished_at)
         VALUES ('Bench', '1000001', 'template', $1, '{"body.1":"{{name}}","body.2":"{{attributes.city}}"}', 'completed', $2, now() - interval '1 hour', now() - interval '1 hour', now())
         RETURNING id`,
        [template, version],
      )
    ).rows;
    await db.query(
      `INSERT INTO contacts (phone, country, name, attributes, marketing_consent, marketing_consent_at)
       SELECT '+62812' || lpad(i::text, 8, '0'), 'ID', CASE WHEN i % 100 = 0 THEN '=HYPERLINK("x")' ELSE 'Nama ' || i END,
              jsonb_build_object('city', 'Kota ' || (i % 50)), 'opted_in', now() - interval '30 days'
         FROM generate_series(1, $1::int) i`,
      [RECIPIENTS],
    );
    await db.query(
      `INSERT INTO consent_events (contact_id, kind, scope, source, wording, evidence_ref, occurred_at)
       SELECT id, 'opt_in', 'marketing', 'csv_import', 'Ya, saya setuju menerima promo Toko Siaran lewat WhatsApp', 'form-2026-03', now() - interval '30 days'
         FROM contacts`,
    );
    await db.query(
      `INSERT INTO campaign_recipients (campaign_id, contact_id, decision, reason, sends, category, policy_version_id, consent_event_id, send_state,
                                        attempts, attempted_at, sent_at, wamid, wa_id, sent_message, delivery_state, delivery_at, pricing_category, error_code, error_title)
       SELECT $1, c.id,
              CASE WHEN c.id % 10 = 0 THEN 'excluded' ELSE 'eligible' END,
              CASE WHEN c.id % 10 = 0 THEN 'no_opt_in' END,
              CASE WHEN c.id % 10 = 0 THEN NULL ELSE 'template' END,
              CASE WHEN c.id % 10 = 0 THEN NULL ELSE 'MARKETING' END,
              $2, CASE WHEN c.id % 10 = 0 THEN NULL ELSE e.id END,
              CASE WHEN c.id % 10 = 0 THEN NULL WHEN c.id % 100 = 1 THEN 'failed' ELSE 'accepted' END,
              CASE WHEN c.id % 10 = 0 THEN 0 ELSE 1 END,
              CASE WHEN c.id % 10 = 0 THEN NULL ELSE now() - interval '50 minutes' END,
              CASE WHEN c.id % 10 = 0 OR c.id % 100 = 1 THEN NULL ELSE now() - interval '50 minutes' END,
              CASE WHEN c.id % 10 = 0 OR c.id % 100 = 1 THEN NULL ELSE 'wamid.HBgLNjI4MTIzNDU2Nzg5FQIAERgS' || md5(c.id::text) END,
              CASE WHEN c.id % 10 = 0 OR c.id % 100 = 1 THEN NULL ELSE substr(c.phone, 2) END,
              CASE WHEN c.id % 10 = 0 THEN NULL ELSE jsonb_build_object('type', 'template', 'template', jsonb_build_object('name', 'promo_bench', 'language', jsonb_build_object('code', 'id'),
                     'components', jsonb_build_array(jsonb_build_object('type', 'body', 'parameters', jsonb_build_array(
                        jsonb_build_object('type', 'text', 'text', c.name), jsonb_build_object('type', 'text', 'text', c.attributes ->> 'city')))))) END,
              CASE WHEN c.id % 10 = 0 OR c.id % 100 = 1 THEN NULL WHEN c.id % 3 = 0 THEN 'read' ELSE 'delivered' END,
              CASE WHEN c.id % 10 = 0 OR c.id % 100 = 1 THEN NULL ELSE now() - interval '45 minutes' END,
              CASE WHEN c.id % 10 = 0 OR c.id % 100 = 1 THEN NULL ELSE 'marketing' END,
              CASE WHEN c.id % 100 = 1 THEN 131026 END,
              CASE WHEN c.id % 100 = 1 THEN 'Message undeliverable' END
         FROM contacts c JOIN consent_events e ON e.contact_id = c.id`,
      [campaign, version],
    );
    await db.query('ANALYZE');
    process.stdout.write(`seeded ${RECIPIENTS.toLocaleString('en-US')} recipients in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return campaign;
  } finally {
    await db.end();
  }
}

interface Download {
  seconds: number;
  bytes: number;
  rows: number;
  rss: { start: number; max: number; end: number };
}

async function download(url: string, pid: number): Promise<Download> {
  const start = rssBytes(pid) ?? 0;
  let max = start;
  const sampler = setInterval(() => (max = Math.max(max, rssBytes(pid) ?? 0)), 100);
  const began = process.hrtime.bigint();
  const res = await fetch(url, { headers: { authorization: `Bearer ${KEY}` } });
  if (res.status !== 200) throw new Error(`report.csv answered ${res.status}: ${await res.text()}`);
  let bytes = 0;
  let lines = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    for (let i = value.indexOf(10); i !== -1; i = value.indexOf(10, i + 1)) lines++;
  }
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  clearInterval(sampler);
  const end = rssBytes(pid) ?? 0;
  // Line breaks inside quoted cells: none in this data (no wording or name holds one).
  return { seconds, bytes, rows: lines - 1, rss: { start, max: Math.max(max, end), end } };
}

/** Cuts a download after its first megabyte; answers whether the API's COPY stopped (no session of it left busy) within 3 s. */
async function abortedDownload(url: string): Promise<{ stoppedMs: number | null }> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${KEY}` }, signal: controller.signal });
  const reader = res.body!.getReader();
  let got = 0;
  while (got < MB) got += (await reader.read()).value?.length ?? 0;
  controller.abort();
  const cut = Date.now();
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    for (;;) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (%' AND pid <> pg_backend_pid()`);
      if (rows[0].n === 0) return { stoppedMs: Date.now() - cut };
      if (Date.now() - cut > 3000) return { stoppedMs: null };
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await db.end();
  }
}

async function main(): Promise<void> {
  const campaign = await seed();
  const port = await freePort();
  const api = ServiceProcess.start('api', { DATABASE_URL, REDIS_URL, REDIS_PREFIX: `bench-report-${process.pid}`, PORT: String(port), API_BOOTSTRAP_KEY: KEY, LOG_LEVEL: 'warn' });
  try {
    await api.ready(60_000);
    const url = `http://127.0.0.1:${port}/v1/campaigns/${campaign}/report.csv`;
    const mb = (b: number) => `${(b / MB).toFixed(0)} MB`;
    process.stdout.write(`report.csv of ${RECIPIENTS.toLocaleString('en-US')} recipients, ${ROUNDS} rounds, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
    for (let round = 1; round <= ROUNDS; round++) {
      const d = await download(url, api.child.pid!);
      if (d.rows !== RECIPIENTS) throw new Error(`expected ${RECIPIENTS} rows, got ${d.rows}`);
      process.stdout.write(
        `round ${round}: ${d.seconds.toFixed(2)} s, ${mb(d.bytes)}, ${d.rows.toLocaleString('en-US')} rows (${Math.round(d.rows / d.seconds).toLocaleString('en-US')} rows/s); API RSS start ${mb(d.rss.start)}, max ${mb(d.rss.max)}, end ${mb(d.rss.end)}\n`,
      );
    }
    const aborted = await abortedDownload(url);
    process.stdout.write(aborted.stoppedMs === null ? 'aborted download: the COPY was still running 3 s after the client went away\n' : `aborted download: the COPY stopped ${aborted.stoppedMs} ms after the client went away\n`);
    process.stdout.write(`load ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  } finally {
    api.child.kill('SIGTERM');
    await new Promise((r) => api.child.once('exit', r));
    if (process.env.BENCH_KEEP_DB !== 'true') await admin((c) => c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(new URL(DATABASE_URL).pathname.slice(1))} WITH (FORCE)`));
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
