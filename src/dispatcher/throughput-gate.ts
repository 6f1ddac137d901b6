import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';

/** Slots for `count` sends of one number, spaced evenly: send i goes at startsAt + i * intervalMs (local epoch ms). */
export interface ThroughputSlots {
  granted: number;
  startsAt: number;
  intervalMs: number;
}

/** A campaign's own limit (its maxMps) below its number's rate, shared by every worker sending it. */
export interface CampaignCap {
  campaignId: string;
  maxMps: number;
}

/** How the gate spaces sends and how it answers 130429; THROUGHPUT_GATE_DEFAULTS says why each value. */
export interface ThroughputGateOptions {
  /** Bull's key prefix (REDIS_PREFIX): the gate's keys are `${prefix}:throughput:{phoneNumberId}:…`. */
  prefix: string;
  /** Sends are spaced for this fraction under the asked rate (0.03: 3%), so jitter cannot bunch them over it. */
  margin: number;
  /** 130429: the factor is multiplied by this… */
  slowDownBy: number;
  /** …but never goes below this. */
  minFactor: number;
  /** After a slow-down, the factor climbs back by this much per second, up to 1. */
  recoveryPerSecond: number;
  /** 130429 answers within this long after a slow-down do not slow the number down again. */
  holdMs: number;
}

/**
 * Margin 3%: at 1,000 mps, sends spaced for 970/s leave room for sends to arrive up to 29 ms away
 * from their slots (network and event-loop jitter) before a one-second window at the Graph side
 * could hold 1,001: the sender keeps its own part under SLOT_LATENESS_LIMIT_MS, the rest is left
 * to the network. Measured with `npm run bench:throughput-gate` on this 2-core machine: 2% let
 * 130429 through; 3%, with slots over 5 ms late given up, sent 95-97% of the rate without one
 * while the machine was moderately loaded (a few 130429 when other benchmarks ran beside it).
 * Slow-down: halve on 130429 (floor 10%), then add 5% of the rate per second (from half to full
 * in 10 s): additive increase, multiplicative decrease, as TCP answers congestion. Hold 2 s: sends
 * reserved before the slow-down (up to aheadMs of them) answer 130429 too and must not halve it
 * again.
 */
export const THROUGHPUT_GATE_DEFAULTS: Omit<ThroughputGateOptions, 'prefix'> = {
  margin: 0.03,
  slowDownBy: 0.5,
  minFactor: 0.1,
  recoveryPerSecond: 0.05,
  holdMs: 2000,
};

/**
 * A slot that the sending loop reaches later than this (ms) is given up, not sent: sent late it
 * would bunch with the slots after it (an event loop blocked for 50 ms would send 50 at once at
 * 1,000 mps). A sixth of the default margin's room; the rest (25 ms at 3%) is for the network.
 * Measured: 10 ms let 130429 through at 3% when this machine was loaded, 5 ms did not.
 */
export const SLOT_LATENESS_LIMIT_MS = 5;

/** How far ahead reserve() hands out slots unless told: one worker holds at most this much of a number's rate. */
export const DEFAULT_AHEAD_MS = 500;

/**
 * Lua shared by the scripts: `now` in microseconds of Redis TIME (one clock for every process),
 * and the slow-down factor in force, from KEYS[2] = {factor, at} and ARGV[1] = recovery per µs.
 */
