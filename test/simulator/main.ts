/**
 * The WhatsApp Cloud API simulator as a process, for benchmarks and the demo:
 *   npm run build && npm run simulator
 * Point Siaran at it with WHATSAPP_API_URL=<printed URL>, WHATSAPP_ACCESS_TOKEN and
 * WHATSAPP_APP_SECRET set to the values below. Control it over HTTP under /_sim/ (control-api.ts).
 *
 * Environment (all optional):
 *   SIMULATOR_PORT              4010
 *   SIMULATOR_HOST              127.0.0.1 (0.0.0.0 to accept other machines or containers)
 *   SIMULATOR_ACCESS_TOKEN      sim-token
 *   SIMULATOR_APP_SECRET        sim-app-secret (signs webhooks)
 *   SIMULATOR_WEBHOOK_URL       where webhooks go; unset: they are only recorded (GET /_sim/webhooks)
 *   SIMULATOR_MPS               80: messages per second per number
 *   SIMULATOR_PHONE_NUMBER_ID   1000000001
 *   SIMULATOR_WABA_ID           2000000001
 *   SIMULATOR_DISPLAY_PHONE_NUMBER  "+62 21 5000 0001"
 *   SIMULATOR_MESSAGING_LIMIT_TIER  TIER_10K (TIER_250, TIER_2K, TIER_10K, TIER_100K, TIER_UNLIMITED)
 *   SIMULATOR_MARKETING_MESSAGES_ONLY  false: true refuses MARKETING templates on /messages (131063)
 *   SIMULATOR_LATENCY_MS        "0" or "min-max", e.g. "20-80"
 *   SIMULATOR_STATUS_DELAYS_MS  "50,150,400": sent, delivered, read after acceptance
 *   SIMULATOR_SERVER_ERROR_RATE, SIMULATOR_TIMEOUT_RATE, SIMULATOR_LOST_ANSWER_RATE, SIMULATOR_NOT_ON_WHATSAPP_RATE,
 *   SIMULATOR_PER_USER_CAP_RATE     probabilities 0..1, default 0
 *   SIMULATOR_NOT_ON_WHATSAPP   comma-separated numbers (digits) that are never on WhatsApp
 *   SIMULATOR_US_MARKETING_BLOCKED  true: MARKETING templates to US numbers (by region, from 2025-04-01) fail with 131049
 *   SIMULATOR_READ_RATE         1
 *   SIMULATOR_DUPLICATE_RATE    0
 *   SIMULATOR_REORDER           false
 *   SIMULATOR_BATCH_STATUSES    1 (statuses per webhook POST)
 *   SIMULATOR_PAIR_RATE         "5,6000": bucket capacity and refill interval (ms) per user
 *   SIMULATOR_TEMPLATE_REVIEW_MS  100
 *   SIMULATOR_WEBHOOK_CONCURRENCY 8
 *   SIMULATOR_TEMPLATES_FILE    JSON file with a list of templates to seed (SeedTemplate[])
 *   SIMULATOR_SEED              seed of the random decisions (default: time-based)
 */
import { readFileSync } from 'node:fs';
import type { SeedTemplate, SimulatorOverrides } from './options';
import { startSimulator } from './simulator';

