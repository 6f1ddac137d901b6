/**
 * npm run bench:dispatch — campaigns sent end to end through the built API and worker processes
 * against the Cloud API simulator, at 1,000 messages per second per business number (issue 12,
 * section 6), and what each achieved: messages/s against the set rate, the busiest one-second
 * window at the Graph side, 130429 answers, duplicates, the webhook lag at the end, the time to
 * complete, the load average and which process used the CPU.
 *
 * Scenarios, each a fresh campaign launched through the API (BENCH_SCENARIOS picks some, comma-separated):
 *   one          BENCH_RECIPIENTS on one number, one worker; STOP replies from 20 recipients not yet
 *                sent, mid-campaign, and the time from the webhook stored to the opt-out recorded
 *   two          the same audience again, two workers
 *   three-one    three numbers at once (three campaigns of BENCH_RECIPIENTS each), one worker
 *   three-two    the same, two workers
 *
 * The simulator runs in this process (startSimulator): the orchestrator itself only polls the API
 * twice a second during a run, so the process is the simulator's, and sim.messages() gives every
 * accepted message without serialising hundreds of thousands of them over HTTP. Its figures (CPU
 * seconds of this process) are printed with the others'.
 *
 * Setup: a database of its own (dropped, created, migrated), a Redis prefix of its own (its keys
 * deleted at the end), three numbers registered through the API at 1,000 mps with an unlimited
 * messaging limit, a UTILITY template APPROVED in our database and seeded in the simulator (no
 * marketing frequency cap applies), 3 × BENCH_RECIPIENTS contacts opted in to utility messages
 * (SQL), one tag per number's audience.
 *
 * Environment: BENCH_RECIPIENTS (default 100000), BENCH_SCENARIOS (default all four),
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/siaran_bench_dispatch; dropped and
 * created again, dropped at the end unless BENCH_KEEP_DB=true), REDIS_URL, BENCH_CPU_PROF (a
 * directory: each worker's CPU profile is written there when it stops, see probe.preload.ts).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startSimulator, type Simulator } from '../simulator/simulator';
import { freePort, ROOT, ServiceProcess, waitForHealth } from '../support/processes';

const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 100_000);
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'one,two,three-one,three-two').split(',').map((s) => s.trim());
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/siaran_bench_dispatch';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CPU_PROF = process.env.BENCH_CPU_PROF;
/** Every number's throughput, and the simulator's limit per number. */
const MPS = 1000;
const WABA = '2000000001';
const NUMBERS = ['1000000001', '1000000002', '1000000003'];
const TEMPLATE = {
  name: 'bench_order_update',
  language: 'id',
  category: 'UTILITY' as const,
  components: [{ type: 'BODY' as const, text: 'Halo {{1}}, pesanan Anda sedang dikirim.', example: { body_text: [['Ana']] } }],
};
/** STOP replies sent in scenario one, from recipients the claim has not reached yet. */
const STOPPERS = 20;

interface Scenario {
  name: string;
  workers: number;
  numbers: string[];
  /** Send STOP replies mid-campaign and measure their suppression (scenario one). */
  stops: boolean;
}

const ALL: Scenario[] = [
  { name: 'one', workers: 1, numbers: NUMBERS.slice(0, 1), stops: true },
  { name: 'two', workers: 2, numbers: NUMBERS.slice(0, 1), stops: false },
  { name: 'three-one', workers: 1, numbers: NUMBERS, stops: false },
  { name: 'three-two', workers: 2, numbers: NUMBERS, stops: false },
];

/** A small JSON client for the API (Bearer key). */
function api(base: string, key: string) {
  return async <T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `work` on a connection to the server's `postgres` database, with the bench database's name. */
async function asAdmin(work: (admin: Client, name: string) => Promise<void>): Promise<void> {
  const url = new URL(DATABASE_URL);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await work(admin, admin.escapeIdentifier(name));
  } finally {
    await admin.end();
  }
}

async function recreateDatabase(): Promise<void> {
  await asAdmin(async (admin, name) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  });
  execFileSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'migrate.js')], { env: { ...process.env, DATABASE_URL }, stdio: 'ignore' });
}

