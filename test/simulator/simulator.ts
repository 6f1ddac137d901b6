import type { TemplateRecord } from '../../src/whatsapp/cloud-api.types';
import {
  type InboundInput,
  type PhoneNumberUpdate,
  sendInbound,
  sendUserPreference,
  setTemplateCategory,
  setTemplateQuality,
  setTemplateStatus,
  type UserPreferenceInput,
  updatePhoneNumber,
} from './actions';
import { SimulatorContext } from './context';
import { SimulatorServer } from './http-server';
import type { PhoneNumberOptions, SeedTemplate, SimulatorOptions, SimulatorOverrides } from './options';
import type { PhoneStats, RecordedRequest, SentMessage } from './records';
import type { WebhookRecord } from './webhook-sender';

/**
 * The WhatsApp Cloud API simulator: an HTTP server speaking the Graph API endpoints Siaran uses,
 * plus a control API under /_sim/. Tests start it in-process:
 *
 *   const sim = await startSimulator({ webhookUrl, statusDelaysMs: { sent: 2, delivered: 4, read: 6 } });
 *   // point WHATSAPP_API_URL at sim.url, send, then:
 *   await sim.idle(); // every scheduled webhook went out
 *   await sim.stop();
 *
 * Benchmarks and the demo run it as a process (main.ts, `npm run simulator`).
 */
export interface Simulator {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** A copy of the current options. */
  options(): SimulatorOptions;
  /** Changes options (nested objects merged); throws on invalid values. */
  configure(overrides: SimulatorOverrides): void;
  /** Back to the start options; drops history, templates made since, windows, timers, webhooks. */
  reset(): void;
  /** Resolves when every scheduled status, review and webhook (retries included) is done. */
  idle(): Promise<void>;
  stop(): Promise<void>;

  /** Every Graph request received, oldest first (the Authorization header is never kept). */
  requests(): RecordedRequest[];
  clearRequests(): void;
  /** Per phone number id. */
  stats(): Record<string, PhoneStats>;
  /** Accepted messages, oldest first. */
  messages(): SentMessage[];
  message(wamid: string): SentMessage | undefined;
  /** Every webhook produced, with its delivery attempts. */
  webhooks(): WebhookRecord[];
  /** The webhooks the receiver acknowledged with a 2xx. */
  webhooksDelivered(): WebhookRecord[];
  /** Errors thrown inside the simulator (handlers, timers); empty in a healthy run. */
  errors(): Array<{ at: string; message: string }>;
  /**
   * Holds the clock that the send-rate limits (130429, 131056) see at `ms` (epoch milliseconds), so
   * a test of "5 per second" does not depend on how fast a loaded machine sends; null releases it.
   * `reset()` releases it too.
   */
  setClock(ms: number | null): void;

  /** A user writes (or taps a button): `messages` webhook; opens their 24-hour window. Returns the wamid. */
  sendInbound(input: InboundInput): string;
  /** A user stops or resumes marketing: `user_preferences` webhook. */
  sendUserPreference(input: UserPreferenceInput): void;
  /** Puts a template in place in any status (APPROVED by default), without review or webhook. */
  seedTemplate(template: SeedTemplate): TemplateRecord;
  templates(): Array<TemplateRecord & { wabaId: string }>;
  /** Meta changes a template's status: `message_template_status_update`. */
  setTemplateStatus(input: Parameters<typeof setTemplateStatus>[1]): TemplateRecord;
  /** Meta recategorises a template: `template_category_update`. */
  setTemplateCategory(input: Parameters<typeof setTemplateCategory>[1]): TemplateRecord;
  /** Meta rates a template: `message_template_quality_update`. */
  setTemplateQuality(input: Parameters<typeof setTemplateQuality>[1]): TemplateRecord;
  /** Meta changes a number's quality, tier or throughput: `phone_number_quality_update`. */
  updatePhoneNumber(input: PhoneNumberUpdate): PhoneNumberOptions;
}

export async function startSimulator(options: SimulatorOverrides = {}): Promise<Simulator> {
  const ctx = new SimulatorContext(options);
  const server = new SimulatorServer(ctx);
  const port = await server.listen(ctx.options.port, ctx.options.host);
  const host = ctx.options.host === '0.0.0.0' || ctx.options.host === '::' ? '127.0.0.1' : ctx.options.host;
  ctx.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  ctx.options.port = port;
  return new RunningSimulator(ctx, server);
}

class RunningSimulator implements Simulator {
  private stopped?: Promise<void>;

  constructor(
    private readonly ctx: SimulatorContext,
    private readonly server: SimulatorServer,
  ) {}

  get url(): string {
    return this.ctx.url;
  }

  options(): SimulatorOptions {
    return structuredClone(this.ctx.options);
  }

  configure(overrides: SimulatorOverrides): void {
    this.ctx.configure(overrides);
  }

  reset(): void {
    this.ctx.reset();
  }

  setClock(ms: number | null): void {
    this.ctx.setClock(ms);
  }

  idle(): Promise<void> {
    return this.ctx.tasks.idle();
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.ctx.tasks.cancelAll();
      this.ctx.webhooks.close();
      await this.server.close();
    })();
    return this.stopped;
  }

  requests(): RecordedRequest[] {
    return this.ctx.requests.all();
  }

  clearRequests(): void {
    this.ctx.requests.clear();
  }

  stats(): Record<string, PhoneStats> {
    return this.ctx.stats.snapshot(
      this.ctx.options.phoneNumbers.map((p) => p.id),
      (id) => this.ctx.throughput.maxPerSecond(id),
    );
  }

  messages(): SentMessage[] {
    return this.ctx.messages.all();
  }

  message(wamid: string): SentMessage | undefined {
    return this.ctx.messages.get(wamid);
  }

  webhooks(): WebhookRecord[] {
    return this.ctx.webhooks.records();
  }

  webhooksDelivered(): WebhookRecord[] {
    return this.webhooks().filter((w) => w.outcome === 'delivered');
  }

  errors(): Array<{ at: string; message: string }> {
    return this.ctx.errors.all();
  }

  sendInbound(input: InboundInput): string {
    return sendInbound(this.ctx, input);
  }

  sendUserPreference(input: UserPreferenceInput): void {
    sendUserPreference(this.ctx, input);
  }

  seedTemplate(template: SeedTemplate): TemplateRecord {
    return structuredClone(this.ctx.seedTemplate(template).record);
  }

  templates(): Array<TemplateRecord & { wabaId: string }> {
    return this.ctx.templates.all().map((t) => ({ wabaId: t.wabaId, ...structuredClone(t.record) }));
  }

  setTemplateStatus(input: Parameters<typeof setTemplateStatus>[1]): TemplateRecord {
    return setTemplateStatus(this.ctx, input);
  }

  setTemplateCategory(input: Parameters<typeof setTemplateCategory>[1]): TemplateRecord {
    return setTemplateCategory(this.ctx, input);
  }

  setTemplateQuality(input: Parameters<typeof setTemplateQuality>[1]): TemplateRecord {
    return setTemplateQuality(this.ctx, input);
  }

  updatePhoneNumber(input: PhoneNumberUpdate): PhoneNumberOptions {
    return updatePhoneNumber(this.ctx, input);
  }
}

export type { InboundInput, PhoneNumberUpdate, UserPreferenceInput } from './actions';
export type { PhoneNumberInput, PhoneNumberOptions, SeedTemplate, SimulatorOptions, SimulatorOverrides } from './options';
export type { PhoneStats, RecordedRequest, SentMessage } from './records';
export type { WebhookAttempt, WebhookRecord } from './webhook-sender';
