import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { MessageStatus, WebhookChange, WebhookEnvelope } from '../../src/whatsapp/cloud-api.types';
import { BoundedLog } from './bounded-log';
import type { PhoneNumberOptions, SimulatorOptions } from './options';
import { metadataOf } from './payloads';
import type { Random } from './random';
import type { TaskTracker } from './task-tracker';

/**
 * Plays Meta's webhook delivery: signs each body (X-Hub-Signature-256 over the exact bytes), POSTs
 * it with bounded concurrency, retries non-2xx answers and network errors with exponential
 * backoff, batches statuses, duplicates some, and records every attempt for inspection.
 */

export interface WebhookAttempt {
  at: string;
  /** The receiver's HTTP status, when it answered. */
  statusCode?: number;
  /** Why the attempt failed without an answer (connection refused, timeout…). */
  error?: string;
  durationMs: number;
}

export interface WebhookRecord {
  id: number;
  createdAt: string;
  fields: string[];
  envelope: WebhookEnvelope;
  signature: string;
  /** Set on a deliberate duplicate (duplicateRate): the id of the webhook it repeats. */
  duplicateOf?: number;
  attempts: WebhookAttempt[];
  /** not_sent: no webhookUrl was configured when it was produced or retried. */
  outcome: 'pending' | 'delivered' | 'failed' | 'not_sent';
}

interface Deps {
  options: () => SimulatorOptions;
  tasks: TaskTracker;
  random: () => Random;
  /** Records an unexpected error instead of letting it crash the process. */
  onError: (error: unknown) => void;
}

export class WebhookSender {
  private readonly log: BoundedLog<WebhookRecord>;
  private queue: WebhookRecord[] = [];
  private queueHead = 0;
  private active = 0;
  private nextId = 1;
  /** Bumped by reset(): answers to attempts started before it are ignored. */
  private epoch = 0;
  /** Raw bytes and the pending-work release of webhooks still being delivered. */
  private readonly inFlight = new Map<number, { raw: Buffer; release: () => void }>();
  private readonly statusBuffers = new Map<string, { phone: PhoneNumberOptions; statuses: MessageStatus[] }>();
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  /** The last `entry.time` given to an account-level change, per WABA. */
  private readonly accountTimes = new Map<string, number>();

  constructor(private readonly deps: Deps) {
    this.log = new BoundedLog(() => Math.min(deps.options().maxRecords, deps.options().maxPayloadRecords ?? Infinity));
  }

  /**
   * `entry.time`, in Unix seconds, as Meta sets it. Account-level changes (template status,
   * quality, category, phone number) get strictly increasing times per WABA: in a test, approved,
   * paused and approved again can happen within one second, hours apart at Meta, and a receiver
   * tells such changes apart by their time.
   */
  private entryTime(wabaId: string, changes: WebhookChange[]): number {
    const now = Math.floor(Date.now() / 1000);
    if (changes.every((c) => c.field === 'messages')) return now;
    const time = Math.max(now, (this.accountTimes.get(wabaId) ?? 0) + 1);
    this.accountTimes.set(wabaId, time);
    return time;
  }

  /** Sends one envelope with these changes for a WABA now (or records it when no URL is set). */
  send(wabaId: string, changes: WebhookChange[], duplicateOf?: number): WebhookRecord {
    const envelope: WebhookEnvelope = { object: 'whatsapp_business_account', entry: [{ id: wabaId, time: this.entryTime(wabaId, changes), changes }] };
    const raw = Buffer.from(JSON.stringify(envelope), 'utf8');
    const record: WebhookRecord = {
      id: this.nextId++,
      createdAt: new Date().toISOString(),
      fields: changes.map((c) => c.field),
      envelope,
      signature: signature(raw, this.deps.options().appSecret),
      ...(duplicateOf !== undefined ? { duplicateOf } : {}),
      attempts: [],
      outcome: 'pending',
    };
    this.log.push(record);
    if (!this.deps.options().webhookUrl) {
      record.outcome = 'not_sent';
      return record;
    }
    this.inFlight.set(record.id, { raw, release: this.deps.tasks.hold() });
    this.enqueue(record);
    return record;
  }

