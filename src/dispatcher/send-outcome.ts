import { CloudApiError } from '../whatsapp/cloud-api.error';
import type { ErrorClass } from '../whatsapp/error-policy';
import { WhatsappNotConfiguredError } from '../whatsapp/whatsapp-settings';

/**
 * What becomes of one recipient after a send attempt: the error policy (src/whatsapp/error-policy.ts
 * classifies a code) turned into the one action the dispatcher takes. Pure; the numbers are ours
 * and say where they come from.
 *
 * | class (codes)                                   | recipient                         | and also                         |
 * | ----------------------------------------------- | --------------------------------- | -------------------------------- |
 * | accepted                                        | accepted, wamid and wa_id kept     |                                  |
 * | no answer after the request was written         | unknown (never re-sent by itself)  | resolved by a status webhook     |
 * | transient (1, 2, 4, 80007, 130429, 131000, 5xx) | pending again after a backoff      | 130429: the number slows down    |
 * | pair_rate (131056)                              | pending again after a longer delay | that recipient only              |
 * | per_user_cap (131049)                           | failed; a retry waits 24 h         |                                  |
 * | permanent_recipient (131026, 131050, …)         | failed                             | 131050: a marketing opt-out      |
 * | request_bug (132000, unknown codes, …)          | failed                             | a spike pauses the campaign      |
 * | stop (131048, 368, 131031, 131042, 190, 132015…)| pending again (held, not failed)   | the campaign or number pauses    |
 * | WhatsApp not configured (no token)              | pending again (held)               | the number's campaigns pause     |
 */

/** Send attempts before a transient failure fails the recipient for good (its code kept). */
export const MAX_TRANSIENT_ATTEMPTS = 5;
/** Pair-rate answers (131056) before the recipient fails: WhatsApp lets about 1 message per 6 s to a user. */
export const MAX_PAIR_RATE_ATTEMPTS = 10;
/** Backoff of transient failures: 1 s, 2 s, 4 s … at most 5 min, full jitter (AWS's "exponential backoff and jitter"). */
const TRANSIENT_BASE_MS = 1000;
const TRANSIENT_CAP_MS = 5 * 60_000;
/** 131056: "about 1 message per 6 s to the same user" (shared/WHATSAPP.md, Limits), doubled per repeat, at most 10 min. */
const PAIR_RATE_BASE_MS = 6000;
const PAIR_RATE_CAP_MS = 10 * 60_000;

/** 131050: the user stopped marketing messages from this business (a marketing opt-out). */
export const USER_STOPPED_MARKETING = 131050;
/** 130429: the number's throughput was exceeded. */
export const THROUGHPUT_EXCEEDED = 130429;

/**
 * Stop-class codes that concern the number or the whole account (every campaign on the number
 * pauses); the others (132015/132016: this template paused or disabled) pause only the campaign.
 */
const NUMBER_STOPS = new Set([0, 190, 368, 131031, 131042, 131048, 131063, 131064, 133010]);

export type RecipientOutcome =
  | { state: 'accepted'; wamid: string; waId: string }
  | { state: 'unknown'; code: number | null; title: string }
  | { state: 'failed'; code: number | null; title: string }
  /** Back to pending: not before `delayMs` from now; `counted` false for a hold (the attempt does not count). */
  | { state: 'pending'; code: number | null; title: string; delayMs: number; counted: boolean };

export interface Verdict {
  outcome: RecipientOutcome;
  /** Pause the campaign, or every running campaign on the number, with this reason. */
  stop?: { scope: 'campaign' | 'number'; reason: string };
  /** 130429: slow the number down. */
  slowDown?: true;
  /** 131050: record a marketing opt-out for the recipient. */
  optOut?: true;
}

/**
 * The verdict on a failed send. `attempts` counts this one. `random` (0..1) draws the jitter.
 * An error that is not the client's CloudApiError (a bug of ours after the request may have gone)
 * is `unknown`: the message may have been sent, so it is never sent again by itself.
 */
export function judgeFailure(error: unknown, attempts: number, random: () => number = Math.random): Verdict {
  if (error instanceof WhatsappNotConfiguredError) {
    // Refused before any request: nothing was sent. Every campaign on the number waits for a person.
    return { outcome: { state: 'pending', code: null, title: error.message.slice(0, 300), delayMs: 0, counted: false }, stop: { scope: 'number', reason: 'WHATSAPP_NOT_CONFIGURED' } };
  }
  if (!(error instanceof CloudApiError)) {
    return { outcome: { state: 'unknown', code: null, title: `not a WhatsApp answer: ${error instanceof Error ? error.name : 'error'}` } };
  }
  const code = error.code ?? null;
  const title = titleOf(error);
  if (error.delivery === 'unknown') return { outcome: { state: 'unknown', code, title } };
  const cls: ErrorClass = error.errorClass;
  switch (cls) {
    case 'transient': {
      const slowDown = code === THROUGHPUT_EXCEEDED ? ({ slowDown: true } as const) : {};
      if (attempts >= MAX_TRANSIENT_ATTEMPTS) return { outcome: { state: 'failed', code, title }, ...slowDown };
      return { outcome: { state: 'pending', code, title, delayMs: backoff(TRANSIENT_BASE_MS, TRANSIENT_CAP_MS, attempts, random), counted: true }, ...slowDown };
    }
    case 'pair_rate':
      if (attempts >= MAX_PAIR_RATE_ATTEMPTS) return { outcome: { state: 'failed', code, title } };
      return { outcome: { state: 'pending', code, title, delayMs: backoff(PAIR_RATE_BASE_MS, PAIR_RATE_CAP_MS, attempts, random), counted: true } };
    case 'stop':
      return {
        outcome: { state: 'pending', code, title, delayMs: 0, counted: false },
        stop: { scope: code !== null && NUMBER_STOPS.has(code) ? 'number' : 'campaign', reason: `whatsapp_${code ?? 'stop'}` },
      };
    case 'per_user_cap':
    case 'request_bug':
      return { outcome: { state: 'failed', code, title } };
    case 'permanent_recipient':
      return code === USER_STOPPED_MARKETING ? { outcome: { state: 'failed', code, title }, optOut: true } : { outcome: { state: 'failed', code, title } };
  }
}

/** Full jitter: uniform in [0, min(cap, base · 2^(attempt−1))], at least 100 ms. */
export function backoff(baseMs: number, capMs: number, attempt: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(100, Math.round(random() * ceiling));
}

/** What an operator reads of an error: Meta's details, else the message without the operation prefix. At most 300 characters. */
function titleOf(error: CloudApiError): string {
  return (error.details ?? error.message).slice(0, 300);
}

/**
 * biz_opaque_callback_data of a campaign message: our ids, echoed in every status webhook, so a
 * status finds its recipient even when the send's answer was lost. "siaran:1:<campaign>:<contact>".
 */
export function recipientCallbackData(campaignId: string, contactId: string): string {
  return `siaran:1:${campaignId}:${contactId}`;
}

const CALLBACK = /^siaran:1:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):([1-9][0-9]{0,18})$/;

/** The recipient a callback data names, or undefined for anything else (messages not sent by a campaign). */
export function parseRecipientCallbackData(data: string | null | undefined): { campaignId: string; contactId: string } | undefined {
  const match = data ? CALLBACK.exec(data) : null;
  return match ? { campaignId: match[1], contactId: match[2] } : undefined;
}
