import { timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison of two strings (their UTF-8 bytes), for secrets compared outside the
 * database, such as the webhook verify token. Strings of different byte lengths are unequal at
 * once: the length of a secret is not what this hides.
 */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
