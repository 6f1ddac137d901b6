/**
 * npm run bench:webhooks — posts signed WhatsApp webhook deliveries to the real API (built, run as
 * a child process with its worker) at a fixed rate, open loop: requests go out on schedule whatever
 * the answers, as Meta sends them. Prints the median and p99 response times, then waits until the
 * worker has processed everything and checks that every event was processed exactly once.
 *
 * Traffic: each delivery carries 1 to 3 events; 80% of events are delivery statuses (sent,
 * delivered and read for each message, sometimes out of order), 20% inbound text messages (1 in 20
 * of them a stop keyword, which records an opt-out). 2% of deliveries are sent twice with the same
 * bytes (Meta's retries) and 2% of statuses are repeated inside a later, different delivery.
 *
 * Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/siaran_bench, migrated
 * first), REDIS_URL, BENCH_EVENTS_PER_SECOND (default 2000), BENCH_SECONDS (default 30).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { Pool } from 'undici';
import type { InboundMessage, MessageStatus, WebhookEnvelope } from '../../src/whatsapp/cloud-api.types';
import { signWebhook } from '../../src/whatsapp/webhook-signature';
import { freePort, ROOT, ServiceProcess, waitForHealth } from '../support/processes';

const RATE = Number(process.env.BENCH_EVENTS_PER_SECOND ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/siaran_bench';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = `bench-secret-${randomBytes(8).toString('hex')}`;
const PHONE_NUMBER_ID = '1000000001';
const RUN = randomBytes(4).toString('hex');

interface Expected {
  inbound: Set<string>;
  stops: number;
  statuses: Set<string>;
  finalStatus: Map<string, string>;
}

/** Generates the traffic: deliveries of 1-3 events, and what processing them must produce. */
class Traffic {
  readonly expected: Expected = { inbound: new Set(), stops: 0, statuses: new Set(), finalStatus: new Map() };
  private messageSeq = 0;
  private senderSeq = 0;
  private pendingStatuses: MessageStatus[] = [];
  private readonly sentStatuses: MessageStatus[] = [];
  private readonly recentBodies: string[] = [];

