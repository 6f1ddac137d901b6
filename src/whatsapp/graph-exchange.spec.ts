import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { exchange, ResponseTooLargeError } from './graph-exchange';

/** The Graph answer is read with a size cap: an endless or huge answer cannot exhaust memory. */
describe('exchange: answers are read up to a cap', () => {
  let server: Server;
  let pool: Pool;
  let sentBytes = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size'));
      const declared = req.url?.includes('declared');
      res.writeHead(200, declared ? { 'content-type': 'application/json', 'content-length': String(size) } : { 'content-type': 'application/json' });
      const piece = Buffer.alloc(64 * 1024, 0x20);
      let left = size;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, piece.length);
          left -= n;
          sentBytes += n;
          if (!res.write(piece.subarray(0, n))) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    await pool.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('reads an answer under the cap', async () => {
    const result = await exchange(pool, { method: 'GET', path: '/?size=1000', headers: {}, maxResponseBytes: 4096 });
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.ok && result.body.length).toBe(1000);
  });

  it('aborts a chunked answer as soon as it passes the cap', async () => {
    sentBytes = 0;
    const result = await exchange(pool, { method: 'GET', path: '/?size=50000000', headers: {}, maxResponseBytes: 256 * 1024 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toBeInstanceOf(ResponseTooLargeError);
    expect(!result.ok && result.requestStarted).toBe(true);
    // the server was stopped far short of the 50 MB it meant to send
    expect(sentBytes).toBeLessThan(40_000_000);
  });

  it('refuses an answer whose declared length is over the cap before reading it', async () => {
    const result = await exchange(pool, { method: 'GET', path: '/declared?size=10000000', headers: {}, maxResponseBytes: 1024 });
    expect(!result.ok && result.error).toBeInstanceOf(ResponseTooLargeError);
  });
});
