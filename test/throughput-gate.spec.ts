import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import { AppConfig } from '../src/config/app-config';
import { ConfigModule } from '../src/config/config.module';
import { type CampaignCap, THROUGHPUT_GATE_DEFAULTS, ThroughputGate, type ThroughputGateOptions, type ThroughputSlots } from '../src/dispatcher/throughput-gate';
import { THROUGHPUT_REDIS, ThroughputGateModule } from '../src/dispatcher/throughput-gate.module';
import { ROOT } from './support/processes';
import { maxInOneSecond } from './support/sliding-second';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MPS = 200;
/** Slots asked per caller: about three seconds of the number's rate in all. */
const SPAN_MS = 3000;
/**
 * Far enough ahead that a caller the loaded machine keeps waiting for less than this leaves no
 * gap in the schedule: the rate asserted is the gate's, not the test machine's.
 */
const AHEAD_MS = 1000;
/** Slot times of different processes come from different clock offsets (each within half a round trip). */
const CLOCK_SLACK_MS = 2;

/** Every slot's time, asking `want` at a time until the schedule reaches `until` (local epoch ms). */
async function reserveUntil(gate: ThroughputGate, phoneNumberId: string, until: number, want = 10, campaign?: CampaignCap): Promise<number[]> {
  const times: number[] = [];
  for (;;) {
    const slots = await gate.reserve(phoneNumberId, MPS, want, AHEAD_MS, campaign);
    times.push(...slotTimes(slots));
    if (times.length > 0 && times[times.length - 1] >= until) return times;
    if (slots.granted === 0) await new Promise((resolve) => setTimeout(resolve, Math.max(0, slots.startsAt - Date.now())));
  }
}

function slotTimes(slots: ThroughputSlots): number[] {
  return Array.from({ length: slots.granted }, (_, i) => slots.startsAt + i * slots.intervalMs);
}

/** Slots within SPAN_MS from `first` (by default the schedule's first), per second: the sustained rate. */
function ratePerSecond(times: number[], first = Math.min(...times)): number {
  return times.filter((t) => t >= first && t < first + SPAN_MS).length / (SPAN_MS / 1000);
}