const NOW_AND_FACTOR = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slow = redis.call('HMGET', KEYS[2], 'factor', 'at')
local factor = 1
if slow[1] then factor = math.min(1, tonumber(slow[1]) + (now - tonumber(slow[2])) * tonumber(ARGV[1])) end
`;

/**
 * GCRA (generic cell rate algorithm, a token bucket of size one): KEYS[1] holds the number's
 * theoretical arrival time (TAT), the Redis-clock µs at which its next send may go. A reservation
 * takes the slots TAT, TAT + interval, … that fall before now + ahead, and moves TAT past them.
 * Every worker's reservations go through this one key, so slots of all processes are spaced by
 * at least `interval`, and no one-second window can hold more than 1 s / interval of them.
 *
 * A campaign capped below the number's rate (ARGV[6] > 0) takes its slots from the same schedule,
 * so the number's rate is never spent on waiting; KEYS[3], a sorted set of the campaign's slots of
 * the last second, stops the grant at the first slot that would make a one-second window (t − 1 s,
 * t] hold more than the cap. (Spacing the campaign's slots at its own interval instead would leave
 * holes in the number's schedule, or a campaign at 10 mps would take 100 ms of it per send.)
 *
 * ARGV: [1] recovery per µs, [2] mps, [3] want, [4] ahead µs, [5] margin, [6] campaign mps (0: none).
 * Returns {granted, start µs after now (or, when 0 granted, µs until a retry can get one), interval µs, now µs}.
 */
const RESERVE = `${NOW_AND_FACTOR}
local margin = tonumber(ARGV[5])
local interval = 1000000 / (tonumber(ARGV[2]) * factor * (1 - margin))
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or 0), now)
local horizon = now + tonumber(ARGV[4])
if tat >= horizon then
  return {0, tostring(tat - horizon), tostring(interval), string.format('%.0f', now)}
