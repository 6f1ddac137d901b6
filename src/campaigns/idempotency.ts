import { createHash } from 'node:crypto';
import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { validationFailed } from '../common/validation';

/**
 * Idempotency keys (the `Idempotency-Key` header, as Stripe and the IETF draft
 * "The Idempotency-Key HTTP Header Field" name it) on POST /v1/campaigns and POST
 * /v1/campaigns/:id/launch: a repeat with the same key and the same request answers what the first
 * answered, without doing it again; the same key with another request is refused (422
 * IDEMPOTENCY_KEY_REUSED). Keys are per API key and operation (table idempotency_keys).
 */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** The idempotency_keys.key CHECK. */
export const MAX_IDEMPOTENCY_KEY = 255;
/** Printable ASCII, as a client generates keys (UUIDs, random tokens); what else a header can hold is refused. */
const KEY_PATTERN = /^[\x21-\x7e]+$/;

/** A request made under an idempotency key. `operation` names the route and its target (`POST /v1/campaigns/<id>/launch`). */
export interface IdempotentRequest {
  apiKeyId: string;
  operation: string;
  key: string;
  /** requestHash of what the request asked. */
  requestHash: string;
}

/**
 * The header's value, or undefined without one. 400 VALIDATION_FAILED naming the header when it is
 * empty, longer than 255 characters, or not printable ASCII (a header sent twice arrives joined
 * with ", " and is refused for its space).
 */
export function parseIdempotencyKey(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length >= 1 && value.length <= MAX_IDEMPOTENCY_KEY && KEY_PATTERN.test(value)) return value;
  throw validationFailed([
    { field: IDEMPOTENCY_HEADER, problems: [`${IDEMPOTENCY_HEADER} must be 1 to ${MAX_IDEMPOTENCY_KEY} printable ASCII characters without spaces, given once`] },
  ]);
}

/** The request's Idempotency-Key, checked (see parseIdempotencyKey); undefined without one. */
export const IdempotencyKey = createParamDecorator((_: unknown, context: ExecutionContext): string | undefined =>
  parseIdempotencyKey(context.switchToHttp().getRequest<Request>().headers['idempotency-key']),
);

/**
 * SHA-256 (hex) of a request as validated, in canonical JSON: object keys sorted at every level,
 * dates as ISO 8601 in UTC, undefined left out. So key order, the case of a country code and the
 * zone a date-time was written in do not make another request; any other difference does.
 */
export function requestHash(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request), 'utf8').digest('hex');
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const record = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).sort().map((k) => [k, record[k]]));
  });
}
