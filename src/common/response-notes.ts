import type { Response } from 'express';

/**
 * What an answer says about itself, noted on the response (`res.locals`) for the audit log
 * (src/audit/audit-writes.ts), which reads it once the answer is sent: the error body's code
 * (noted by the error filter and by early refusals), and the id a create answered with (noted by
 * CreatedIdInterceptor). Never the body itself.
 */
interface Notes {
  errorCode?: string;
  createdId?: string;
}

function notes(res: Response): Notes {
  return res.locals as Notes;
}

export function noteErrorCode(res: Response, code: string): void {
  notes(res).errorCode = code;
}

export function noteCreatedId(res: Response, id: string): void {
  notes(res).createdId = id;
}

export function notedErrorCode(res: Response): string | undefined {
  return notes(res).errorCode;
}

export function notedCreatedId(res: Response): string | undefined {
  return notes(res).createdId;
}
