import { Process, Processor } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { JOBS, QUEUES } from '../common/queues';
import { WebhookProcessorService } from './webhook-processor.service';

const POLL_EVERY_MS = 2000;

/**
 * Drains stored webhook deliveries when the API wakes the worker, and on its own every two
 * seconds (a wake-up lost with Redis costs at most that delay, never a delivery). One drain at a
 * time per worker process; several processes share the work through SKIP LOCKED.
 */
@Processor(QUEUES.webhooks)
@Injectable()
export class ProcessWebhooksProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProcessWebhooksProcessor.name);
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly processor: WebhookProcessorService) {}

  @Process({ name: JOBS.processWebhooks, concurrency: 1 })
  async handle(): Promise<void> {
    await this.drain();
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.drain(), POLL_EVERY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs one drain; a request during a drain runs another right after it. */
  drain(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          const result = await this.processor.drain();
          if (result.deliveries > 0) this.logger.debug({ ...result }, 'Webhook deliveries processed');
        } catch (error) {
          this.logger.error({ err: error }, 'Webhook processing failed');
        }
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