  /**
   * Queues a status of a message sent from this number. Statuses due together are batched into
   * POSTs of at most batchStatuses after batchWindowMs.
   */
  queueStatus(phone: PhoneNumberOptions, status: MessageStatus): void {
    let buffer = this.statusBuffers.get(phone.id);
    if (!buffer) {
      buffer = { phone, statuses: [] };
      this.statusBuffers.set(phone.id, buffer);
      this.deps.tasks.after(this.deps.options().batchWindowMs, () => this.flushStatuses(phone.id));
    }
    buffer.statuses.push(status);
  }

  records(): WebhookRecord[] {
    return this.log.all();
  }

  /** Forgets everything queued or recorded (timers are cancelled by the TaskTracker's owner). */
  reset(): void {
    this.epoch++;
    for (const { release } of this.inFlight.values()) release();
    this.inFlight.clear();
    this.statusBuffers.clear();
    this.queue = [];
    this.queueHead = 0;
    this.active = 0;
    this.log.clear();
  }

  close(): void {
    this.reset();
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private flushStatuses(phoneNumberId: string): void {
    const buffer = this.statusBuffers.get(phoneNumberId);
    if (!buffer) return;
    this.statusBuffers.delete(phoneNumberId);
    const { phone, statuses } = buffer;
    const size = this.deps.options().batchStatuses;
    const sentIn: number[] = [];
    for (let i = 0; i < statuses.length; i += size) {
      const record = this.send(phone.wabaId, [statusChange(phone, statuses.slice(i, i + size))]);
      statuses.slice(i, i + size).forEach(() => sentIn.push(record.id));
    }
    // Meta delivers some events more than once: each duplicate is its own POST, after the original.
    statuses.forEach((status, i) => {
      if (this.deps.random().chance(this.deps.options().duplicateRate)) this.send(phone.wabaId, [statusChange(phone, [status])], sentIn[i]);
    });
  }

  private enqueue(record: WebhookRecord): void {
    this.queue.push(record);
    this.pump();
  }

  private pump(): void {
    const { concurrency } = this.deps.options().webhookDelivery;
    while (this.active < concurrency && this.queueHead < this.queue.length) {
      const record = this.queue[this.queueHead++];
      this.active++;
      this.attempt(record, this.epoch).catch(this.deps.onError);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  private async attempt(record: WebhookRecord, epoch: number): Promise<void> {
    const { webhookUrl, webhookDelivery } = this.deps.options();
    const pending = this.inFlight.get(record.id);
    const started = Date.now();
    let statusCode: number | undefined;
    let error: string | undefined;
    if (webhookUrl && pending) {
      try {
        statusCode = await this.post(webhookUrl, pending.raw, record.signature, webhookDelivery.timeoutMs);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
    }
    if (epoch !== this.epoch) return;
    this.active--;
    if (!webhookUrl || !pending) {
      this.finish(record, 'not_sent');
    } else {
      record.attempts.push({ at: new Date(started).toISOString(), statusCode, error, durationMs: Date.now() - started });
      if (statusCode !== undefined && statusCode >= 200 && statusCode < 300) this.finish(record, 'delivered');
      else if (record.attempts.length >= webhookDelivery.maxAttempts) this.finish(record, 'failed');
      else this.deps.tasks.after(webhookDelivery.retryBaseMs * 2 ** (record.attempts.length - 1), () => this.enqueue(record));
    }
    this.pump();
  }

  private finish(record: WebhookRecord, outcome: WebhookRecord['outcome']): void {
    record.outcome = outcome;
    this.inFlight.get(record.id)?.release();
    this.inFlight.delete(record.id);
  }

  private post(url: string, raw: Buffer, signatureHeader: string, timeoutMs: number): Promise<number> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(
        target,
        {
          method: 'POST',
          agent: secure ? this.agents.https : this.agents.http,
          timeout: timeoutMs,
          headers: {
            'content-type': 'application/json',
            'content-length': raw.length,
            'x-hub-signature-256': signatureHeader,
            'user-agent': 'facebookexternalua',
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', reject);
      request.end(raw);
    });
  }
}

/** `sha256=<hex HMAC-SHA256 of the raw body bytes keyed with the app secret>`, as Meta signs. */
export function signature(raw: Buffer, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(raw).digest('hex')}`;
}

function statusChange(phone: PhoneNumberOptions, statuses: MessageStatus[]): WebhookChange {
  return { field: 'messages', value: { messaging_product: 'whatsapp', metadata: metadataOf(phone), statuses } };
}