function fromEnvironment(env: NodeJS.ProcessEnv): SimulatorOverrides {
  const number = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`${name} must be a number`);
    return value;
  };
  const flag = (name: string): boolean | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    if (raw !== 'true' && raw !== 'false') throw new Error(`${name} must be true or false`);
    return raw === 'true';
  };
  const numbers = (name: string, count: number): number[] | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const parts = raw.split(/[,-]/).map(Number);
    if (parts.length !== count || parts.some((n) => !Number.isFinite(n))) throw new Error(`${name} must be ${count} numbers`);
    return parts;
  };
  const fixedLatency = () => [number('SIMULATOR_LATENCY_MS') ?? 0, number('SIMULATOR_LATENCY_MS') ?? 0];
  const latency = env.SIMULATOR_LATENCY_MS?.includes('-') ? numbers('SIMULATOR_LATENCY_MS', 2) : fixedLatency();
  const delays = numbers('SIMULATOR_STATUS_DELAYS_MS', 3);
  const pair = numbers('SIMULATOR_PAIR_RATE', 2);
  const overrides: SimulatorOverrides = {
    host: env.SIMULATOR_HOST || '127.0.0.1',
    port: number('SIMULATOR_PORT') ?? 4010,
    accessToken: env.SIMULATOR_ACCESS_TOKEN || 'sim-token',
    appSecret: env.SIMULATOR_APP_SECRET || 'sim-app-secret',
    webhookUrl: env.SIMULATOR_WEBHOOK_URL || undefined,
    phoneNumbers: [
      {
        id: env.SIMULATOR_PHONE_NUMBER_ID || '1000000001',
        ...(env.SIMULATOR_WABA_ID ? { wabaId: env.SIMULATOR_WABA_ID } : {}),
        ...(env.SIMULATOR_DISPLAY_PHONE_NUMBER ? { displayPhoneNumber: env.SIMULATOR_DISPLAY_PHONE_NUMBER } : {}),
        ...(env.SIMULATOR_MESSAGING_LIMIT_TIER ? { messagingLimitTier: env.SIMULATOR_MESSAGING_LIMIT_TIER as 'TIER_10K' } : {}),
        mps: number('SIMULATOR_MPS') ?? 80,
        marketingMessagesOnly: flag('SIMULATOR_MARKETING_MESSAGES_ONLY') ?? false,
      },
    ],
    latencyMs: latency ? { min: latency[0], max: latency[1] } : undefined,
    rates: {
      serverError: number('SIMULATOR_SERVER_ERROR_RATE') ?? 0,
      timeout: number('SIMULATOR_TIMEOUT_RATE') ?? 0,
      lostAnswer: number('SIMULATOR_LOST_ANSWER_RATE') ?? 0,
      notOnWhatsApp: number('SIMULATOR_NOT_ON_WHATSAPP_RATE') ?? 0,
      perUserCap: number('SIMULATOR_PER_USER_CAP_RATE') ?? 0,
    },
    notOnWhatsAppNumbers: (env.SIMULATOR_NOT_ON_WHATSAPP ?? '').split(',').map((n) => n.trim()).filter(Boolean),
    usMarketingBlocked: flag('SIMULATOR_US_MARKETING_BLOCKED'),
    statusDelaysMs: delays ? { sent: delays[0], delivered: delays[1], read: delays[2] } : undefined,
    readRate: number('SIMULATOR_READ_RATE'),
    duplicateRate: number('SIMULATOR_DUPLICATE_RATE'),
    reorder: flag('SIMULATOR_REORDER'),
    batchStatuses: number('SIMULATOR_BATCH_STATUSES'),
    pairRate: pair ? { capacity: pair[0], refillMs: pair[1] } : undefined,
    templateReview: env.SIMULATOR_TEMPLATE_REVIEW_MS ? { delayMs: number('SIMULATOR_TEMPLATE_REVIEW_MS') } : undefined,
    webhookDelivery: env.SIMULATOR_WEBHOOK_CONCURRENCY ? { concurrency: number('SIMULATOR_WEBHOOK_CONCURRENCY') } : undefined,
    templates: env.SIMULATOR_TEMPLATES_FILE ? (JSON.parse(readFileSync(env.SIMULATOR_TEMPLATES_FILE, 'utf8')) as SeedTemplate[]) : undefined,
    seed: number('SIMULATOR_SEED'),
  };
  return overrides;
}

async function main(): Promise<void> {
  const simulator = await startSimulator(fromEnvironment(process.env));
  const { webhookUrl, phoneNumbers } = simulator.options();
  console.log(`WhatsApp Cloud API simulator listening on ${simulator.url}`);
  console.log(`phone number ${phoneNumbers[0].id} (WABA ${phoneNumbers[0].wabaId}); webhooks ${webhookUrl ? `to ${webhookUrl}` : 'recorded only'}`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping the simulator`);
    simulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
