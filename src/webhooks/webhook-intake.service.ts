import { createHash } from 'node:crypto';
import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { DomainError } from '../common/domain-error';
import { JOBS, ProcessWebhooksJob, QUEUES } from '../common/queues';
import { safeEqual } from '../common/safe-equal';
import { AppConfig } from '../config/app-config';
import { checkWebhookSignature } from '../whatsapp/webhook-signature';
import { DeliveryWriter } from './delivery-writer';

/** At most one wake-up job per API process in this interval; the worker drains everything pending. */
const KICK_INTERVAL_MS = 200;

/**
 * The API side of WhatsApp webhooks: verify, store raw, answer. Everything else happens in the
 * worker, so that the answer stays fast (Meta expects a median under 250 ms).
 */
@Injectable()
export class WebhookIntakeService {
  private readonly logger = new Logger(WebhookIntakeService.name);
  private lastKick = 0;
  private trailing: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly writer: DeliveryWriter,
    @InjectQueue(QUEUES.webhooks) private readonly queue: Queue<ProcessWebhooksJob>,
  ) {}

  /** The subscription handshake: echo the challenge when the verify token matches. */
  verify(mode: string | undefined, token: string | undefined, challenge: string | undefined): string {
    const expected = this.config.whatsapp.verifyToken;
    if (!expected) throw new DomainError('WEBHOOK_NOT_CONFIGURED', 'WHATSAPP_VERIFY_TOKEN is not set');
    if (mode !== 'subscribe' || !token || !safeEqual(token, expected) || challenge === undefined) {
      throw new DomainError('WEBHOOK_VERIFY_FAILED', 'Verification failed');
    }
    return challenge;
  }

  /**
   * Checks the signature over the raw bytes before anything parses them, stores the delivery
   * (a delivery Meta repeats is stored once) and wakes the worker. Returns whether it was new.
   */
  async receive(rawBody: Buffer, signature: string | string[] | undefined): Promise<boolean> {
    const secret = this.config.whatsapp.appSecret;
    if (!secret) throw new DomainError('WEBHOOK_NOT_CONFIGURED', 'WHATSAPP_APP_SECRET is not set');
    const check = checkWebhookSignature(rawBody, signature, secret);
    if (check === 'missing') throw new DomainError('WEBHOOK_SIGNATURE_MISSING', 'X-Hub-Signature-256 is missing');
    if (check === 'invalid') throw new DomainError('WEBHOOK_SIGNATURE_INVALID', 'X-Hub-Signature-256 does not match the body');

    const body = rawBody.toString('utf8');
    let envelope: unknown;
    try {
      envelope = JSON.parse(body);
    } catch {
      throw new DomainError('WEBHOOK_MALFORMED', 'The body is not JSON');
    }
    if ((envelope as { object?: unknown })?.object !== 'whatsapp_business_account' || !Array.isArray((envelope as { entry?: unknown }).entry)) {
      throw new DomainError('WEBHOOK_MALFORMED', 'Not a WhatsApp Business Account webhook');
    }
    const id = await this.writer.store(createHash('sha256').update(rawBody).digest('hex'), body);
    if (id) this.kick(id);
    return id !== undefined;
  }

  /**
   * Wakes the worker, at most once per interval: a delivery that comes sooner schedules one wake-up
   * at the end of the interval (so the last deliveries of a burst never wait for the worker's own
   * poll). Losing a wake-up loses nothing: the delivery is in PostgreSQL and the worker polls too.
   */
  private kick(deliveryId: string): void {
    const wait = this.lastKick + KICK_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.wake(deliveryId);
    } else if (!this.trailing) {
      this.trailing = setTimeout(() => {
        this.trailing = undefined;
        this.wake(deliveryId);
      }, wait);
      this.trailing.unref();
    }
  }

  private wake(deliveryId: string): void {
    const now = Date.now();
    this.lastKick = now;
    this.queue
      .add(JOBS.processWebhooks, { deliveryId }, { jobId: `webhooks-${Math.floor(now / KICK_INTERVAL_MS)}`, removeOnComplete: true, removeOnFail: true })
      .catch((error: unknown) => this.logger.warn(`Could not wake the worker (${(error as Error).message}); it will poll`));
  }
}
