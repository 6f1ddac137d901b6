/**
 * Every error a client can see has a stable code. The HTTP status for each code is decided here,
 * once; services throw `DomainError` and never an HTTP exception.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  MALFORMED_JSON: 400,
  CONTACT_PHONE_INVALID: 400,
  CONSENT_EVIDENCE_REQUIRED: 400,
  CONSENT_TIME_IN_FUTURE: 400,
  INVALID_CURSOR: 400,
  IMPORT_FILE_MISSING: 400,
  IMPORT_FILE_EMPTY: 400,
  IMPORT_FILE_NOT_TEXT: 400,
  IMPORT_FILE_NOT_UTF8: 400,
  IMPORT_LINE_TOO_LONG: 400,
  IMPORT_NO_PHONE_COLUMN: 400,
  IMPORT_DUPLICATE_COLUMN: 400,
  IMPORT_NO_ROWS: 400,
  IMPORT_CSV_MALFORMED: 400,
  IMPORT_BAD_FIELD: 400,
  WEBHOOK_MALFORMED: 400,
  TEMPLATE_INVALID: 400,
  TEMPLATE_BINDING_INVALID: 400,
  AUTH_MISSING_API_KEY: 401,
  WEBHOOK_SIGNATURE_MISSING: 401,
  WEBHOOK_SIGNATURE_INVALID: 401,
  WEBHOOK_VERIFY_FAILED: 403,
  AUTH_INVALID_API_KEY: 401,
  CONTACT_NOT_FOUND: 404,
  IMPORT_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  TEMPLATE_NOT_FOUND: 404,
  CONTACT_ALREADY_EXISTS: 409,
  IMPORT_NOT_COMPLETED: 409,
  TEMPLATE_ALREADY_EXISTS: 409,
  TEMPLATE_INVALID_TRANSITION: 409,
  TEMPLATE_SUBMIT_IN_PROGRESS: 409,
  IMPORT_FILE_TOO_LARGE: 413,
  PAYLOAD_TOO_LARGE: 413,
  IMPORT_NOT_MULTIPART: 415,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TEMPLATE_REFUSED_BY_WHATSAPP: 422,
  INTERNAL_ERROR: 500,
  WHATSAPP_UNAVAILABLE: 502,
  WHATSAPP_NOT_CONFIGURED: 503,
  SERVICE_UNAVAILABLE: 503,
  WEBHOOK_NOT_CONFIGURED: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** The one error body: `{ statusCode, code, message, details }`. */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  details?: unknown;
}