end
local granted = math.min(tonumber(ARGV[3]), math.ceil((horizon - tat) / interval))
local capped = tonumber(ARGV[6]) > 0
if capped and granted > 0 then
  local cap = math.max(1, math.floor(tonumber(ARGV[6]) * (1 - margin)))
  local recent = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. string.format('%.0f', tat - 1000000), '+inf')
  local first, allowed = 1, 0
  for i = 0, granted - 1 do
    local slot = tat + i * interval
    while first <= #recent and tonumber(recent[first]) <= slot - 1000000 do first = first + 1 end
    if #recent - first + 1 + i + 1 > cap then break end
    allowed = i + 1
  end
  if allowed == 0 then
    -- The number's schedule must first pass the oldest of the cap's slots by one second.
    local free = tonumber(recent[#recent - cap + 1]) + 1000000
    return {0, tostring(free - tat), tostring(interval), string.format('%.0f', now)}
  end
  granted = allowed
end
if granted > 0 then
  local nextTat = math.ceil(tat + granted * interval)
  local ttl = math.ceil((nextTat - now) / 1000) + 1000
  redis.call('SET', KEYS[1], string.format('%.0f', nextTat), 'PX', ttl)
  if capped then
    for i = 0, granted - 1 do
      local slot = string.format('%.0f', tat + i * interval)
      redis.call('ZADD', KEYS[3], slot, slot)
    end
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', string.format('%.0f', tat - 1000000))
    redis.call('PEXPIRE', KEYS[3], ttl + 1000)
  end
end
return {granted, tostring(tat - now), tostring(interval), string.format('%.0f', now)}
`;

/**
 * 130429: factor × ARGV[2] (at least ARGV[3]), unless the last slow-down was less than ARGV[4] µs
 * ago. The key expires when the factor is back to 1. Returns the factor now in force.
 */
const SLOW_DOWN = `${NOW_AND_FACTOR}
if slow[1] and now - tonumber(slow[2]) < tonumber(ARGV[4]) then return tostring(factor) end
local lowered = math.max(tonumber(ARGV[3]), factor * tonumber(ARGV[2]))
redis.call('HSET', KEYS[2], 'factor', tostring(lowered), 'at', string.format('%.0f', now))
redis.call('PEXPIRE', KEYS[2], math.ceil((1 - lowered) / tonumber(ARGV[1]) / 1000) + 1000)
return tostring(lowered)
`;

const FACTOR = `${NOW_AND_FACTOR}
return tostring(factor)
`;

/** The scripts as ioredis custom commands (EVALSHA, loaded on first use). */
interface GateCommands {
  throughputReserve(
    tat: string,
    slow: string,
    campaign: string,
    recovery: string,
    mps: string,
    want: string,
    aheadUs: string,
    margin: string,
    campaignMps: string,
  ): Promise<[number, string, string, string]>;
  throughputSlowDown(tat: string, slow: string, recovery: string, by: string, min: string, holdUs: string): Promise<string>;
  throughputFactor(tat: string, slow: string, recovery: string): Promise<string>;
}

/** Local epoch ms minus Redis epoch ms, from the quickest round trip seen lately (its error is at most half that trip). */
interface ClockOffset {
  offsetMs: number;
  rttMs: number;
  measuredAt: number;
}

/** A round trip this much older is replaced by the next one, so that clock drift is followed. */
const OFFSET_REFRESH_MS = 10_000;
/** Round trips measured before a process's first reservation. */
const CLOCK_SAMPLES = 5;

/**
 * The per-number throughput gate of the dispatcher (issue 12, "Rate, exactly"): never more than a
 * number's messages per second in any one-second window at the Graph side, across every worker
 * process, and as close to it as jitter allows. Each send needs a slot from reserve(); slots come
 * from one GCRA schedule per number in Redis (a Lua script, Redis TIME as the clock), so several
 * campaigns and workers on one number share its rate. 130429 answers lower the number's rate
 * through slowDown(); it recovers by itself.
 *
 * A caller sends each slot at its time, and gives up a slot it reaches more than
 * SLOT_LATENESS_LIMIT_MS late (it would bunch with the next ones).
 */
@Injectable()
export class ThroughputGate {
  private readonly options: ThroughputGateOptions;
  private readonly commands: GateCommands;
  private clock: ClockOffset | undefined;

  constructor(
    private readonly redis: Redis,
    options: Pick<ThroughputGateOptions, 'prefix'> & Partial<ThroughputGateOptions>,
  ) {
    this.options = { ...THROUGHPUT_GATE_DEFAULTS, ...options };
    if (!(this.options.recoveryPerSecond > 0)) throw new Error('recoveryPerSecond must be positive: a slowed-down number must recover');
    redis.defineCommand('throughputReserve', { numberOfKeys: 3, lua: RESERVE });
    redis.defineCommand('throughputSlowDown', { numberOfKeys: 2, lua: SLOW_DOWN });
    redis.defineCommand('throughputFactor', { numberOfKeys: 2, lua: FACTOR });
    this.commands = redis as unknown as GateCommands;
  }

  /**
   * Reserves up to `want` send slots for `phoneNumberId` at `mps` messages per second, never more
   * than `aheadMs` into the future (so that no worker hoards the rate). granted 0 means: try again
   * at startsAt. Atomic across processes (one Lua script; Redis TIME is the clock, converted to
   * local time for startsAt).
   *
   * `mps` is the number's throughput; the slow-down factor is applied inside, and slots are spaced
   * for `mps × factor × (1 − margin)`. A campaign with a lower maxMps passes it as `campaign`, not
   * as `mps`: its slots then come from the number's schedule, at most `maxMps × (1 − margin)` of
   * them in any one second, and campaigns without a cap fill the rest of the number's rate. (Given
   * as `mps`, a cap of 10 would space the number's one schedule at 100 ms a slot for every campaign
   * on it: a campaign at 1,000 mps beside it got 20/s.) Every caller of one number must pass the
   * same `mps`.
   *
   * Throws on a non-positive mps, maxMps or aheadMs or a negative or fractional want; Redis errors
   * are passed on.
   */
  async reserve(phoneNumberId: string, mps: number, want: number, aheadMs = DEFAULT_AHEAD_MS, campaign?: CampaignCap): Promise<ThroughputSlots> {
    if (!(mps > 0 && Number.isFinite(mps))) throw new Error(`mps must be a positive number, not ${mps}`);
    if (campaign && !(campaign.maxMps > 0 && Number.isFinite(campaign.maxMps))) throw new Error(`maxMps must be a positive number, not ${campaign.maxMps}`);
    if (!(aheadMs > 0 && Number.isFinite(aheadMs))) throw new Error(`aheadMs must be a positive number, not ${aheadMs}`);
    if (!(Number.isInteger(want) && want >= 0)) throw new Error(`want must be a whole number of slots, not ${want}`);
    if (!this.clock) await this.measureClock();
    const before = Date.now();
    const capped = campaign !== undefined && campaign.maxMps < mps;
    const [granted, startUs, intervalUs, redisNowUs] = await this.commands.throughputReserve(
      ...this.keys(phoneNumberId),
      // Unread without a cap; named all the same, in the number's slot, as Redis Cluster wants every key of a script.
      this.key(phoneNumberId, `campaign:${capped ? campaign.campaignId : ''}`),
      String(this.options.recoveryPerSecond / 1e6),
      String(mps),
      String(want),
      String(Math.round(aheadMs * 1000)),
      String(this.options.margin),
      String(capped ? campaign.maxMps : 0),
    );
    const offsetMs = this.offsetFrom(before, Date.now(), Number(redisNowUs) / 1000);
    return { granted, startsAt: Number(redisNowUs) / 1000 + offsetMs + Number(startUs) / 1000, intervalMs: Number(intervalUs) / 1000 };
  }

  /** 130429 received: the number's rate factor drops (e.g. halves, floor 10%) and recovers over time. */
  async slowDown(phoneNumberId: string): Promise<void> {
    const { slowDownBy, minFactor, holdMs, recoveryPerSecond } = this.options;
    await this.commands.throughputSlowDown(...this.keys(phoneNumberId), String(recoveryPerSecond / 1e6), String(slowDownBy), String(minFactor), String(holdMs * 1000));
  }

  /** The factor (0..1] now in force for the number, applied inside reserve(). */
  async factor(phoneNumberId: string): Promise<number> {
    return Number(await this.commands.throughputFactor(...this.keys(phoneNumberId), String(this.options.recoveryPerSecond / 1e6)));
  }

  /** The schedule (TAT) and slow-down keys of a number. */
  private keys(phoneNumberId: string): [string, string] {
    return [this.key(phoneNumberId, 'tat'), this.key(phoneNumberId, 'slowdown')];
  }

  /** `${prefix}:throughput:{phoneNumberId}:name`: the braces keep a number's keys (its campaigns' caps too) in one Redis Cluster slot. */
  private key(phoneNumberId: string, name: string): string {
    return `${this.options.prefix}:throughput:{${phoneNumberId}}:${name}`;
  }

  /**
   * A few round trips of Redis TIME before the first reservation: the first command on a new
   * connection is slow (connecting, loading the script), and an offset taken from it alone could
   * misplace this process's first slots by milliseconds.
   */
  private async measureClock(): Promise<void> {
    for (let i = 0; i < CLOCK_SAMPLES; i++) {
      const before = Date.now();
      const [seconds, micros] = await this.redis.time();
      this.offsetFrom(before, Date.now(), Number(seconds) * 1000 + Number(micros) / 1000);
    }
  }

  /**
   * The local-minus-Redis clock offset, kept from the quickest round trip: a slow one (the event
   * loop busy when the answer came) would place this process's slots later than other processes'.
   */
  private offsetFrom(sentAt: number, answeredAt: number, redisNowMs: number): number {
    const rttMs = answeredAt - sentAt;
    if (!this.clock || rttMs <= this.clock.rttMs || answeredAt - this.clock.measuredAt > OFFSET_REFRESH_MS) {
      this.clock = { offsetMs: (sentAt + answeredAt) / 2 - redisNowMs, rttMs, measuredAt: answeredAt };
    }
    return this.clock.offsetMs;
  }
}
