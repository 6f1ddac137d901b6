import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { SingleBar } from 'cli-progress';
import Redis from 'ioredis';
import { Client } from 'pg';

/**
 * `npm run demo`: the whole job against the Cloud API simulator, in one command (README's first
 * Quickstart command; issue 13, section 4). package.json installs what is missing and builds
 * first; this script then
 *   1. checks PostgreSQL and Redis answer (else says how to start them and exits 1),
 *   2. creates its own database (DEMO_DATABASE_URL, default siaran_demo on localhost: dropped and
 *      created again each run) and migrates it, and clears its own Redis prefix (siaran-demo),
 *   3. starts the simulator, the API and a worker as child processes (their logs in demo-output/logs),
 *   4. imports src/demo/audience.csv (3,044 invented Indonesian contacts in the formats shops and
 *      spreadsheets write, consent columns, some rows a person or a spreadsheet got wrong),
 *   5. registers the sender and reads it from the (simulated) Graph API, creates a MARKETING
 *      template with a stop button and has the simulator approve it,
 *   6. shows the dry run's exclusions by reason, launches the campaign and shows its progress
 *      (a bar with rate and ETA on a terminal, a line every 2 s otherwise) while a few recipients
 *      reply STOP, tap the stop button or stop marketing in WhatsApp's settings,
 *   7. waits for the delivery statuses, prints the campaign report and the compliance summary,
 *      and writes the per-recipient CSV under demo-output/.
 * `--keep` leaves the simulator, API and worker running (Ctrl-C stops them); otherwise everything
 * it started is stopped. The database is left for inspection and dropped by the next run.
 *
 * Environment (optional): DEMO_DATABASE_URL, REDIS_URL (default redis://127.0.0.1:6379),
 * DEMO_REDIS_PREFIX (default siaran-demo), DEMO_PORT (the API's port; default 3000, or a free one
 * when it is taken).
 */

const ROOT = join(__dirname, '..', '..', '..');
const OUT = join(ROOT, 'demo-output');
const KEEP = process.argv.includes('--keep');
const DATABASE_URL = process.env.DEMO_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/siaran_demo';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REDIS_PREFIX = process.env.DEMO_REDIS_PREFIX ?? 'siaran-demo';
const SENDER = '1000000001';
const WABA = '2000000001';
const SIM_TOKEN = 'sim-token';
const SIM_SECRET = 'sim-app-secret';
const TTY = process.stdout.isTTY === true;
const AUDIENCE_TAG = 'pelanggan';

const bold = (s: string) => (TTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (TTY ? `\x1b[2m${s}\x1b[0m` : s);
const say = (line = '') => process.stdout.write(`${line}\n`);
let stepNo = 0;
const step = (title: string) => say(`\n${bold(`${++stepNo}. ${title}`)}`);
const n = (x: number) => x.toLocaleString('en-US');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class DemoError extends Error {}

// ---------------------------------------------------------------------------------------------
// Processes

interface Child {
  name: string;
  process: ChildProcess;
  log: string;
}
const children: Child[] = [];

function start(name: string, entry: string, env: Record<string, string>): Child {
  mkdirSync(join(OUT, 'logs'), { recursive: true });
  const log = join(OUT, 'logs', `${name}.log`);
  const file = createWriteStream(log);
  const proc = spawn(process.execPath, [join(ROOT, entry)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  proc.stdout!.pipe(file);
  proc.stderr!.pipe(file);
  const child = { name, process: proc, log };
  children.push(child);
  proc.once('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`\nThe ${name} stopped unexpectedly (code ${code}, signal ${signal}); its log: ${relative(process.cwd(), log)}\n`);
      void stopAll().then(() => process.exit(1));
    }
  });
  return child;
}

/** Resolves when the child says 'ready' over IPC (src/common/lifecycle.ts). */
function ready(child: Child, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new DemoError(`the ${child.name} was not ready after ${timeoutMs / 1000} s; its log: ${child.log}`)), timeoutMs);
    child.process.on('message', (message) => {
      if (message !== 'ready') return;
      clearTimeout(timer);
      resolve();
    });
  });
}

let stopping = false;
/** What a graceful stop may take (the API's and the worker's own limit: README, Configuration). */
const SHUTDOWN_LIMIT_MS = 10_000;

