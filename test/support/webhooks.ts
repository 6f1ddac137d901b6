import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signWebhook } from '../../src/whatsapp/webhook-signature';
import type { WebhookProcessorService } from '../../src/webhooks/webhook-processor.service';
import { eventually, TestEnv } from './app';

/** Posts webhook deliveries to a test API, signed as Meta signs them, and waits for their processing. */
export class WebhookDriver {
  constructor(
    private readonly env: TestEnv,
    private readonly processor: WebhookProcessorService,
    private readonly secret: string,
  ) {}

  /** Posts a delivery (an object, or exact bytes), signed over those bytes. */
  async post(body: unknown, sign: (raw: string) => string | undefined = (raw) => signWebhook(raw, this.secret)): Promise<{ status: number; body: { code?: string } }> {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const signature = sign(raw);
    const res = await fetch(`${this.env.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature-256': signature } : {}) },
      body: raw,
    });
    return { status: res.status, body: (await res.json()) as { code?: string } };
  }

  /**
   * Posts a delivery and waits until it is processed, by whichever drain gets to it (the worker
   * polls on its own too); returns the number of new events the processor found in it.
   */
  async deliver(body: unknown): Promise<{ events: number; id: string }> {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const posted = await this.post(raw);
    if (posted.status !== 200) throw new Error(`the webhook answered ${posted.status}: ${JSON.stringify(posted.body)}`);
    const sha = createHash('sha256').update(raw).digest('hex');
    return eventually(async () => {
      await this.processor.drain();
      const [row] = await this.env.db.query(`SELECT id::text AS id, events FROM webhook_deliveries WHERE body_sha256 = $1 AND processed_at IS NOT NULL`, [sha]);
      return row ? { events: row.events as number, id: row.id as string } : undefined;
    }, 10_000, 'the delivery to be processed');
  }
}

/** A case file from test/fixtures/cases (copied from ../shared/cases), as its exact bytes. */
export function caseFile(...path: string[]): string {
  return readFileSync(join(__dirname, '..', 'fixtures', 'cases', ...path), 'utf8');
}
