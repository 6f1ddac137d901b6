import { createHmac, timingSafeEqual } from 'node:crypto';

/** `sha256=<hex HMAC-SHA256 of the raw body, keyed with the app secret>`. */
export function signWebhook(rawBody: Buffer | string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

/** `X-Hub-Signature-256` as Meta sends it: `sha256=` and 64 hex digits (the digest is group 1). */
export const SIGNATURE_FORMAT = /^sha256=([0-9a-fA-F]{64})$/;

export type SignatureCheck = 'valid' | 'missing' | 'invalid';

/**
 * Checks X-Hub-Signature-256 over the raw bytes, before anything parses them, in constant time.
 */
export function checkWebhookSignature(rawBody: Buffer, header: string | string[] | undefined, appSecret: string): SignatureCheck {
  if (typeof header !== 'string' || header === '') return 'missing';
  const match = SIGNATURE_FORMAT.exec(header.trim());
  if (!match) return 'invalid';
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  const given = Buffer.from(match[1], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'valid' : 'invalid';
}