/**
 * SIGTERM to every child; answers those that did not exit 0 within SHUTDOWN_LIMIT_MS (then killed),
 * as "name: code" lines: a service that cannot stop cleanly fails the demo, as it would fail a deploy.
 */
async function stopAll(): Promise<string[]> {
  stopping = true;
  const unclean: string[] = [];
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.process.exitCode !== null || c.process.signalCode !== null) return resolve();
          const timer = setTimeout(() => {
            unclean.push(`${c.name}: still running ${SHUTDOWN_LIMIT_MS / 1000} s after SIGTERM (killed)`);
            c.process.kill('SIGKILL');
          }, SHUTDOWN_LIMIT_MS);
          c.process.once('exit', (code, signal) => {
            clearTimeout(timer);
            if (code !== 0 && signal !== 'SIGKILL') unclean.push(`${c.name}: exit code ${code}, signal ${signal}`);
            resolve();
          });
          c.process.kill('SIGTERM');
        }),
    ),
  );
  return unclean;
}

async function freePort(preferred: number): Promise<number> {
  const attempt = (port: number) =>
    new Promise<number | null>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(null));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : null));
      });
    });
  return (await attempt(preferred)) ?? (await attempt(0)) ?? preferred;
}

// ---------------------------------------------------------------------------------------------
// The servers it needs

const HOW_TO_START = `
Start them on this machine, then run npm run demo again:
  with Docker (from this directory):  docker compose up -d postgres redis
                                      DEMO_DATABASE_URL=postgres://siaran:siaran@127.0.0.1:5432/siaran_demo npm run demo
  on Debian or Ubuntu:                sudo apt-get install postgresql redis-server
                                      sudo pg_ctlcluster $(ls /etc/postgresql) main start; redis-server --daemonize yes
  on macOS (Homebrew):                brew services start postgresql; brew services start redis
DEMO_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/siaran_demo, a user that may create
databases) and REDIS_URL (default redis://127.0.0.1:6379) point the demo at other servers.`;

async function checkServers(): Promise<void> {
  const server = new URL(DATABASE_URL);
  const admin = new URL(DATABASE_URL);
  admin.pathname = '/postgres';
  const pg = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  try {
    await pg.connect();
    await pg.query('SELECT 1');
  } catch (error) {
    throw new DemoError(`PostgreSQL cannot be reached at ${server.host} (${(error as Error).message}).${HOW_TO_START}`);
  } finally {
    await pg.end().catch(() => undefined);
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new DemoError(`Redis cannot be reached at ${REDIS_URL} (${(error as Error).message}).${HOW_TO_START}`);
  } finally {
    redis.disconnect();
  }
}

async function freshDatabase(): Promise<void> {
  const url = new URL(DATABASE_URL);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new DemoError(`DEMO_DATABASE_URL must name a database of letters, digits and _ (got "${name}")`);
  url.pathname = '/postgres';
  const pg = new Client({ connectionString: url.toString() });
  await pg.connect();
  try {
    await pg.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await pg.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await pg.end();
  }
  execFileSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'migrate.js')], { env: { ...process.env, DATABASE_URL }, stdio: ['ignore', 'ignore', 'inherit'] });
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${REDIS_PREFIX}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  say(`   database ${name} created and migrated; Redis prefix ${REDIS_PREFIX} cleared`);
}

// ---------------------------------------------------------------------------------------------
// HTTP

let apiUrl = '';
let simUrl = '';
let apiKey = '';

async function call<T = any>(method: string, path: string, body?: unknown, base = apiUrl): Promise<T> {
  const headers: Record<string, string> = base === apiUrl ? { authorization: `Bearer ${apiKey}` } : {};
  let payload: FormData | string | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${base}${path}`, { method, headers, body: payload });
  const text = await res.text();
  const parsed = (res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text;
  if (res.status >= 400) throw new DemoError(`${method} ${path} answered ${res.status}: ${typeof parsed === 'string' ? parsed : JSON.stringify(parsed)}`);
  return parsed as T;
}
const api = <T = any>(method: string, path: string, body?: unknown) => call<T>(method, path, body);
const sim = <T = any>(method: string, path: string, body?: unknown) => call<T>(method, path, body, simUrl);

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new DemoError(`${what}: not after ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}

function table(rows: Array<[string, string | number]>, indent = '   '): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) say(`${indent}${k.padEnd(width)}  ${typeof v === 'number' ? n(v).padStart(7) : v}`);
}