describe('ThroughputGate (real Redis)', () => {
  const prefix = `siaran-test-gate-${randomBytes(6).toString('hex')}`;
  const connections: Redis[] = [];
  let n = 0;
  /** A number of its own for each test. */
  const phoneNumberId = () => `10000000${++n}`;
  const newGate = (options: Partial<ThroughputGateOptions> = {}) => {
    const redis = new Redis(REDIS_URL);
    connections.push(redis);
    return new ThroughputGate(redis, { prefix, ...options });
  };

  afterAll(async () => {
    const keys = await connections[0].keys(`${prefix}:*`);
    if (keys.length > 0) await connections[0].del(...keys);
    for (const c of connections) c.disconnect();
  });

  it('spaces the slots of concurrent callers so that no second holds more than the rate, and keeps at least 95% of it', async () => {
    const id = phoneNumberId();
    const gates = [newGate(), newGate(), newGate(), newGate()];
    const until = Date.now() + SPAN_MS + AHEAD_MS;
    const times = (await Promise.all(gates.map((gate, i) => reserveUntil(gate, id, until, 5 + i * 10)))).flat();

    expect(maxInOneSecond(times)).toBeLessThanOrEqual(MPS);
    expect(ratePerSecond(times)).toBeGreaterThanOrEqual(0.95 * MPS);
    // The margin: spaced for 3% under the rate.
    expect(ratePerSecond(times)).toBeLessThanOrEqual((1 - THROUGHPUT_GATE_DEFAULTS.margin) * MPS + 1);
  });

  it('shares one number between two processes', async () => {
    // Built code (npm run build): two separate Node processes, each with its own connection and clock offset.
    const id = phoneNumberId();
    const until = Date.now() + SPAN_MS + AHEAD_MS;
    const script = `
      const Redis = require('ioredis');
      const { ThroughputGate } = require(${JSON.stringify(join(ROOT, 'dist', 'src', 'dispatcher', 'throughput-gate.js'))});
      (async () => {
        const redis = new Redis(${JSON.stringify(REDIS_URL)});
        const gate = new ThroughputGate(redis, { prefix: ${JSON.stringify(prefix)} });
        const times = [];
        for (;;) {
          const s = await gate.reserve(${JSON.stringify(id)}, ${MPS}, 10, ${AHEAD_MS});
          for (let i = 0; i < s.granted; i++) times.push(s.startsAt + i * s.intervalMs);
          if (times.length > 0 && times[times.length - 1] >= ${until}) break;
          if (s.granted === 0) await new Promise((r) => setTimeout(r, Math.max(0, s.startsAt - Date.now())));
        }
        process.stdout.write(JSON.stringify(times));
        await redis.quit();
      })();`;
    const run = () => promisify(execFile)(process.execPath, ['-e', script], { cwd: ROOT }).then(({ stdout }) => JSON.parse(stdout) as number[]);
    const [a, b] = await Promise.all([run(), run()]);

    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    const times = [...a, ...b];
    expect(maxInOneSecond(times)).toBeLessThanOrEqual(MPS);
    // That the two together reach the set rate is a benchmark's figure (npm run bench:throughput-gate),
    // not a test's: here, on a loaded machine, a process that wakes late leaves its slots unused (CI
    // saw 187 of 200). The test only refuses a gate that starves them.
    expect(ratePerSecond(times)).toBeGreaterThanOrEqual(0.5 * MPS);
    // No two slots closer than the interval, whichever process holds them (beyond the clock offsets' error).
    const sorted = times.sort((x, y) => x - y);
    const interval = 1000 / (MPS * (1 - THROUGHPUT_GATE_DEFAULTS.margin));
    const closest = Math.min(...sorted.slice(1).map((t, i) => t - sorted[i]));
    expect(closest).toBeGreaterThan(interval - CLOCK_SLACK_MS);
  });

  it("shares a number between a campaign at its full rate and one capped below it, each within its limit", async () => {
    const id = phoneNumberId();
    const cap: CampaignCap = { campaignId: 'capped', maxMps: 20 };
    const until = Date.now() + SPAN_MS + AHEAD_MS;
    const [full, capped] = await Promise.all([reserveUntil(newGate(), id, until, 10), reserveUntil(newGate(), id, until, 10, cap)]);
    const all = [...full, ...capped];

    expect(maxInOneSecond(all)).toBeLessThanOrEqual(MPS);
    expect(ratePerSecond(all)).toBeGreaterThanOrEqual(0.95 * MPS);
    // The cap is kept to the µs in Redis time; the slots' local times carry each call's clock offset.
    expect(maxInOneSecond(capped, 1000 - CLOCK_SLACK_MS)).toBeLessThanOrEqual(Math.floor(cap.maxMps * (1 - THROUGHPUT_GATE_DEFAULTS.margin)));
    // 19 a second (the cap less the margin, in whole slots); a cap given as mps instead would leave the full campaign about 20/s.
    // At least three quarters of it: the capped caller asks in turns, and on a loaded machine its turns come late.
    expect(ratePerSecond(capped)).toBeGreaterThanOrEqual(0.75 * cap.maxMps);
    expect(ratePerSecond(full, Math.min(...all))).toBeGreaterThanOrEqual(0.95 * MPS - cap.maxMps);
  });

  it('hands out nothing beyond aheadMs, and says when to come back', async () => {
    const id = phoneNumberId();
    const gate = newGate();
    const interval = 1000 / (MPS * (1 - THROUGHPUT_GATE_DEFAULTS.margin));

    const first = await gate.reserve(id, MPS, 1000, 100);
    expect(first.granted).toBe(Math.ceil(100 / interval)); // 20 slots start within 100 ms, not 1,000
    expect(first.intervalMs).toBeCloseTo(interval, 6);

    const second = await gate.reserve(id, MPS, 1000, 100);
    const scheduleEnd = first.startsAt + first.granted * interval;
    if (second.granted === 0) {
      // Come back when the next slot is within 100 ms.
      expect(Math.abs(second.startsAt - (scheduleEnd - 100))).toBeLessThan(1);
    } else {
      // The schedule goes on where the first reservation left it.
      expect(Math.abs(second.startsAt - scheduleEnd)).toBeLessThan(1);
    }
    const third = await gate.reserve(id, MPS, 0, 100);
    expect(third.granted).toBe(0);
  });

  it('slows a number down on 130429 (once per hold), never below the floor, and lets it recover', async () => {
    const id = phoneNumberId();
    const gate = newGate();
    expect(await gate.factor(id)).toBe(1);

    await gate.slowDown(id);
    const halved = await gate.factor(id);
    expect(halved).toBeGreaterThanOrEqual(0.5);
    expect(halved).toBeLessThan(0.51);
    await gate.slowDown(id); // more 130429s for sends made before the slow-down: held
    expect(await gate.factor(id)).toBeGreaterThanOrEqual(halved);
    const slowed = await gate.reserve(id, MPS, 1, AHEAD_MS);
    expect(slowed.intervalMs).toBeGreaterThan(1.9 * (1000 / (MPS * (1 - THROUGHPUT_GATE_DEFAULTS.margin))));

    // Floor: without a hold, five slow-downs in a row stop at 10%.
    const unheld = newGate({ holdMs: 0, recoveryPerSecond: 0.0001 });
    const other = phoneNumberId();
    for (let i = 0; i < 5; i++) await unheld.slowDown(other);
    expect(await unheld.factor(other)).toBeCloseTo(THROUGHPUT_GATE_DEFAULTS.minFactor, 3);

    // Recovery: at 20 per second (from half to full in 25 ms) it is soon back to 1 and its key gone.
    const quick = newGate({ recoveryPerSecond: 20 });
    const third = phoneNumberId();
    await quick.slowDown(third);
    expect(await quick.factor(third)).toBeLessThan(1);
    let factor = 0;
    for (let tries = 0; tries < 100 && factor < 1; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      factor = await quick.factor(third);
    }
    expect(factor).toBe(1);
    const slowdownKey = `${prefix}:throughput:{${third}}:slowdown`;
    let ttl = await connections[0].pttl(slowdownKey);
    // PTTL: -2 once the key is gone; 0 while it is expiring in this very millisecond (seen in CI).
    for (let tries = 0; tries < 100 && ttl >= 0; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      ttl = await connections[0].pttl(slowdownKey);
    }
    expect(ttl).toBe(-2); // expired
  });

  it('keeps one number in one Redis Cluster slot, under the configured prefix', async () => {
    const id = phoneNumberId();
    const gate = newGate();
    await gate.reserve(id, MPS, 1);
    await gate.slowDown(id);
    expect((await connections[0].keys(`${prefix}:*{${id}}*`)).sort()).toEqual([`${prefix}:throughput:{${id}}:slowdown`, `${prefix}:throughput:{${id}}:tat`]);
  });

  it('comes as ThroughputGateModule: keys under REDIS_PREFIX, its own connection closed when the application closes', async () => {
    const config = AppConfig.fromEnvironment({ REDIS_URL, REDIS_PREFIX: prefix, DISPATCH_THROUGHPUT_MARGIN_PERCENT: '1' });
    const app = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config), ThroughputGateModule] }).compile();
    const id = phoneNumberId();
    const slots = await app.get(ThroughputGate).reserve(id, MPS, 1);
    expect(slots.intervalMs).toBeCloseTo(1000 / (MPS * 0.99), 6);
    expect(await connections[0].exists(`${prefix}:throughput:{${id}}:tat`)).toBe(1);
    const redis = app.get<Redis>(THROUGHPUT_REDIS);
    const ended = new Promise((resolve) => redis.once('end', resolve));
    await app.close();
    await ended;
    expect(redis.status).toBe('end');
  });

  it('refuses a rate, a count or a horizon that make no sense', async () => {
    const gate = newGate();
    expect(await gate.factor('1')).toBe(1);
    await expect(gate.reserve('1', 0, 1)).rejects.toThrow('mps');
    await expect(gate.reserve('1', 10, 1.5)).rejects.toThrow('want');
    await expect(gate.reserve('1', 10, 1, 0)).rejects.toThrow('aheadMs');
  });
});
