import type { Request, Response } from 'express';
import { ERROR_STATUS, ErrorBody, ErrorCode } from './domain-error';
import { noteErrorCode } from './response-notes';

/**
 * Answers from express middleware, before Nest's pipeline, with the one error body, and stops
 * reading the request: the connection is closed after the answer, so a body never read is not
 * drained either (a refused upload or webhook costs no more than its headers).
 */
export function refuseEarly(req: Request, res: Response, code: ErrorCode, message: string): void {
  const body: ErrorBody = { statusCode: ERROR_STATUS[code], code, message };
  noteErrorCode(res, code);
  res.setHeader('Connection', 'close');
  res.status(body.statusCode).json(body);
  req.unpipe();
  req.pause();
}
