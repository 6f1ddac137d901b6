import type { Response } from 'express';

/**
 * A 200 response about to stream a CSV download named `fileName` (letters, digits, `.`, `-` and
 * `_` only: it goes into a header as is).
 */
export function csvDownload(res: Response, fileName: string): Response {
  if (!/^[A-Za-z0-9._-]+$/.test(fileName)) throw new Error(`unsafe download name ${JSON.stringify(fileName)}`);
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
  return res;
}
