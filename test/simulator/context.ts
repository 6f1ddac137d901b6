import { BoundedLog } from './bounded-log';
import { ConversationBook } from './conversations';
import { ControlError } from './control-error';
import {
  defaultOptions,
  mergeOptions,
  type PhoneNumberOptions,
  type SeedTemplate,
  type SimulatorOptions,
  type SimulatorOverrides,
  TEMPLATE_STATUSES,
} from './options';
import { Random } from './random';
import { PairRateLimiter, ThroughputLimiter } from './rate-limits';
import { MessageStore, type RecordedRequest, StatsBook } from './records';
import { validateTemplateDefinition } from './template-definition';
import { TemplateRegistry } from './template-registry';
import { TaskTracker } from './task-tracker';
import { WebhookSender } from './webhook-sender';

/**
 * The simulator's whole state, shared by the Graph API handlers, the control API and the
 * Simulator object. One instance per running simulator.
 */
export class SimulatorContext {
  options: SimulatorOptions;
  random: Random;
  url = '';
  readonly tasks: TaskTracker;
  readonly templates = new TemplateRegistry();
  readonly throughput = new ThroughputLimiter();
  readonly pairRate = new PairRateLimiter();
  readonly conversations = new ConversationBook();
  readonly messages: MessageStore;
  readonly requests: BoundedLog<RecordedRequest>;
  /** Errors thrown by handlers or timers: recorded instead of crashing the server. */
  readonly errors: BoundedLog<{ at: string; message: string }>;
  readonly stats = new StatsBook();
  readonly webhooks: WebhookSender;
  private phonesById = new Map<string, PhoneNumberOptions>();
  private notOnWhatsApp = new Set<string>();
  private requestSeq = 0;
  private wamidSeq = 0;
  private readonly wamidPrefix = Date.now().toString(36);
  /** A held clock for the send-rate limits (tests); null: real time. */
  private clockAt: number | null = null;

  constructor(private readonly initial: SimulatorOverrides) {
    this.options = mergeOptions(defaultOptions(), initial);
    this.random = new Random(this.options.seed);
    const capacity = () => this.options.maxRecords;
    this.tasks = new TaskTracker((error) => this.recordError(error));
    this.messages = new MessageStore(capacity);
    this.requests = new BoundedLog(() => Math.min(this.options.maxRecords, this.options.maxPayloadRecords ?? Infinity));
    this.errors = new BoundedLog(capacity);
    this.webhooks = new WebhookSender({ options: () => this.options, tasks: this.tasks, random: () => this.random, onError: (error) => this.recordError(error) });
    this.indexOptions();
    this.seedTemplates(this.options.templates);
  }

  /** Applies overrides; a new seed restarts the random sequence. */
  configure(overrides: SimulatorOverrides): void {
    const next = mergeOptions(this.options, overrides);
    if (next.port !== this.options.port && this.url !== '') throw new Error('Invalid simulator options: the port cannot change after start');
    this.options = next;
    if (overrides.seed !== undefined) this.random = new Random(next.seed);
    this.indexOptions();
    if (overrides.templates) this.seedTemplates(overrides.templates);
  }

  /** Back to the options given at start, with no history, templates (other than seeded) or timers. */
  /** The time the send-rate limits see, in epoch milliseconds. */
  now(): number {
    return this.clockAt ?? Date.now();
  }

  /** Holds the rate limits' clock at `ms` (epoch milliseconds); null lets it follow real time again. */
  setClock(ms: number | null): void {
    this.clockAt = ms;
  }

  reset(): void {
    this.clockAt = null;
    this.tasks.cancelAll();
    this.webhooks.reset();
    const port = this.options.port;
    this.options = { ...mergeOptions(defaultOptions(), this.initial), port };
    this.random = new Random(this.options.seed);
    for (const part of [this.templates, this.throughput, this.pairRate, this.conversations, this.messages, this.requests, this.errors, this.stats]) part.clear();
    this.indexOptions();
    this.seedTemplates(this.options.templates);
  }

  phone(id: string): PhoneNumberOptions | undefined {
    return this.phonesById.get(id);
  }

  /** The first number of a WABA (webhook metadata for WABA-level events needs one). */
  phoneOfWaba(wabaId: string): PhoneNumberOptions | undefined {
    return this.options.phoneNumbers.find((p) => p.wabaId === wabaId);
  }

  isNotOnWhatsApp(waId: string): boolean {
    return this.notOnWhatsApp.has(waId);
  }

  nextRequestId(): number {
    return ++this.requestSeq;
  }

  /** A unique message id in WhatsApp's format (wamid. + base64). */
  newWamid(waId: string): string {
    const seq = (++this.wamidSeq).toString(16).toUpperCase().padStart(12, '0');
    return `wamid.${Buffer.from(`${waId}\u0015\u0002\u0000\u0011\u0018\u0012${this.wamidPrefix}${seq}`).toString('base64')}`;
  }

  recordError(error: unknown): void {
    this.errors.push({ at: new Date().toISOString(), message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }

  seedTemplate(seed: SeedTemplate): ReturnType<TemplateRegistry['seed']> {
    const definition = validateTemplateDefinition(seed);
    if (seed.status !== undefined && !TEMPLATE_STATUSES.includes(seed.status)) throw new ControlError(`Unknown template status ${String(seed.status)}`);
    const wabaId = seed.wabaId ?? this.options.phoneNumbers[0].wabaId;
    return this.templates.seed(wabaId, definition, seed.status ?? 'APPROVED', { rejectedReason: seed.rejected_reason, quality: seed.quality });
  }

  private seedTemplates(seeds: SeedTemplate[]): void {
    for (const seed of seeds) this.seedTemplate(seed);
  }

  private indexOptions(): void {
    this.phonesById = new Map(this.options.phoneNumbers.map((p) => [p.id, p]));
    this.notOnWhatsApp = new Set(this.options.notOnWhatsAppNumbers);
  }
}
