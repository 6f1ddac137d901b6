/**
 * npm run bench:throughput-gate — how close to a number's rate the dispatcher's throughput gate
 * (src/dispatcher/throughput-gate.ts) sends, and whether the Graph side ever sees more than the
 * rate in one sliding second, with one and with two sending processes.
 *
 * The simulator runs in this process with one number at BENCH_MPS (default 1,000). Each round
 * forks 1 or 2 child processes (this file again) that share a pacer through Redis and, for
 * BENCH_SECONDS (default 10), ask it for send times, sleep to each and POST a minimal template
 * send to /v{ver}/{phoneNumberId}/messages over undici, without waiting for the answer (a real
 * dispatcher has hundreds of sends in flight). The simulator answers after 50-150 ms, counts
 * accepted sends per sliding second (its maxPerSecond, as GET /_sim/stats shows it) and answers
 * 130429 beyond the rate. Printed per round: accepted per second against the set rate, the
 * simulator's maxPerSecond, the same count taken when the sends left the children (the schedule
 * before the network's and the simulator's jitter), 130429 answers, how late the children were at
 * their slots and how many slots they gave up for being too late.
 *
 * Pacers: `gate` (ThroughputGate.reserve, 50 slots a call, 500 ms ahead). BENCH_PACERS=<file.js>
 * adds others for comparison in the same run, alternating with the gate: a CommonJS module whose
 * exports are `(redis, { phoneNumberId, mps, prefix }) => Pacer` factories by name (the figures
 * for rate-limiter-flexible in README were taken this way, from a module outside the repository).
 *
 * Environment: REDIS_URL, DISPATCH_THROUGHPUT_MARGIN_PERCENT (the gate's margin),
 * BENCH_MAX_LATE_MS (slots reached later are given up; default SLOT_LATENESS_LIMIT_MS), BENCH_MPS,
 * BENCH_SECONDS, BENCH_WORKERS (default "1,2"), BENCH_ROUNDS (default 1: each pacer and worker
 * count once), BENCH_PACERS.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Pool } from 'undici';
import { AppConfig } from '../../src/config/app-config';
import { SLOT_LATENESS_LIMIT_MS, ThroughputGate } from '../../src/dispatcher/throughput-gate';
import { startSimulator } from '../simulator/simulator';
import { maxInOneSecond } from '../support/sliding-second';
import { GRAPH_VERSION, templateMessage } from '../simulator/testing';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MPS = Number(process.env.BENCH_MPS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WORKERS = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const PHONE_NUMBER_ID = '1000000001';
const TEMPLATE = { name: 'bench_notice', language: 'id', category: 'UTILITY' as const, components: [{ type: 'BODY' as const, text: 'Toko buka besok.' }] };
/** The gate's batch and horizon, as the dispatcher is expected to ask. */
const GATE_BATCH = 50;
const GATE_AHEAD_MS = 500;
/** Slots reached later than this are given up (SLOT_LATENESS_LIMIT_MS, as the dispatcher does); BENCH_MAX_LATE_MS changes it. */
const MAX_LATE_MS = Number(process.env.BENCH_MAX_LATE_MS ?? SLOT_LATENESS_LIMIT_MS);

/** Gives send times (local epoch ms) for the next sends; an empty list when none may go yet (it waited). */
export interface Pacer {
  next(): Promise<number[]>;
}
type PacerFactory = (redis: Redis, settings: { phoneNumberId: string; mps: number; prefix: string }) => Pacer;

const gatePacer: PacerFactory = (redis, { phoneNumberId, mps, prefix }) => {
  const gate = new ThroughputGate(redis, { prefix, margin: AppConfig.fromEnvironment().dispatch.throughputMargin });
  return {
    async next() {
      const slots = await gate.reserve(phoneNumberId, mps, GATE_BATCH, GATE_AHEAD_MS);
      if (slots.granted === 0) {
        await sleepUntil(slots.startsAt);
        return [];
      }
      return Array.from({ length: slots.granted }, (_, i) => slots.startsAt + i * slots.intervalMs);
    },
  };
};

function pacers(): Record<string, PacerFactory> {
  const extra = process.env.BENCH_PACERS ? (require(process.env.BENCH_PACERS) as Record<string, PacerFactory>) : {};
  return { gate: gatePacer, ...extra };
}

