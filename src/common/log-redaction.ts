/**
 * What our logs may say about an error or a URL. Logs leave the process (files, collectors), so
 * they carry no phone numbers, message bodies, attribute values, tokens or secrets:
 *
 * - An error is logged by type, message, code, constraint and stack. Database errors are why:
 *   TypeORM's `QueryFailedError` carries the statement's `parameters` (phones, message text) and
 *   PostgreSQL's `detail` quotes the failing row ("Failing row contains (...)"); both are dropped.
 * - A URL is logged as its path with each query value replaced, except a few that are never
 *   personal (`limit`, `hub.mode`): contact filters carry phones and attribute values, and Meta's
 *   handshake carries `hub.verify_token`.
 */

/** Query parameters whose values are safe to log. */
const SAFE_QUERY_KEYS = new Set(['limit', 'hub.mode', 'status']);
/** Error properties that are safe to log (never values taken from a row or a statement). */
const SAFE_ERROR_KEYS = ['code', 'constraint', 'table', 'column', 'routine', 'status', 'errorClass', 'outcome'] as const;

export interface SafeError {
  type: string;
  message: string;
  stack?: string;
  [key: string]: unknown;
}

/**
 * The loggable view of an error (pino's `err` serializer). Follows `cause` one level. Idempotent:
 * a view passed in again (a caller that already made one) comes back as it is.
 */
export function safeError(error: unknown, depth = 0): SafeError | unknown {
  if (!(error instanceof Error)) {
    if (typeof error !== 'object' || error === null) return error;
    const bag = error as Record<string, unknown>;
    if (typeof bag.type === 'string' && typeof bag.message === 'string') return error;
    // Something thrown that is not an Error: its class and message only, never its fields.
    return { type: (error as object).constructor?.name ?? 'Object', message: typeof bag.message === 'string' ? bag.message : '[not an Error]' };
  }
  const view: SafeError = { type: error.name || error.constructor?.name || 'Error', message: error.message, stack: error.stack };
  const bag = error as unknown as Record<string, unknown>;
  for (const key of SAFE_ERROR_KEYS) {
    const value = bag[key];
    if (typeof value === 'string' || typeof value === 'number') view[key] = value;
  }
  const cause = (error as { cause?: unknown }).cause ?? (error as { driverError?: unknown }).driverError;
  if (cause !== undefined && cause !== error && depth < 1) view.cause = safeError(cause, depth + 1);
  return view;
}

/** `/v1/contacts?phone=%2B62...&limit=5` → `/v1/contacts?phone=[redacted]&limit=5`. */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  const q = url.indexOf('?');
  if (q < 0) return url;
  const pairs = url
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawKey = eq < 0 ? pair : pair.slice(0, eq);
      let key: string;
      try {
        key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
      } catch {
        key = rawKey;
      }
      if (eq < 0) return rawKey;
      return SAFE_QUERY_KEYS.has(key) ? pair : `${rawKey}=[redacted]`;
    });
  return `${url.slice(0, q)}?${pairs.join('&')}`;
}
