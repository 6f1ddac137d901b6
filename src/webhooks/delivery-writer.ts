import { Injectable } from '@nestjs/common';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';

interface Waiting {
  sha256: string;
  body: string;
  resolve: (id: string | undefined) => void;
  reject: (error: unknown) => void;
}

/** Writes in flight at once; each takes one pooled connection. */
const MAX_CONCURRENT_WRITES = 4;
const MAX_BATCH = 500;

/**
 * Group commit for webhook deliveries. Every request still waits until its delivery is committed
 * before it is answered, but deliveries that arrive while a write is in flight go together in the
 * next multi-row INSERT: one commit (one WAL flush) for many requests instead of one each, which is
 * what lets the API keep answering in milliseconds at thousands of deliveries per second. Under
 * light load a delivery is written at once, alone.
 */
@Injectable()
export class DeliveryWriter {
  private waiting: Waiting[] = [];
  private writes = 0;

  constructor(private readonly deliveries: WebhookDeliveriesRepository) {}

  /** Resolves with the new delivery's id, or undefined when the same bytes were stored before. */
  store(sha256: string, body: string): Promise<string | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ sha256, body, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.writes < MAX_CONCURRENT_WRITES && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      this.writes++;
      void this.write(batch).finally(() => {
        this.writes--;
        this.pump();
      });
    }
  }

  private async write(batch: Waiting[]): Promise<void> {
    try {
      const stored = await this.deliveries.storeMany(batch.map((w) => ({ sha256: w.sha256, body: w.body })));
      // A body repeated within one batch (Meta retrying quickly) is new only for its first request.
      const claimed = new Set<string>();
      for (const w of batch) {
        const id = stored.get(w.sha256);
        w.resolve(id !== undefined && !claimed.has(w.sha256) ? id : undefined);
        claimed.add(w.sha256);
      }
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}
