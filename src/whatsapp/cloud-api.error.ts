import { GraphErrorBody } from './cloud-api.types';
import { classifyError, ErrorClass } from './error-policy';

/**
 * Whether WhatsApp may have acted on a failed request. The dispatcher may send a message again only
 * after 'not_sent'; after 'unknown' the message may be on its way, so it waits for a status webhook
 * (matched by biz_opaque_callback_data) instead of risking a duplicate.
 */
export type Delivery = 'not_sent' | 'unknown';

export interface CloudApiErrorFields {
  /** The Graph error code (`error.code`), absent when no Graph error body came back. */
  code?: number;
  subcode?: number;
  /** `error.error_data.details`: Meta's explanation, the most useful text for an operator. */
  details?: string;
  fbtraceId?: string;
  httpStatus?: number;
  errorClass: ErrorClass;
  delivery: Delivery;
}

/** The one error the Cloud API client throws, whatever failed: Graph, a proxy, the network or our input. */
export class CloudApiError extends Error implements CloudApiErrorFields {
  override readonly name = 'CloudApiError';
  readonly code?: number;
  readonly subcode?: number;
  readonly details?: string;
  readonly fbtraceId?: string;
  readonly httpStatus?: number;
  readonly errorClass: ErrorClass;
  readonly delivery: Delivery;

  constructor(message: string, fields: CloudApiErrorFields, options?: { cause?: unknown }) {
    super(message, options);
    this.code = fields.code;
    this.subcode = fields.subcode;
    this.details = fields.details;
    this.fbtraceId = fields.fbtraceId;
    this.httpStatus = fields.httpStatus;
    this.errorClass = fields.errorClass;
    this.delivery = fields.delivery;
  }

  /**
   * An HTTP answer that is not a success. `redact` scrubs secrets from text that came from the wire
   * (Graph's messages are not ours to trust).
   */
  static fromAnswer(operation: string, httpStatus: number, body: unknown, redact: (text: string) => string = (t) => t): CloudApiError {
    const graph = graphError(body);
    if (!graph) {
      return new CloudApiError(`${operation}: HTTP ${httpStatus} without a Graph error body`, {
        httpStatus,
        errorClass: classifyError(undefined, httpStatus),
        delivery: answerDelivery(httpStatus, false),
      });
    }
    const codes = graph.error_subcode === undefined ? `${graph.code}` : `${graph.code}/${graph.error_subcode}`;
    return new CloudApiError(`${operation}: ${redact(graph.message)} (code ${codes}, HTTP ${httpStatus})`, {
      code: graph.code,
      subcode: graph.error_subcode,
      details: graph.error_data?.details === undefined ? undefined : redact(graph.error_data.details),
      fbtraceId: graph.fbtrace_id,
      httpStatus,
      errorClass: classifyError(graph.code, httpStatus),
      delivery: answerDelivery(httpStatus, true),
    });
  }

  /**
   * The request failed below HTTP (connect, TLS, socket, timeout). `requestStarted` says whether the
   * request had begun to be written to a connected socket: before that no byte of it can have
   * reached WhatsApp; after it, it may have been received and acted on even if no answer came back.
   */
  static fromTransport(operation: string, cause: unknown, requestStarted: boolean): CloudApiError {
    const what = cause instanceof Error ? `${errorCode(cause) ?? cause.name}: ${cause.message}` : String(cause);
    const when = requestStarted ? 'after the request was written, it may have reached WhatsApp' : 'before the request was written';
    return new CloudApiError(`${operation}: ${what} (${when})`, { errorClass: 'transient', delivery: requestStarted ? 'unknown' : 'not_sent' }, { cause });
  }

  /**
   * A success status whose body we cannot read: WhatsApp accepted something, but we do not know
   * what (no message id), so the outcome is unknown; retrying blindly could duplicate.
   */
  static unreadableSuccess(operation: string, httpStatus: number): CloudApiError {
    return new CloudApiError(`${operation}: HTTP ${httpStatus} with an unexpected body`, { httpStatus, errorClass: 'transient', delivery: 'unknown' });
  }

  /** Refused before anything was sent: our input or configuration is wrong. */
  static notSent(operation: string, message: string, errorClass: ErrorClass): CloudApiError {
    return new CloudApiError(`${operation}: ${message}`, { errorClass, delivery: 'not_sent' });
  }
}

/**
 * Who answered decides whether the request may have been acted on. Graph's own error body means
 * Graph processed the request and refused it. Without one, the answer came from something in
 * between (Meta's edge, a proxy): a 4xx is a refusal at the door, but a 5xx (typically 502 or 504)
 * may mean the request was forwarded and Graph's answer lost.
 */
export function answerDelivery(httpStatus: number, fromGraph: boolean): Delivery {
  if (fromGraph) return 'not_sent';
  return httpStatus >= 500 ? 'unknown' : 'not_sent';
}

/** Narrows a parsed body to Graph's error object, if that is what it is. */
export function graphError(body: unknown): GraphErrorBody['error'] | undefined {
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  const error = body.error;
  if (typeof error.code !== 'number') return undefined;
  const data = isRecord(error.error_data) ? error.error_data : undefined;
  return {
    message: typeof error.message === 'string' ? error.message : '',
    code: error.code,
    error_subcode: typeof error.error_subcode === 'number' ? error.error_subcode : undefined,
    error_data: data && typeof data.details === 'string' ? { details: data.details } : undefined,
    fbtrace_id: typeof error.fbtrace_id === 'string' ? error.fbtrace_id : undefined,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorCode(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
