import { Dispatcher } from 'undici';

export interface ExchangeRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query, e.g. `/v24.0/123/messages`. */
  path: string;
  headers: Record<string, string>;
  body?: string;
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
  return new Promise((resolve) => {
    let requestStarted = false;
    let status = 0;
    let chunks: Buffer[] = [];
    dispatcher.dispatch(
      { method: request.method, path: request.path, headers: request.headers, body: request.body },
      {
        onRequestStart: () => {
          requestStarted = true;
        },
        onResponseStart: (_controller, statusCode) => {
          // Called again after a 1xx informational answer: only the final one counts.
          status = statusCode;
          chunks = [];
        },
        onResponseData: (_controller, chunk) => {
          chunks.push(chunk);
        },
        onResponseEnd: () => resolve({ ok: true, status, body: Buffer.concat(chunks) }),
        onResponseError: (_controller, error) => resolve({ ok: false, error, requestStarted }),
      },
    );
  });
}