function sleepUntil(epochMs: number): Promise<void> {
  const ms = epochMs - Date.now();
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** What a child tells the parent when its round is over. */
interface ChildResult {
  sent: number;
  /** Slots given up because the loop reached them too late. */
  skipped: number;
  /** When each send left (local epoch ms). */
  sentAt: number[];
  answers: Record<string, number>;
  /** How late sends went after their slot, ms: median, 99th percentile, highest. */
  lateMs: { p50: number; p99: number; max: number };
}

interface ChildSettings {
  pacer: string;
  simUrl: string;
  prefix: string;
  index: number;
}

/** A child: waits for the start time, sends on the pacer's schedule until the end time, reports. */
async function child(settings: ChildSettings): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const pacer = pacers()[settings.pacer](redis, { phoneNumberId: PHONE_NUMBER_ID, mps: MPS, prefix: settings.prefix });
  const http = new Pool(settings.simUrl, { connections: 256, pipelining: 1 });
  const answers: Record<string, number> = {};
  const late: number[] = [];
  const sentAt: number[] = [];
  const inflight = new Set<Promise<void>>();
  let sent = 0;
  let skipped = 0;
  const send = () => {
    const to = `628${settings.index}${String(++sent).padStart(9, '0')}`;
    const request = http
      .request({
        method: 'POST',
        path: `/${GRAPH_VERSION}/${PHONE_NUMBER_ID}/messages`,
        headers: { authorization: 'Bearer sim-token', 'content-type': 'application/json' },
        body: JSON.stringify(templateMessage(to, TEMPLATE.name, TEMPLATE.language)),
      })
      .then(async (res) => {
        const body = (await res.body.json()) as { error?: { code: number } };
        const key = res.statusCode === 200 ? '200' : String(body.error?.code ?? res.statusCode);
        answers[key] = (answers[key] ?? 0) + 1;
      })
      .catch(() => void (answers.network = (answers.network ?? 0) + 1))
      .finally(() => inflight.delete(request));
    inflight.add(request);
  };
  const { startAt, endAt } = await new Promise<{ startAt: number; endAt: number }>((resolve) => {
    process.once('message', (m) => resolve(m as { startAt: number; endAt: number }));
    process.send!('ready');
  });
  await sleepUntil(startAt);
  while (Date.now() < endAt) {
    for (const at of await pacer.next()) {
      if (at >= endAt) break;
      await sleepUntil(at);
      const lateBy = Date.now() - at;
      if (lateBy > MAX_LATE_MS) {
        skipped++;
        continue;
      }
      late.push(lateBy);
      sentAt.push(Date.now());
      send();
    }
  }
  await Promise.all(inflight);
  late.sort((a, b) => a - b);
  const at = (p: number) => Math.round((late[Math.min(late.length - 1, Math.floor(p * late.length))] ?? 0) * 10) / 10;
  const result: ChildResult = { sent, skipped, sentAt, answers, lateMs: { p50: at(0.5), p99: at(0.99), max: at(1) } };
  process.send!(result);
  await http.close();
  await redis.quit();
}

interface Round {
  pacer: string;
  workers: number;
  accepted: number;
  perSecond: number;
  maxPerSecond: number;
  /** The most sends that left the children in one sliding second: the schedule, before the network's jitter. */
  maxSentPerSecond: number;
  throughputErrors: number;
  lateMs: ChildResult['lateMs'];
}

async function runRound(pacer: string, workers: number, simUrl: string, prefix: string): Promise<ChildResult[]> {
  const children = Array.from({ length: workers }, (_, index) =>
    fork(__filename, [], { env: { ...process.env, BENCH_CHILD: JSON.stringify({ pacer, simUrl, prefix, index } satisfies ChildSettings) } }),
  );
  const results = children.map(
    (c) =>
      new Promise<ChildResult>((resolve, reject) => {
        c.on('message', (m) => m !== 'ready' && resolve(m as ChildResult));
        c.once('exit', (code) => reject(new Error(`child exited with ${code} before reporting`)));
      }),
  );
  await Promise.all(children.map((c) => new Promise<void>((resolve) => c.on('message', (m) => m === 'ready' && resolve()))));
  const startAt = Date.now() + 500;
  for (const c of children) c.send({ startAt, endAt: startAt + SECONDS * 1000 });
  return Promise.all(results);
}

async function main(): Promise<void> {
  const sim = await startSimulator({
    phoneNumbers: [{ id: PHONE_NUMBER_ID, mps: MPS, throughputLevel: 'HIGH' }],
    templates: [TEMPLATE],
    latencyMs: { min: 50, max: 150 },
    pairRate: { capacity: 1000, refillMs: 1 },
    maxRecords: 1000,
  });
  const redis = new Redis(REDIS_URL);
  const names = Object.keys(pacers());
  const rounds: Round[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const workers of WORKERS) {
        for (const pacer of names) {
          const prefix = `siaran-bench-${randomBytes(4).toString('hex')}`;
          sim.reset();
          const results = await runRound(pacer, workers, sim.url, prefix);
          await sim.idle();
          const stats = sim.stats()[PHONE_NUMBER_ID];
          const round: Round = {
            pacer,
            workers,
            accepted: stats.accepted,
            perSecond: Math.round(stats.accepted / SECONDS),
            maxPerSecond: stats.maxPerSecond,
            maxSentPerSecond: maxInOneSecond(results.flatMap((c) => c.sentAt)),
            throughputErrors: stats.rejectedByCode['130429'] ?? 0,
            lateMs: results.reduce((worst, c) => (c.lateMs.p99 > worst.p99 ? c.lateMs : worst), results[0].lateMs),
          };
          rounds.push(round);
          console.log(
            `${pacer.padEnd(12)} workers ${workers}: ${round.perSecond} msg/s accepted = ${((100 * round.perSecond) / MPS).toFixed(1)}% of ${MPS}; ` +
              `max in one sliding second ${round.maxPerSecond} (sent ${round.maxSentPerSecond}); 130429 ×${round.throughputErrors}; ` +
              `late after slot p50 ${round.lateMs.p50} ms, p99 ${round.lateMs.p99} ms, max ${round.lateMs.max} ms; skipped ${results.reduce((n, c) => n + c.skipped, 0)}; answers ${JSON.stringify(results.map((c) => c.answers))}`,
          );
          const keys = await redis.keys(`${prefix}:*`);
          if (keys.length > 0) await redis.del(...keys);
        }
      }
    }
  } finally {
    await redis.quit();
    await sim.stop();
  }
  console.log('\n| pacer | workers | msg/s accepted | % of set rate | max accepted in one second | max sent in one second | 130429 |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rounds) {
    console.log(`| ${r.pacer} | ${r.workers} | ${r.perSecond} | ${((100 * r.perSecond) / MPS).toFixed(1)}% | ${r.maxPerSecond} | ${r.maxSentPerSecond} | ${r.throughputErrors} |`);
  }
}

if (process.env.BENCH_CHILD) {
  child(JSON.parse(process.env.BENCH_CHILD) as ChildSettings).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