  nextDelivery(i: number): string {
    if (i % 50 === 25 && this.recentBodies.length > 0) return this.recentBodies[(i * 13) % this.recentBodies.length]; // Meta's retry: same bytes
    const count = 1 + (i % 3);
    const statuses: MessageStatus[] = [];
    const messages: InboundMessage[] = [];
    for (let k = 0; k < count; k++) {
      if ((i * 3 + k) % 5 === 0) messages.push(this.inbound());
      else statuses.push(this.status(i + k));
    }
    const value = {
      messaging_product: 'whatsapp' as const,
      metadata: { display_phone_number: '62215000001', phone_number_id: PHONE_NUMBER_ID },
      ...(messages.length ? { contacts: messages.map((m) => ({ wa_id: m.from, profile: { name: 'Bench' } })), messages } : {}),
      ...(statuses.length ? { statuses } : {}),
    };
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '2000000001', changes: [{ field: 'messages', value }] }] } satisfies WebhookEnvelope);
    if (this.recentBodies.length < 100) this.recentBodies.push(body);
    else this.recentBodies[i % 100] = body;
    return body;
  }

  private inbound(): InboundMessage {
    const n = ++this.senderSeq;
    const from = `628${RUN.replace(/\D/g, '').padEnd(3, '7').slice(0, 3)}${String(n).padStart(7, '0')}`;
    const stop = n % 20 === 0;
    if (stop) this.expected.stops++;
    const id = `wamid.bench.${RUN}.in.${n}`;
    this.expected.inbound.add(id);
    return { from, id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: stop ? 'STOP' : `Halo ${n}` } };
  }

  /** Statuses cycle through messages: sent, delivered, read; sometimes one is held back and sent late, or repeated. */
  private status(i: number): MessageStatus {
    if (i % 50 === 7 && this.sentStatuses.length > 0) return this.sentStatuses[(i * 7) % this.sentStatuses.length]; // a repeat in another delivery
    if (this.pendingStatuses.length === 0) {
      const id = `wamid.bench.${RUN}.out.${++this.messageSeq}`;
      const ts = String(Math.floor(Date.now() / 1000));
      const steps = ['sent', 'delivered', 'read'].map((status) => ({ id, status, timestamp: ts, recipient_id: '6281300000001', biz_opaque_callback_data: `bench:${this.messageSeq}` }));
      if (this.messageSeq % 10 === 0) steps.reverse(); // out of order
      this.pendingStatuses = steps;
    }
    const status = this.pendingStatuses.shift()!;
    this.expected.statuses.add(`${status.id} ${status.status}`);
    const rank = ['sent', 'delivered', 'read'];
    const known = this.expected.finalStatus.get(status.id);
    if (!known || rank.indexOf(status.status) > rank.indexOf(known)) this.expected.finalStatus.set(status.id, status.status);
    if (this.sentStatuses.length < 500) this.sentStatuses.push(status);
    return status;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  execFileSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'migrate.js')], { env: { ...process.env, DATABASE_URL }, stdio: 'inherit' });
  const port = await freePort();
  const env = {
    DATABASE_URL,
    REDIS_URL,
    REDIS_PREFIX: `siaran-bench-${RUN}`,
    WHATSAPP_APP_SECRET: SECRET,
    PORT: String(port),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  };
  const api = ServiceProcess.start('api', env);
  const worker = ServiceProcess.start('worker', env);
  const url = `http://127.0.0.1:${port}`;
  const http = new Pool(url, { connections: 128, pipelining: 1 });
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    await waitForHealth(url, api);
    const traffic = new Traffic();
    const latencies: number[] = [];
    let failures = 0;
    let events = 0;
    let deliveries = 0;
    const inflight = new Set<Promise<void>>();
    const started = process.hrtime.bigint();
    const deadline = SECONDS * 1e9;
    // Open loop: each tick sends what the schedule says is due by now.
    for (let i = 0; ; i++) {
      const elapsed = Number(process.hrtime.bigint() - started);
      if (elapsed >= deadline) break;
      const due = (events / RATE) * 1e9;
      if (due > elapsed) await new Promise((r) => setTimeout(r, Math.max(0, (due - elapsed) / 1e6)));
      const body = traffic.nextDelivery(i);
      events += (JSON.parse(body) as WebhookEnvelope).entry[0].changes.reduce((n, c) => {
        const v = c.value as { messages?: unknown[]; statuses?: unknown[] };
        return n + (v.messages?.length ?? 0) + (v.statuses?.length ?? 0);
      }, 0);
      deliveries++;
      const sentAt = process.hrtime.bigint();
      const request = http
        .request({ method: 'POST', path: '/webhooks/whatsapp', headers: { 'content-type': 'application/json', 'x-hub-signature-256': signWebhook(body, SECRET) }, body })
        .then(async (res) => {
          await res.body.dump();
          latencies.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
          if (res.statusCode !== 200) failures++;
        })
        .catch(() => void failures++)
        .finally(() => inflight.delete(request));
      inflight.add(request);
    }
    await Promise.all(inflight);
    const sendSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    latencies.sort((a, b) => a - b);
    process.stdout.write(
      `sent ${deliveries.toLocaleString('en')} deliveries (${events.toLocaleString('en')} events) in ${sendSeconds.toFixed(1)} s = ${Math.round(events / sendSeconds)} events/s, ` +
        `${Math.round(deliveries / sendSeconds)} requests/s; non-200 answers: ${failures}\n`,
    );
    process.stdout.write(
      `response time: median ${percentile(latencies, 50).toFixed(1)} ms, p90 ${percentile(latencies, 90).toFixed(1)} ms, ` +
        `p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms\n`,
    );

    // Wait for the worker to finish, then check every event was processed exactly once.
    const drainStarted = Date.now();
    for (;;) {
      const { rows } = await db.query(`SELECT count(*)::int AS pending FROM webhook_deliveries WHERE processed_at IS NULL`);
      if (rows[0].pending === 0) break;
      if (Date.now() - drainStarted > 120_000) throw new Error(`${rows[0].pending} deliveries still unprocessed after 2 minutes`);
      await new Promise((r) => setTimeout(r, 200));
    }
    process.stdout.write(`worker finished ${((Date.now() - drainStarted) / 1000).toFixed(1)} s after the last request\n`);
    const like = `wamid.bench.${RUN}.%`;
    const count = async (sql: string) => (await db.query(sql, [like])).rows[0].n as number;
    const inbound = await count(`SELECT count(*)::int AS n FROM inbound_messages WHERE wamid LIKE $1`);
    const statusEvents = await count(`SELECT count(*)::int AS n FROM message_status_events WHERE wamid LIKE $1`);
    const { rows: states } = await db.query(`SELECT wamid, status FROM message_statuses WHERE wamid LIKE $1`, [like]);
    const wrongState = states.filter((r: { wamid: string; status: string }) => traffic.expected.finalStatus.get(r.wamid) !== r.status).length;
    const tracked = await count(`SELECT count(*)::int AS n FROM message_statuses WHERE wamid LIKE $1`);
    const stops = await count(
      `SELECT count(*)::int AS n FROM consent_events e JOIN inbound_messages m ON (e.evidence->>'messageId') = m.wamid WHERE m.wamid LIKE $1 AND e.source = 'keyword'`,
    );
    const failed = (await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE last_error IS NOT NULL AND received_at > now() - interval '1 hour'`)).rows[0].n;
    const checks: Array<[string, number, number]> = [
      ['inbound messages', inbound, traffic.expected.inbound.size],
      ['status events', statusEvents, traffic.expected.statuses.size],
      ['messages tracked', tracked, traffic.expected.finalStatus.size],
      ['messages whose status is not the furthest sent', wrongState, 0],
      ['stop opt-outs', stops, traffic.expected.stops],
      ['deliveries with errors', failed, 0],
    ];
    for (const [label, got, want] of checks) process.stdout.write(`  ${label}: ${got} (expected ${want}) ${got === want ? 'ok' : 'MISMATCH'}\n`);
    process.stdout.write(`API peak RSS: ${Math.round((api.peakRssBytes() ?? 0) / 1048576)} MB, worker peak RSS: ${Math.round((worker.peakRssBytes() ?? 0) / 1048576)} MB\n`);
    if (failures > 0 || checks.some(([, got, want]) => got !== want)) throw new Error('events lost, duplicated or refused');
  } finally {
    await http.close();
    await db.end();
    await Promise.all([api.stop(), worker.stop()]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