async function dropDatabase(): Promise<void> {
  await asAdmin(async (admin, name) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
}

/** Contacts opted in to utility messages, RECIPIENTS per number, tagged `n1`, `n2`, `n3`; phones +6281<g><7 digits>. */
async function seedContacts(db: Client): Promise<void> {
  for (let g = 1; g <= NUMBERS.length; g++) {
    await db.query(
      `INSERT INTO contacts (phone, country, name, tags, utility_consent, utility_consent_at)
       SELECT '+62813' || $1::text || lpad(i::text, 7, '0'), 'ID', 'Orang ' || i, ARRAY['n' || $1::text], 'opted_in', now() - interval '1 day'
         FROM generate_series(1, $2::int) i`,
      [String(g), RECIPIENTS],
    );
  }
  await db.query('ANALYZE contacts');
}

/** CPU seconds (user + system) of a process, from /proc (Linux); 0 when it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
  } catch {
    return 0;
  }
}

/** CPU seconds of every process whose command is `comm` (PostgreSQL's backends, redis-server). */
function cpuSecondsOf(comm: string): Map<number, number> {
  const found = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) found.set(Number(entry), cpuSeconds(Number(entry)));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** CPU used between two readings by the processes named, in seconds (processes that started meanwhile count from 0). */
function cpuUsed(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

interface CampaignFigures {
  number: string;
  campaignId: string;
  eligible: number;
  accepted: number;
  /** Accepted messages over the span from the first to the last accepted, per second. */
  mps: number;
  /** The most accepted by the simulator in any one-second window. */
  maxPerSecond: number;
  throughputErrors: number;
  duplicates: number;
  /** finishedAt − launchedAt (the API's clock). */
  completeSeconds: number;
  sendStates: Record<string, number>;
}

interface StopFigures {
  contactId: string;
  receivedAt: string;
  recordedAt: string | null;
  suppressionMs: number | null;
  acceptedAfterReceived: number;
  sendState: string;
  skipReason: string | null;
}

async function main(): Promise<void> {
  const scenarios = ALL.filter((s) => SCENARIOS.includes(s.name));
  if (scenarios.length === 0) throw new Error(`BENCH_SCENARIOS names none of ${ALL.map((s) => s.name).join(', ')}`);
  process.stdout.write(
    `bench:dispatch: ${RECIPIENTS.toLocaleString('en')} recipients per campaign, ${MPS} mps per number, scenarios ${scenarios.map((s) => s.name).join(', ')}, ` +
      `DISPATCH_THROUGHPUT_MARGIN_PERCENT ${process.env.DISPATCH_THROUGHPUT_MARGIN_PERCENT ?? '(default)'}, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`,
  );

  await recreateDatabase();
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  const prefix = `siaran-bench-dispatch-${randomBytes(4).toString('hex')}`;
  const key = `bench-${randomBytes(16).toString('hex')}`;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const call = api(url, key);
  // Three sends per recipient at most (sent, delivered, read): every message and webhook is kept.
  const maxRecords = RECIPIENTS * NUMBERS.length * 2;
  const sim: Simulator = await startSimulator({
    seed: 12,
    webhookUrl: `${url}/webhooks/whatsapp`,
    phoneNumbers: NUMBERS.map((id, i) => ({
      id,
      wabaId: WABA,
      displayPhoneNumber: `+62 21 5000 000${i + 1}`,
      mps: MPS,
      throughputLevel: 'HIGH',
      messagingLimitTier: 'TIER_UNLIMITED' as const,
    })),
    latencyMs: { min: 10, max: 40 },
    statusDelaysMs: { sent: 50, delivered: 150, read: 400 },
    readRate: 0.3,
    // The STOP replies come from people who have had earlier campaigns' messages: generous.
    pairRate: { capacity: 100, refillMs: 10 },
    batchStatuses: 100,
    batchWindowMs: 200,
    templates: [{ ...TEMPLATE, status: 'APPROVED' }],
    maxRecords,
    // Every message is kept (duplicates, the busiest second); the bodies of requests and webhooks
    // only for the last 10,000 (the webhook lag reads the last one).
    maxPayloadRecords: 10_000,
  });

  // Each child appends its event-loop delay once a second (probe.preload.ts); this process's
  // (the simulator's) is watched here.
  const loopDelayFile = join(tmpdir(), `siaran-bench-dispatch-loop-${process.pid}.jsonl`);
  const preload = `--require ${join(ROOT, 'dist', 'test', 'bench', 'probe.preload.js')}`;
  const ownLoop = monitorEventLoopDelay({ resolution: 5 });
  ownLoop.enable();
  const common = {
    BENCH_LOOP_DELAY_FILE: loopDelayFile,
    NODE_OPTIONS: preload,
    DATABASE_URL,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    WHATSAPP_API_URL: sim.url,
    WHATSAPP_ACCESS_TOKEN: 'sim-token',
    WHATSAPP_APP_SECRET: 'sim-app-secret',
    WHATSAPP_VERIFY_TOKEN: 'bench-verify',
    WHATSAPP_WABA_ID: WABA,
    WHATSAPP_PHONE_NUMBER_ID: NUMBERS[0],
    WHATSAPP_BUSINESS_COUNTRY: 'ID',
    LOG_LEVEL: 'warn',
  };
  const apiProcess = ServiceProcess.start('api', { ...common, API_BOOTSTRAP_KEY: key, PORT: String(port) });
  const workers: ServiceProcess[] = [];
  const results: Array<Record<string, unknown>> = [];
  try {
    await waitForHealth(url, apiProcess);
    for (const id of NUMBERS) {
      const registration = { throughputMps: MPS, messagingLimit: 'TIER_UNLIMITED' };
      const made = await call('POST', '/v1/phone-numbers', { phoneNumberId: id, wabaId: WABA, businessCountry: 'ID', ...registration });
      if (made.status === 409) await call('PATCH', `/v1/phone-numbers/${id}`, registration);
      else if (made.status !== 201) throw new Error(`registering ${id}: ${made.status} ${JSON.stringify(made.body)}`);
    }
    const {
      rows: [{ id: templateId }],
    } = await db.query(
      `INSERT INTO templates (waba_id, name, language, category, parameter_format, components, status, whatsapp_id)
       VALUES ($1, $2, $3, $4, 'POSITIONAL', $5::jsonb, 'APPROVED', '990000001') RETURNING id`,
      [WABA, TEMPLATE.name, TEMPLATE.language, TEMPLATE.category, JSON.stringify(TEMPLATE.components)],
    );
    let started = Date.now();
    await seedContacts(db);
    process.stdout.write(`seeded ${(RECIPIENTS * NUMBERS.length).toLocaleString('en')} contacts in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

    for (const scenario of scenarios) {
      sim.reset();
      while (workers.length < scenario.workers) {
        const n = workers.length + 1;
        const profile: Record<string, string> = CPU_PROF ? { BENCH_CPU_PROF_DIR: CPU_PROF, BENCH_CPU_PROF_NAME: `worker-${n}-${scenario.name}-${process.pid}` } : {};
        const worker = ServiceProcess.start('worker', { ...common, ...profile });
        await worker.ready();
        workers.push(worker);
      }
      while (workers.length > scenario.workers) await workers.pop()!.stop();
      await sleep(1000);

      const ids: Array<{ number: string; id: string; eligible: number }> = [];
      for (const [i, number] of scenario.numbers.entries()) {
        const created = await call('POST', '/v1/campaigns', {
          name: `bench ${scenario.name} ${number}`,
          phoneNumberId: number,
          templateId,
          binding: { 'body.1': '{{name}}' },
          audience: { tags: { any: [`n${i + 1}`] } },
        });
        if (created.status !== 201) throw new Error(`campaign: ${created.status} ${JSON.stringify(created.body)}`);
        ids.push({ number, id: created.body.id, eligible: 0 });
      }
      const cpuBefore = { self: cpuSeconds(process.pid), api: cpuSeconds(apiProcess.child.pid!), workers: workers.map((w) => cpuSeconds(w.child.pid!)), postgres: cpuSecondsOf('postgres'), redis: cpuSecondsOf('redis-server') };
      const load: number[] = [];
      const loadTimer = setInterval(() => load.push(loadavg()[0]), 5000);
      started = Date.now();
      ownLoop.reset();
      for (const c of ids) {
        const launched = await call('POST', `/v1/campaigns/${c.id}/launch`);
        if (launched.status !== 200) throw new Error(`launch: ${launched.status} ${JSON.stringify(launched.body)}`);
        c.eligible = launched.body.recipients.eligible;
      }

      const stops = scenario.stops ? sendStops(sim, db, ids[0].id, ids[0].eligible) : Promise.resolve([]);
      for (;;) {
        const states = await Promise.all(ids.map(async (c) => (await call('GET', `/v1/campaigns/${c.id}`)).body.status as string));
        if (states.every((s) => s === 'completed')) break;
        if (states.some((s) => s !== 'running' && s !== 'completed')) throw new Error(`a campaign is ${states.join(', ')}`);
        if (Date.now() - started > 30 * 60_000) throw new Error('not completed within 30 minutes');
        await sleep(500);
      }
      const completedAfter = (Date.now() - started) / 1000;
      clearInterval(loadTimer);
      const cpuAfter = { self: cpuSeconds(process.pid), api: cpuSeconds(apiProcess.child.pid!), workers: workers.map((w) => cpuSeconds(w.child.pid!)), postgres: cpuSecondsOf('postgres'), redis: cpuSecondsOf('redis-server') };
      const stopFigures = await stops;

      // Webhook lag: from the simulator's last status webhook sent to every delivery processed.
      await sim.idle();
      const lastSent = sim.webhooksDelivered().reduce((last, w) => Math.max(last, Date.parse(w.attempts[w.attempts.length - 1].at)), 0);
      let processedAt = 0;
      for (;;) {
        const {
          rows: [row],
        } = await db.query(`SELECT count(*) FILTER (WHERE processed_at IS NULL)::int AS waiting, max(processed_at) AS last FROM webhook_deliveries`);
        if (row.waiting === 0) {
          processedAt = new Date(row.last).getTime();
          break;
        }
        await sleep(100);
      }
      const webhookLagSeconds = Math.max(0, processedAt - lastSent) / 1000;

      const stats = sim.stats();
      const messages = sim.messages();
      const figures: CampaignFigures[] = [];
      for (const c of ids) {
        const keyPrefix = `siaran:1:${c.id}:`;
        const per = new Map<string, number>();
        let first = Infinity;
        let last = -Infinity;
        for (const m of messages) {
          if (!m.bizOpaqueCallbackData?.startsWith(keyPrefix)) continue;
          per.set(m.bizOpaqueCallbackData, (per.get(m.bizOpaqueCallbackData) ?? 0) + 1);
          const at = Date.parse(m.acceptedAt);
          first = Math.min(first, at);
          last = Math.max(last, at);
        }
        const accepted = [...per.values()].reduce((a, b) => a + b, 0);
        const view = (await call('GET', `/v1/campaigns/${c.id}`)).body;
        figures.push({
          number: c.number,
          campaignId: c.id,
          eligible: c.eligible,
          accepted,
          mps: accepted > 1 ? ((accepted - 1) * 1000) / (last - first) : 0,
          maxPerSecond: stats[c.number].maxPerSecond,
          throughputErrors: stats[c.number].rejectedByCode['130429'] ?? 0,
          duplicates: [...per.values()].filter((n) => n > 1).length,
          completeSeconds: (Date.parse(view.finishedAt) - Date.parse(view.launchedAt)) / 1000,
          sendStates: view.progress.sendStates,
        });
      }
      // Spread arguments would overflow the stack at 300,000 messages: folded instead.
      const all = messages.filter((m) => ids.some((c) => m.bizOpaqueCallbackData?.startsWith(`siaran:1:${c.id}:`))).map((m) => Date.parse(m.acceptedAt));
      const span = all.length > 1 ? (all.reduce((a, b) => Math.max(a, b)) - all.reduce((a, b) => Math.min(a, b))) / 1000 : 0;
      const cpu = {
        orchestratorAndSimulator: cpuAfter.self - cpuBefore.self,
        api: cpuAfter.api - cpuBefore.api,
        workers: cpuAfter.workers.map((s, i) => s - cpuBefore.workers[i]),
        postgres: cpuUsed(cpuBefore.postgres, cpuAfter.postgres),
        redis: cpuUsed(cpuBefore.redis, cpuAfter.redis),
      };
      const result = {
        scenario: scenario.name,
        workers: scenario.workers,
        numbers: scenario.numbers.length,
        setMps: MPS * scenario.numbers.length,
        totalAccepted: all.length,
        totalMps: span > 0 ? (all.length - 1) / span : 0,
        completedAfterSeconds: completedAfter,
        webhookLagSeconds,
        loadAverage: { min: Math.min(...load, loadavg()[0]), max: Math.max(...load, loadavg()[0]), end: loadavg() },
        cpuCoresUsed: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => round(x / completedAfter)) : round(v / completedAfter)])),
        simulatorErrors: sim.errors().length,
        eventLoopDelay: {
          simulator: { maxMs: round(ownLoop.max / 1e6), p99Ms: round(ownLoop.percentile(99) / 1e6) },
          ...loopDelays(loopDelayFile, started, Date.now(), new Map([[apiProcess.child.pid!, 'api'], ...workers.map((w, i) => [w.child.pid!, `worker${i + 1}`] as [number, string])])),
        },
        campaigns: figures,
        stops: stopFigures,
      };
      results.push(result);
      printScenario(result, figures, stopFigures);
      for (const [name, service] of [['api', apiProcess], ...workers.map((w, i) => [`worker ${i + 1}`, w] as const)] as const) {
        const warnings = logWarnings(service.recentOutput());
        if (warnings.length > 0) process.stdout.write(`${name} warned: ${warnings.join('; ')}\n`);
      }
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
    printSummary(results);
  } finally {
    await Promise.all([apiProcess.stop(), ...workers.map((w) => w.stop())]);
    await sim.stop();
    await db.end();
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
    if (process.env.BENCH_KEEP_DB !== 'true') await dropDatabase();
    rmSync(loopDelayFile, { force: true });
  }
}

/**
 * Scenario one's STOP replies: once 30% of the campaign is accepted, STOPPERS recipients from the
 * middle of the audience (the claim goes in contact order, so not sent yet) reply STOP. After the
 * campaign: for each, the delivery that carried it (received_at), the opt-out's recorded_at, and
 * any message to them WhatsApp accepted after the webhook was stored.
 */
async function sendStops(sim: Simulator, db: Client, campaignId: string, eligible: number): Promise<StopFigures[]> {
  const number = NUMBERS[0];
  while ((sim.stats()[number]?.accepted ?? 0) < eligible * 0.3) await sleep(100);
  const { rows: people } = await db.query<{ id: string; phone: string }>(
    `SELECT contact_id::text AS id, c.phone FROM campaign_recipients r JOIN contacts c ON c.id = r.contact_id
      WHERE r.campaign_id = $1 AND r.decision = 'eligible' ORDER BY r.contact_id OFFSET $2 LIMIT $3`,
    [campaignId, Math.floor(eligible * 0.6), STOPPERS],
  );
  const wamids = people.map((p) => ({ ...p, wamid: sim.sendInbound({ from: p.phone.slice(1), text: 'STOP', phoneNumberId: number }) }));
  // Wait for the campaign's end (the caller's loop) before reading: the rows settle by then.
  while ((await db.query(`SELECT status FROM campaigns WHERE id = $1`, [campaignId])).rows[0].status !== 'completed') await sleep(500);
  const figures: StopFigures[] = [];
  for (const p of wamids) {
    const {
      rows: [row],
    } = await db.query(
      `SELECT d.received_at, (SELECT min(e.recorded_at) FROM consent_events e WHERE e.contact_id = $2 AND e.kind = 'opt_out') AS recorded_at,
              r.send_state, r.skip_reason
         FROM inbound_messages i JOIN webhook_deliveries d ON d.id = i.delivery_id, campaign_recipients r
        WHERE i.wamid = $1 AND r.campaign_id = $3 AND r.contact_id = $2`,
      [p.wamid, p.id, campaignId],
    );
    const received = new Date(row.received_at).getTime();
    const late = sim.messages().filter((m) => m.bizOpaqueCallbackData === `siaran:1:${campaignId}:${p.id}` && Date.parse(m.acceptedAt) > received);
    figures.push({
      contactId: p.id,
      receivedAt: new Date(row.received_at).toISOString(),
      recordedAt: row.recorded_at ? new Date(row.recorded_at).toISOString() : null,
      suppressionMs: row.recorded_at ? new Date(row.recorded_at).getTime() - received : null,
      acceptedAfterReceived: late.length,
      sendState: row.send_state,
      skipReason: row.skip_reason,
    });
  }
  return figures;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function printScenario(result: Record<string, any>, figures: CampaignFigures[], stops: StopFigures[]): void {
  const out = process.stdout;
  out.write(`\n== ${result.scenario}: ${result.numbers} number(s) at ${MPS} mps, ${result.workers} worker(s) ==\n`);
  out.write('number      eligible  accepted  msg/s    % of set  max/s  130429  duplicates  complete (s)  send states\n');
  for (const f of figures) {
    out.write(
      `${f.number}  ${String(f.eligible).padStart(8)}  ${String(f.accepted).padStart(8)}  ${f.mps.toFixed(1).padStart(7)}  ${((f.mps / MPS) * 100).toFixed(1).padStart(7)}%  ${String(f.maxPerSecond).padStart(5)}  ${String(f.throughputErrors).padStart(6)}  ${String(f.duplicates).padStart(10)}  ${f.completeSeconds.toFixed(1).padStart(12)}  ${JSON.stringify(f.sendStates)}\n`,
    );
  }
  out.write(
    `total: ${result.totalAccepted} accepted at ${result.totalMps.toFixed(1)} msg/s (set ${result.setMps}: ${((result.totalMps / result.setMps) * 100).toFixed(1)}%), ` +
      `completed after ${result.completedAfterSeconds.toFixed(1)} s, webhook lag ${result.webhookLagSeconds.toFixed(2)} s, ` +
      `load ${result.loadAverage.min.toFixed(2)} – ${result.loadAverage.max.toFixed(2)}, CPU cores used ${JSON.stringify(result.cpuCoresUsed)}, simulator errors ${result.simulatorErrors}\n` +
      `event-loop delay: ${JSON.stringify(result.eventLoopDelay)}\n`,
  );
  if (stops.length > 0) {
    const times = stops.map((s) => s.suppressionMs).filter((x): x is number => x !== null).sort((a, b) => a - b);
    out.write(
      `STOP: ${stops.length} replies; webhook stored → opt-out recorded ${times.length ? `${times[0]} – ${times[times.length - 1]} ms (median ${times[Math.floor(times.length / 2)]})` : 'never'}; ` +
        `accepted after the webhook was stored: ${stops.reduce((a, s) => a + s.acceptedAfterReceived, 0)}; send states ${JSON.stringify(countBy(stops.map((s) => `${s.sendState}${s.skipReason ? `/${s.skipReason}` : ''}`)))}\n`,
    );
    for (const s of stops) out.write(`  contact ${s.contactId}: received ${s.receivedAt}, recorded ${s.recordedAt}, ${s.suppressionMs} ms, accepted after ${s.acceptedAfterReceived}, ${s.sendState}${s.skipReason ? `/${s.skipReason}` : ''}\n`);
  }
}

function printSummary(results: Array<Record<string, any>>): void {
  const by = new Map(results.map((r) => [r.scenario, r]));
  const ratio = (a: string, b: string) => (by.has(a) && by.has(b) ? (by.get(b)!.totalMps / by.get(a)!.totalMps).toFixed(2) : 'n/a');
  process.stdout.write(`\ntwo workers / one worker: one number ${ratio('one', 'two')}, three numbers ${ratio('three-one', 'three-two')}\n`);
}

/**
 * Each process's event-loop delay between `from` and `to` (epoch ms), from the seconds its
 * preload wrote: the longest stall, the mean of each second's 99th percentile, and the seconds
 * with a stall over 20 ms (at 1,000 mps with a 2% margin, a stall longer than that lets a
 * one-second window at the Graph side hold more than the rate).
 */
function loopDelays(file: string, from: number, to: number, names: Map<number, string>): Record<string, { maxMs: number; meanP99Ms: number; secondsOver20Ms: number }> {
  if (!existsSync(file)) return {};
  const by = new Map<string, Array<{ maxMs: number; p99Ms: number }>>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const entry = JSON.parse(line) as { pid: number; at: number; maxMs: number; p99Ms: number };
    const name = names.get(entry.pid);
    if (!name || entry.at < from || entry.at > to) continue;
    by.set(name, [...(by.get(name) ?? []), entry]);
  }
  return Object.fromEntries(
    [...by].map(([name, seconds]) => [
      name,
      {
        maxMs: Math.max(...seconds.map((s) => s.maxMs)),
        meanP99Ms: round(seconds.reduce((a, s) => a + s.p99Ms, 0) / seconds.length),
        secondsOver20Ms: seconds.filter((s) => s.maxMs > 20).length,
      },
    ]),
  );
}

/** The distinct warning and error messages in a process's recent JSON log lines, with their counts. */
function logWarnings(output: string): string[] {
  const messages: string[] = [];
  for (const line of output.split('\n')) {
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; lateSlots?: number; phoneNumberId?: string };
      if (entry.lateSlots !== undefined) messages.push(`${entry.phoneNumberId}: ${entry.lateSlots} slots given up for lateness`);
      else if ((entry.level ?? 0) >= 40) messages.push(entry.msg ?? line);
    } catch {
      if (line.trim()) messages.push(line.trim().slice(0, 200));
    }
  }
  return Object.entries(countBy(messages)).map(([msg, n]) => `${n} × ${msg}`);
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
