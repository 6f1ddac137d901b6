import { Dispatcher } from 'undici';

/**
 * The largest Graph answer we read, in bytes. Meta's answers are small (a send answer is under
 * 1 KB; a page of 100 templates a few hundred KB); anything beyond this is not an answer we can use,
 * and reading it whole would let one bad upstream (or a proxy in between) exhaust our memory.
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** An answer larger than the cap: the exchange was aborted as soon as it was known. */
export class ResponseTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`The answer is larger than ${limitBytes} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

export interface ExchangeRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query, e.g. `/v24.0/123/messages`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Answers larger than this are aborted (default MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
}

export type ExchangeResult =
  | { ok: true; status: number; body: Buffer }
  | {
      ok: false;
      error: unknown;
      /** Whether undici had begun writing the request to a connected socket when it failed. */
      requestStarted: boolean;
    };

/**
 * One HTTP exchange through undici's dispatcher API, reporting how far the request got when it
 * fails. The high-level `request()` does not tell a connect failure from a failure after the request
 * was written; that difference is what makes a retry safe or a possible duplicate.
 *
 * undici calls `onRequestStart` on a connected socket immediately before it writes the request, and
 * (for a string or Buffer body) writes headers and body in the same tick. So an error before
 * `onRequestStart` (DNS, refused, connect timeout, TLS, pool closed, queued behind a dead socket)
 * means no byte left; an error after it (socket reset, headers or body timeout) means WhatsApp may
 * have received the whole request.
 */
export function exchange(dispatcher: Dispatcher, request: ExchangeRequest): Promise<ExchangeResult> {
  const limit = request.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  return new Promise((resolve) => {
    let requestStarted = false;
    let status = 0;
    let chunks: Buffer[] = [];
    let received = 0;
    dispatcher.dispatch(
      { method: request.method, path: request.path, headers: request.headers, body: request.body },
      {
        onRequestStart: () => {
          requestStarted = true;
        },
        onResponseStart: (controller, statusCode, headers) => {
          // Called again after a 1xx informational answer: only the final one counts.
          status = statusCode;
          chunks = [];
          received = 0;
          // Refused before reading when the answer says its size.
          if (Number(headers['content-length']) > limit) controller.abort(new ResponseTooLargeError(limit));
        },
        onResponseData: (controller, chunk) => {
          received += chunk.length;
          if (received > limit) {
            chunks = [];
            controller.abort(new ResponseTooLargeError(limit));
            return;
          }
          chunks.push(chunk);
        },
        onResponseEnd: () => resolve({ ok: true, status, body: Buffer.concat(chunks) }),
        onResponseError: (_controller, error) => resolve({ ok: false, error, requestStarted }),
      },
    );
  });
}