// ---------------------------------------------------------------------------------------------
// The job

async function main(): Promise<void> {
  const startedAt = new Date();
  say(bold('Siaran demo: a WhatsApp marketing campaign, end to end, against the Cloud API simulator'));
  mkdirSync(OUT, { recursive: true });

  step('PostgreSQL, Redis and a database of its own');
  await checkServers();
  await freshDatabase();

  step('The Cloud API simulator, the API and a worker');
  const simPort = await freePort(4010);
  const apiPort = await freePort(Number(process.env.DEMO_PORT ?? 3000));
  simUrl = `http://127.0.0.1:${simPort}`;
  apiUrl = `http://127.0.0.1:${apiPort}`;
  apiKey = `sk_demo_${randomBytes(18).toString('base64url')}`;
  const simulator = start('simulator', 'dist/test/simulator/main.js', {
    SIMULATOR_PORT: String(simPort),
    SIMULATOR_WEBHOOK_URL: `${apiUrl}/webhooks/whatsapp`,
    SIMULATOR_PHONE_NUMBER_ID: SENDER,
    SIMULATOR_WABA_ID: WABA,
    SIMULATOR_MPS: '80',
    SIMULATOR_MESSAGING_LIMIT_TIER: 'TIER_10K',
    SIMULATOR_LATENCY_MS: '15-60',
    SIMULATOR_STATUS_DELAYS_MS: '300,900,2500',
    SIMULATOR_READ_RATE: '0.6',
    SIMULATOR_NOT_ON_WHATSAPP_RATE: '0.02',
    SIMULATOR_US_MARKETING_BLOCKED: 'true',
    SIMULATOR_TEMPLATE_REVIEW_MS: '1500',
    SIMULATOR_SEED: '2026',
  });
  await until('the simulator answering', async () => (await fetch(`${simUrl}/_sim/health`).then((r) => r.ok).catch(() => false)) || undefined, 30_000);
  const common = {
    DATABASE_URL,
    REDIS_URL,
    REDIS_PREFIX,
    LOG_LEVEL: 'info',
    WHATSAPP_API_URL: simUrl,
    WHATSAPP_ACCESS_TOKEN: SIM_TOKEN,
    WHATSAPP_APP_SECRET: SIM_SECRET,
    WHATSAPP_VERIFY_TOKEN: 'demo-verify-token',
    WHATSAPP_WABA_ID: WABA,
  };
  const apiProcess = start('api', 'dist/src/main.js', { ...common, PORT: String(apiPort), API_BOOTSTRAP_KEY: apiKey });
  const worker = start('worker', 'dist/src/worker.js', common);
  await Promise.all([ready(apiProcess), ready(worker)]);
  say(`   simulator ${simUrl}   API ${apiUrl} (docs ${apiUrl}/docs)   worker running`);
  say(dim(`   logs: ${[simulator, apiProcess, worker].map((c) => relative(process.cwd(), c.log)).join(', ')}`));

  step('Import the audience: src/demo/audience.csv');
  const form = new FormData();
  form.append('file', new Blob([readFileSync(join(ROOT, 'src', 'demo', 'audience.csv'))], { type: 'text/csv' }), 'audience.csv');
  form.append('defaultCountry', 'ID');
  form.append('tags', AUDIENCE_TAG);
  const upload = await api<{ id: string }>('POST', '/v1/contacts/imports', form);
  const imported = await until(
    'the import',
    async () => {
      const row = await api('GET', `/v1/contacts/imports/${upload.id}`);
      if (row.status === 'failed') throw new DemoError(`the import failed: ${JSON.stringify(row.error)}`);
      return row.status === 'completed' ? row : undefined;
    },
    120_000,
  );
  table([
    ['rows read', imported.rowsRead],
    ['contacts inserted', imported.inserted],
    ['rows for a phone seen before (merged)', imported.duplicates],
    ['consent events recorded', imported.consentEvents],
    ['rows rejected', imported.rejected],
    ['rows imported with a warning', imported.warnings],
  ]);
  const rejected = await (await fetch(`${apiUrl}/v1/contacts/imports/${upload.id}/rejected.csv`, { headers: { authorization: `Bearer ${apiKey}` } })).text();
  const reasons = new Map<string, number>();
  for (const line of rejected.split('\r\n').slice(1).filter(Boolean)) reasons.set(line.split(',')[1], (reasons.get(line.split(',')[1]) ?? 0) + 1);
  say(dim(`   rejected by reason: ${[...reasons].map(([r, c]) => `${r} ${c}`).join(', ')} (the rows, as uploaded: GET /v1/contacts/imports/${upload.id}/rejected.csv)`));

  step('The sender, and a MARKETING template approved by (simulated) WhatsApp');
  await api('POST', '/v1/phone-numbers', { phoneNumberId: SENDER, wabaId: WABA, businessCountry: 'ID' });
  const number = await api('POST', `/v1/phone-numbers/${SENDER}/refresh`);
  say(`   sender ${number.displayPhoneNumber ?? SENDER} (${number.verifiedName ?? 'unnamed'}): business country ${number.businessCountry}, ${number.throughputMps} msg/s, messaging limit ${number.messagingLimit}`);
  const template = await api('POST', '/v1/templates', {
    name: 'promo_akhir_tahun',
    language: 'id',
    category: 'MARKETING',
    components: [
      { type: 'BODY', text: 'Halo {{1}}, diskon akhir tahun 30% di toko kami di {{2}} sampai 31 Desember!', example: { body_text: [['Ana', 'Bandung']] } },
      { type: 'FOOTER', text: 'Balas STOP untuk berhenti' },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Berhenti promo' }] },
    ],
  });
  await api('POST', `/v1/templates/${template.id}/submit`);
  await until('the template approved', async () => ((await api('GET', `/v1/templates/${template.id}`)).status === 'APPROVED' ? true : undefined), 30_000);
  say(`   template promo_akhir_tahun (id): APPROVED by the status webhook`);

  step('The campaign, and who it would not reach: the dry run');
  const campaign = await api('POST', '/v1/campaigns', {
    name: 'Promo akhir tahun',
    phoneNumberId: SENDER,
    templateId: template.id,
    binding: { 'body.1': '{{default (title name) "Kak"}}', 'body.2': '{{default attributes.city "kota Anda"}}' },
    audience: { tags: { any: [AUDIENCE_TAG] } },
  });
  const dry = await api('GET', `/v1/campaigns/${campaign.id}/eligibility`);
  const exclusions = Object.entries(dry.excluded as Record<string, number>).filter(([, c]) => c > 0);
  const deferrals = Object.entries(dry.deferred as Record<string, number>).filter(([, c]) => c > 0);
  table([
    ['audience', dry.total],
    ['eligible', dry.eligible],
    ...exclusions.map(([reason, c]): [string, number] => [`excluded: ${reason}`, c]),
    ...deferrals.map(([reason, c]): [string, number] => [`deferred: ${reason}`, c]),
  ]);
  for (const [reason] of exclusions) {
    const sample = (dry.samples[reason] ?? []).slice(0, 2).map((s: { phone: string }) => s.phone);
    if (sample.length) say(dim(`   e.g. ${reason}: ${sample.join(', ')}`));
  }
  say(`   policy ${dry.policyVersion}; about ${Math.ceil(dry.estimatedSeconds ?? 0)} s to send at the number's rate`);

  step('Launch, and a few recipients say STOP while it sends');
  await api('POST', `/v1/campaigns/${campaign.id}/launch`);
  const total = dry.eligible + deferrals.reduce((a, [, c]) => a + c, 0);
  const stops = stopReplies(campaign.id, total);
  const done = await watch(campaign.id, total);
  const stopped = await stops;
  say(`   ${done.status} in ${((Date.parse(done.finishedAt) - Date.parse(done.startedAt)) / 1000).toFixed(1)} s`);
  say(dim(`   stop replies sent during the campaign: ${stopped.join('; ')}`));

  step('Delivery statuses, then the report');
  await sim('GET', '/_sim/idle?timeoutMs=30000');
  const settled = await until(
    'the delivery statuses',
    async () => {
      const c = await api('GET', `/v1/campaigns/${campaign.id}`);
      const delivered = Object.values(c.progress.deliveryStates as Record<string, number>).reduce((a, b) => a + b, 0);
      return delivered >= c.progress.sendStates.accepted ? c : undefined;
    },
    60_000,
    500,
  );
  const p = settled.progress;
  table([
    ['accepted by WhatsApp', p.sendStates.accepted],
    ['  of which read', p.deliveryStates.read],
    ['  delivered, not read', p.deliveryStates.delivered],
    ['  failed after acceptance', p.deliveryStates.failed],
    ['refused by WhatsApp', p.sendStates.failed],
    ['answer lost (unknown)', p.sendStates.unknown],
    ['not sent (cancelled: opted out meanwhile…)', p.sendStates.cancelled],
  ]);
  const errors = Object.entries(p.errors as Record<string, number>);
  const meaning: Record<string, string> = { '131026': 'not on WhatsApp', '131050': 'the user stopped marketing', '130429': 'throughput exceeded, retried' };
  if (errors.length) say(dim(`   errors by WhatsApp code: ${errors.map(([code, c]) => `${code} × ${c}${meaning[code] ? ` (${meaning[code]})` : ''}`).join(', ')}`));
  const report = await api('GET', `/v1/campaigns/${campaign.id}/report`);
  for (const price of report.pricing as Array<{ category: string | null; type: string | null; billable: boolean | null; messages: number }>) {
    say(dim(`   pricing (status webhooks): ${price.category ?? '?'}/${price.type ?? '?'}${price.billable ? ', billable' : ''}: ${n(price.messages)} messages`));
  }
  say(dim(`   timeline: ${(report.timeline as Array<{ status: string; reason: string | null }>).map((e) => e.status + (e.reason ? ` (${e.reason})` : '')).join(' → ')}`));
  const csvPath = join(OUT, `campaign-${campaign.id}.csv`);
  const csv = await fetch(`${apiUrl}/v1/campaigns/${campaign.id}/report.csv`, { headers: { authorization: `Bearer ${apiKey}` } });
  if (!csv.ok) throw new DemoError(`GET /v1/campaigns/${campaign.id}/report.csv answered ${csv.status}`);
  const csvText = await csv.text();
  writeFileSync(csvPath, csvText);
  const csvRows = csvText.split('\r\n').filter(Boolean).length - 1;

  step('Compliance over the demo (GET /v1/compliance/report)');
  const to = new Date(Date.now() + 60_000);
  const compliance = await api('GET', `/v1/compliance/report?from=${encodeURIComponent(startedAt.toISOString())}&to=${encodeURIComponent(to.toISOString())}`);
  say(`   messages sent: ${n(compliance.messages.total)}`);
  for (const invariant of compliance.invariants) {
    say(`   ${invariant.violations === 0 ? 'OK ' : 'NOT'} ${invariant.id.padEnd(34)} ${n(invariant.violations)}`);
  }
  for (const source of compliance.optOuts.bySource) {
    const r = source.fromReceived;
    say(`   opt-outs by ${source.source}: ${source.optOuts}` + (r.max !== null ? `, suppressed ${fmtSeconds(r.p50)} after they reached Siaran (max ${fmtSeconds(r.max)})` : ''));
  }
  if (compliance.violations > 0) throw new DemoError(`the compliance report found ${compliance.violations} violations: see GET /v1/compliance/report`);

  say(`\n${bold('Done.')} Every recipient's decision, consent evidence, message, outcome and cost category, one row each (${n(csvRows)} rows):`);
  say(`   ${relative(process.cwd(), csvPath)}`);
  say(dim(`   took ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s`));

  if (KEEP) {
    say(`\nStill running (--keep): the console ${apiUrl}/console/ (sign in with the API key), API ${apiUrl} (docs ${apiUrl}/docs),`);
    say(`API key ${apiKey}, simulator ${simUrl}. Ctrl-C (or a SIGTERM to npm) stops them.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  }
}

function fmtSeconds(s: number | null): string {
  if (s === null) return '-';
  return s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(1)} s`;
}

/** Sending progress until the campaign is completed: a bar on a terminal, a line every 2 s otherwise. */
async function watch(campaignId: string, total: number): Promise<any> {
  const bar = TTY ? new SingleBar({ format: '   {bar} {percentage}% | {value}/{total} | {rate} msg/s | ETA {eta_s}', barsize: 30, hideCursor: true }) : null;
  bar?.start(total, 0, { rate: '0.0', eta_s: '-' });
  let lastLine = 0;
  for (;;) {
    const c = await api('GET', `/v1/campaigns/${campaignId}`);
    const s = c.progress?.sendStates ?? {};
    const doneCount = (s.accepted ?? 0) + (s.failed ?? 0) + (s.unknown ?? 0) + (s.cancelled ?? 0);
    const rate = (c.progress?.ratePerSecond ?? 0).toFixed(1);
    const eta = c.progress?.etaSeconds === null || c.progress?.etaSeconds === undefined ? '-' : `${c.progress.etaSeconds} s`;
    if (bar) bar.update(doneCount, { rate, eta_s: eta });
    else if (Date.now() - lastLine >= 2000 || c.status !== 'running') {
      lastLine = Date.now();
      say(`   ${c.status}: ${n(doneCount)}/${n(total)} done (${total ? Math.floor((100 * doneCount) / total) : 100}%), ${rate} msg/s, ETA ${eta}`);
    }
    if (c.status === 'completed' || c.status === 'cancelled' || c.status === 'failed') {
      bar?.stop();
      return c;
    }
    if (c.status === 'paused') {
      bar?.stop();
      throw new DemoError(`the campaign paused: ${c.statusReason}`);
    }
    await sleep(250);
  }
}

/**
 * While the campaign sends: three people who already got it reply (the keyword STOP, the stop
 * button, WhatsApp's "stop marketing" setting), and the two last in line reply STOP, so their
 * message is never sent.
 */
async function stopReplies(campaignId: string, total: number): Promise<string[]> {
  const done: string[] = [];
  await until(
    'a quarter of the campaign sent',
    async () => {
      const c = await api('GET', `/v1/campaigns/${campaignId}`);
      return (c.progress?.sendStates?.accepted ?? 0) >= total / 4 || c.status !== 'running' ? true : undefined;
    },
    300_000,
  );
  const sent = (await api('GET', `/v1/campaigns/${campaignId}/recipients?sendState=accepted&limit=3`)).data as Array<{ phone: string }>;
  // The last two in the sending order (contact order), so that their STOP is recorded well before
  // their turn: the claim skips them. (One sent to within the same few milliseconds as its STOP is
  // recorded would be sent, and the compliance report would say so.)
  let waiting: Array<{ phone: string }> = [];
  let cursor: string | null = null;
  do {
    const page: { data: Array<{ phone: string }>; nextCursor: string | null } = await api(
      'GET',
      `/v1/campaigns/${campaignId}/recipients?sendState=pending&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    waiting = [...waiting, ...page.data].slice(-2);
    cursor = page.nextCursor;
  } while (cursor);
  const digits = (phone: string) => phone.replace(/\D/g, '');
  if (sent[0]) {
    await sim('POST', '/_sim/inbound', { from: digits(sent[0].phone), text: 'STOP' });
    done.push(`${sent[0].phone} wrote "STOP"`);
  }
  if (sent[1]) {
    await sim('POST', '/_sim/inbound', { from: digits(sent[1].phone), buttonPayload: 'STOP_PROMO', buttonText: 'Berhenti promo' });
    done.push(`${sent[1].phone} tapped "Berhenti promo"`);
  }
  if (sent[2]) {
    await sim('POST', '/_sim/user-preferences', { from: digits(sent[2].phone), value: 'stop' });
    done.push(`${sent[2].phone} stopped marketing in WhatsApp`);
  }
  for (const person of waiting) {
    await sim('POST', '/_sim/inbound', { from: digits(person.phone), text: 'Berhenti.' });
    done.push(`${person.phone} (not sent yet) wrote "Berhenti."`);
  }
  return done;
}

async function run(): Promise<void> {
  // Ctrl-C, or a SIGTERM to npm (which passes it on): stop what was started. With --keep the
  // signal ends the wait in main(), which then stops them the same way.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (!KEEP) void stopAll().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  let code = 0;
  try {
    await main();
  } catch (error) {
    code = 1;
    const message = error instanceof DemoError ? error.message : (error as Error).stack ?? String(error);
    process.stderr.write(`\nnpm run demo: FAILED: ${message}\n`);
    if (children.length) process.stderr.write(`Logs: ${children.map((c) => relative(process.cwd(), c.log)).join(', ')}\n`);
  }
  const unclean = await stopAll();
  if (unclean.length) {
    process.stderr.write(`npm run demo: FAILED: not every process stopped cleanly on SIGTERM: ${unclean.join('; ')}\n`);
    code = 1;
  } else if (code === 0) say(dim('   simulator, API and worker stopped (SIGTERM, exit 0)'));
  process.exit(code);
}

void run();
