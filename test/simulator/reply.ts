import { GraphError } from './graph-errors';

/** What a handler answers; the server writes it (after the configured latency, for Graph calls). */
export type Reply =
  | { kind: 'json'; status: number; body: unknown }
  | { kind: 'text'; status: number; body: string }
  /** Never answered: the injected timeout. */
  | { kind: 'hang' };

export const json = (status: number, body: unknown): Reply => ({ kind: 'json', status, body });

export function graphErrorReply(error: GraphError): Reply {
  return json(error.httpStatus, error.body());
}
