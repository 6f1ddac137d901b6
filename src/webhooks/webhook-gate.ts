import type { NextFunction, Request, Response } from 'express';
import type { ErrorCode } from '../common/domain-error';
import { refuseEarly } from '../common/early-refusal';
import { SIGNATURE_FORMAT } from '../whatsapp/webhook-signature';

/** Meta's webhook deliveries are at most 3 MB (its batches are far smaller); the raw parser keeps the same cap. */
export const WEBHOOK_MAX_BYTES = 3 * 1024 * 1024;

/**
 * Refuses a webhook POST before reading its body when the answer is already known: no app secret
 * configured (503), no `X-Hub-Signature-256` or one that is not `sha256=<64 hex>` (401), or a
 * declared length over the cap (413). Only a delivery that could be genuine is read and hashed;
 * the signature itself is checked over the raw bytes afterwards (WebhookIntakeService). The
 * connection is closed after such an answer, so an unread body is not drained.
 */
export function webhookGate(appSecret: string | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.method !== 'POST') return next();
    const signature = req.headers['x-hub-signature-256'];
    const refuse = (code: ErrorCode, message: string) => refuseEarly(req, res, code, message);
    if (!appSecret) return refuse('WEBHOOK_NOT_CONFIGURED', 'WHATSAPP_APP_SECRET is not set');
    if (typeof signature !== 'string' || signature === '') return refuse('WEBHOOK_SIGNATURE_MISSING', 'X-Hub-Signature-256 is missing');
    if (!SIGNATURE_FORMAT.test(signature.trim())) return refuse('WEBHOOK_SIGNATURE_INVALID', 'X-Hub-Signature-256 is not sha256=<64 hex digits>');
    if (Number(req.headers['content-length']) > WEBHOOK_MAX_BYTES) {
      return refuse('PAYLOAD_TOO_LARGE', `A webhook delivery is at most ${WEBHOOK_MAX_BYTES} bytes`);
    }
    next();
  };
}
