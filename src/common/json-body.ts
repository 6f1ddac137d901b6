import type { NextFunction, Request, Response } from 'express';
import { refuseEarly } from './early-refusal';

/** Routes that read a body of another kind: the CSV upload (multipart) and WhatsApp's webhooks (raw, signed). */
const OTHER_BODIES = [/^\/v1\/contacts\/imports\/?$/, /^\/webhooks\//];
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * A request that carries a body to a JSON route must say it is JSON. Without this, a body sent as a
 * form (curl's `-d` default) or as text is not parsed, and the request fails later with a
 * misleading "field missing" 400; it is refused with 415 `UNSUPPORTED_MEDIA_TYPE` instead.
 */
export function requireJsonBodies(req: Request, res: Response, next: NextFunction): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody || !['POST', 'PUT', 'PATCH'].includes(req.method)) return next();
  const path = req.path;
  if (OTHER_BODIES.some((route) => route.test(path))) return next();
  if (JSON_TYPE.test(req.headers['content-type'] ?? '')) return next();
  refuseEarly(
    req,
    res,
    'UNSUPPORTED_MEDIA_TYPE',
    `Send the body as JSON with "Content-Type: application/json" (got ${JSON.stringify((req.headers['content-type'] ?? 'none').slice(0, 100))})`,
  );
}
