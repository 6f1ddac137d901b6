/**
 * What to do about a WhatsApp error, decided from its code (never from the HTTP status or the text;
 * see ../shared/WHATSAPP.md, "Errors"). The same codes arrive synchronously from the send API and
 * later in `failed` status webhooks.
 */
export type ErrorClass =
  /** Retry with exponential backoff and jitter; on 130429 slow the sender down. */
  | 'transient'
  /** Too many messages to this one user: delay this recipient only. */
  | 'pair_rate'
  /** Meta's per-user marketing cap (also the US marketing pause): do not retry within 24 h. */
  | 'per_user_cap'
  /** The campaign, number or account must stop: pause and alert a human. */
  | 'stop'
  /** This recipient cannot receive it: fail with the code, never retry automatically. */
  | 'permanent_recipient'
  /** Our request is wrong: fail the recipient; if every recipient fails, pause the campaign. */
  | 'request_bug';

const TABLE: Record<Exclude<ErrorClass, 'request_bug'>, readonly number[]> = {
  transient: [1, 2, 4, 80007, 130429, 131000, 131016, 131057],
  pair_rate: [131056],
  per_user_cap: [131049],
  stop: [0, 190, 368, 131031, 131042, 131048, 131063, 131064, 132015, 132016, 133010],
  permanent_recipient: [130472, 130497, 131021, 131026, 131030, 131047, 131050, 137000],
};

/** Codes our own requests cause (listed for documentation; any unknown code is treated so too). */
export const REQUEST_BUG_CODES: readonly number[] = [100, 131008, 131009, 132000, 132001, 132005, 132007, 132008, 132012, 132018];

const BY_CODE = new Map<number, ErrorClass>(
  (Object.entries(TABLE) as Array<[ErrorClass, readonly number[]]>).flatMap(([cls, codes]) => codes.map((code) => [code, cls] as const)),
);

/**
 * Classifies an error. A response without a Graph error code is judged by its HTTP status: 5xx and
 * 429 are transient (a proxy or Meta's front end failing), anything else is our bug. An unknown
 * code is a request bug too: it fails one recipient instead of retrying blindly, and if it hits
 * every recipient the campaign pauses.
 */
export function classifyError(code: number | undefined, httpStatus?: number): ErrorClass {
  if (code !== undefined) {
    const known = BY_CODE.get(code);
    if (known) return known;
  }
  if (httpStatus !== undefined && (httpStatus >= 500 || httpStatus === 429) && (code === undefined || !REQUEST_BUG_CODES.includes(code))) {
    return 'transient';
  }
  return 'request_bug';
}
