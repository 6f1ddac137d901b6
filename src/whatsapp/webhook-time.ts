/**
 * The time of a webhook item (a message's, a call's, a preference's `timestamp`: Unix seconds, as
 * a string or a number), judged against when its delivery reached Siaran.
 *
 * A time decides which consent fact wins (consent.ts orders by it) and when a customer service
 * window closes, so a wrong one is dangerous both ways: a STOP dated 1970 loses to every later
 * opt-in; a message dated 2100 keeps a window open for 75 years. Hence:
 * - a readable time up to FUTURE_SKEW_MS after the delivery was received is WhatsApp's clock
 *   being ahead of ours, and is kept as it is: it orders the item against the others of its
 *   person (a chain of number or BSUID changes a few seconds apart, delivered out of order, needs
 *   their own times), and WhatsApp closes the window by its own clock;
 * - a time that cannot be read, or is more than FUTURE_SKEW_MS after receipt, or before WhatsApp
 *   existed (EARLIEST_MS: a corrupted value, such as "5"), is not trusted: the item
 *   is processed with the receipt time (an opt-out it carries then dates from when we learnt it,
 *   which can only make it win over earlier consent), opens no window (we cannot tell when the
 *   person wrote), and the problem is recorded with the delivery (webhook_item_errors).
 */
export interface WebhookTime {
  at: Date;
  /** False: `at` is the receipt time because the item's own could not be trusted (see `problem`). */
  trusted: boolean;
  problem?: { code: 'timestamp_unreadable' | 'timestamp_in_future' | 'timestamp_before_whatsapp'; message: string };
}

/** Clock difference tolerated between WhatsApp's servers and ours before a time counts as in the future. */
export const FUTURE_SKEW_MS = 5 * 60_000;
/**
 * 2009-01-01: WhatsApp did not exist before 2009. Older items are not believed. (Items days or
 * weeks old are: Meta retries a delivery for up to 7 days, and replayed or queued deliveries are
 * older still.)
 */
export const EARLIEST_MS = Date.UTC(2009, 0, 1);

/** Reads `timestamp` (Unix seconds, whole, as digits or a number) against the delivery's receipt time. */
export function webhookTime(timestamp: unknown, receivedAt: Date): WebhookTime {
  const received = receivedAt.getTime();
  const text = typeof timestamp === 'number' ? String(timestamp) : typeof timestamp === 'string' ? timestamp.trim() : '';
  if (!/^[0-9]{1,12}$/.test(text)) {
    return { at: receivedAt, trusted: false, problem: { code: 'timestamp_unreadable', message: 'the timestamp is not whole Unix seconds: processed with the time the delivery was received, opening no window' } };
  }
  const ms = Number(text) * 1000;
  if (ms > received + FUTURE_SKEW_MS) {
    return { at: receivedAt, trusted: false, problem: { code: 'timestamp_in_future', message: `the timestamp is ${new Date(ms).toISOString()}, after the delivery was received: processed with the receipt time, opening no window` } };
  }
  if (ms < EARLIEST_MS) {
    return { at: receivedAt, trusted: false, problem: { code: 'timestamp_before_whatsapp', message: `the timestamp is ${new Date(ms).toISOString()}, before WhatsApp existed: processed with the receipt time, opening no window` } };
  }
  return { at: new Date(ms), trusted: true };
}
