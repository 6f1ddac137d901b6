import http from 'node:http';
import type { SimulatorContext } from './context';
import { handleControl } from './control-api';
import { handleGraph } from './graph-api';
import { graphErrors } from './graph-errors';
import { parseJson } from './json';
import type { RecordedRequest } from './records';
import { graphErrorReply, type Reply } from './reply';

/**
 * The node:http server: reads each request, routes /_sim/* to the control API and everything else
 * to the Graph API, records Graph requests, and writes replies after the configured latency. A
 * handler that throws is answered 500 with Graph code 1 and recorded; it never stops the server.
 */

const MAX_BODY_BYTES = 4 * 1024 * 1024;

class BodyTooLarge extends Error {}

export class SimulatorServer {
  readonly server: http.Server;
  /** Latency timers of answers not yet written. */
  private readonly delayed = new Set<NodeJS.Timeout>();
  /** Requests deliberately left unanswered (injected timeouts). */
  private readonly hung = new Set<http.ServerResponse>();

  constructor(private readonly ctx: SimulatorContext) {
    this.server = http.createServer((req, res) => {
      this.onRequest(req, res).catch((error: unknown) => ctx.recordError(error));
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        if (typeof address === 'object' && address) resolve(address.port);
        else reject(new Error('The simulator has no TCP address'));
      });
    });
  }

  async close(): Promise<void> {
    for (const timer of this.delayed) clearTimeout(timer);
    this.delayed.clear();
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let record: RecordedRequest | undefined;
    try {
      const url = new URL(req.url ?? '/', 'http://simulator');
      const rawBody = await readBody(req);
      if (url.pathname === '/_sim' || url.pathname.startsWith('/_sim/')) {
        write(res, await handleControl(this.ctx, req.method ?? 'GET', url.pathname, url.searchParams, rawBody));
        return;
      }
      record = this.record(req, url, rawBody);
      const reply = handleGraph(this.ctx, {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        rawBody,
        authorization: req.headers.authorization,
      });
      this.answer(res, reply, record);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        write(res, graphErrorReply(graphErrors.invalidParameter(`The request body is larger than ${MAX_BODY_BYTES} bytes`)));
        return;
      }
      this.ctx.recordError(error);
      if (record) record.handlerError = error instanceof Error ? error.message : String(error);
      this.answer(res, graphErrorReply(graphErrors.unknownError()), record, 0);
    }
  }

  private record(req: http.IncomingMessage, url: URL, rawBody: string): RecordedRequest {
    const query = Object.fromEntries(url.searchParams);
    if ('access_token' in query) query.access_token = '[redacted]';
    const record: RecordedRequest = {
      id: this.ctx.nextRequestId(),
      time: new Date().toISOString(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      ...(rawBody !== '' ? { body: parseJson(rawBody) ?? rawBody } : {}),
      hasAuthorization: req.headers.authorization !== undefined,
    };
    this.ctx.requests.push(record);
    return record;
  }

  /** Writes a Graph reply after the configured latency (or keeps the request hanging). */
  private answer(res: http.ServerResponse, reply: Reply, record: RecordedRequest | undefined, latencyMs = this.latency()): void {
    if (reply.kind === 'hang') {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    if (record) {
      record.status = reply.status;
      const code = reply.kind === 'json' ? errorCodeOf(reply.body) : undefined;
      if (code !== undefined) record.errorCode = code;
    }
    if (latencyMs <= 0) return write(res, reply);
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      write(res, reply);
    }, latencyMs);
    this.delayed.add(timer);
  }

  private latency(): number {
    const { min, max } = this.ctx.options.latencyMs;
    return max > 0 ? this.ctx.random.between(min, max) : 0;
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function write(res: http.ServerResponse, reply: Reply): void {
  if (reply.kind === 'hang' || res.headersSent || res.destroyed) return;
  const isJson = reply.kind === 'json';
  const body = isJson ? JSON.stringify(reply.body) : reply.body;
  res.writeHead(reply.status, {
    'content-type': isJson ? 'application/json; charset=UTF-8' : 'text/plain; charset=UTF-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function errorCodeOf(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error = (body as { error: unknown }).error;
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number' ? error.code : undefined;
}
