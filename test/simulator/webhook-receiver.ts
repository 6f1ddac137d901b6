import http from 'node:http';
import type { MessageStatus, WebhookEnvelope } from '../../src/whatsapp/cloud-api.types';

/**
 * A minimal webhook endpoint for tests and benchmarks: keeps every POST's raw bytes, signature
 * header and parsed body, in arrival order, and answers 200 (or what respondWith() decides).
 */

export interface ReceivedWebhook {
  raw: Buffer;
  signature: string | undefined;
  contentType: string | undefined;
  body: WebhookEnvelope;
  receivedAt: number;
}

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private decide: (index: number) => number = () => 200;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = http.createServer((req, res) => receiver?.onRequest(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('The receiver has no TCP address');
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${address.port}/webhooks/whatsapp`);
    return receiver;
  }

  /** Chooses the HTTP status of each POST by its arrival index (0-based, counting every attempt). */
  respondWith(decide: (index: number) => number): void {
    this.decide = decide;
  }

  /** Every status of every change of every delivery, in arrival order. */
  statuses(): MessageStatus[] {
    return this.changes('messages').flatMap((value) => (value as { statuses?: MessageStatus[] }).statuses ?? []);
  }

  /** The values of the changes with this field, in arrival order. */
  changes(field: string): unknown[] {
    return this.received.flatMap((w) => w.body.entry.flatMap((e) => e.changes.filter((c) => c.field === field).map((c) => c.value)));
  }

  clear(): void {
    this.received.length = 0;
    this.decide = () => 200;
  }

  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const index = this.received.length;
      this.received.push({
        raw,
        signature: req.headers['x-hub-signature-256'] as string | undefined,
        contentType: req.headers['content-type'],
        body: JSON.parse(raw.toString('utf8')) as WebhookEnvelope,
        receivedAt: Date.now(),
      });
      res.writeHead(this.decide(index)).end();
    });
  }
}
