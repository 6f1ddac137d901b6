import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, ErrorBody, ErrorCode } from './domain-error';
import { safeError } from './log-redaction';
import { noteErrorCode } from './response-notes';

const HTTP_CODES: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: 'BAD_REQUEST',
  [HttpStatus.NOT_FOUND]: 'ROUTE_NOT_FOUND',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'PAYLOAD_TOO_LARGE',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'UNSUPPORTED_MEDIA_TYPE',
};

/**
 * Maps every error to the one error body. Unknown errors become a 500 that reveals nothing and are
 * logged at error level with their stack; a DomainError answering 5xx is logged as a warning.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(error);
    if (error instanceof DomainError) {
      // An expected condition with a stable code (WhatsApp not configured or unreachable): a
      // warning that names it, without a stack; the stack is for what nobody expected.
      if (body.statusCode >= 500) this.logger.warn({ code: body.code, message: body.message }, 'Request failed');
    } else if (body.statusCode >= 500) {
      this.logger.error({ err: safeError(error) }, 'Request failed');
    }
    noteErrorCode(res, body.code);
    if (res.headersSent) {
      res.end();
      return;
    }
    // Always JSON, whatever a route's @Header said its success would be (the webhook handshake is text/plain).
    res.status(body.statusCode).type('application/json').json(body);
  }

  private toBody(error: unknown): ErrorBody {
    if (error instanceof DomainError) {
      return { statusCode: error.status, code: error.code, message: error.message, details: error.details };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      // body-parser reports malformed JSON as a 400 with type 'entity.parse.failed'.
      const cause = (error as { cause?: { type?: string } }).cause;
      const code: ErrorCode =
        status === 400 && (cause?.type === 'entity.parse.failed' || /JSON/i.test(error.message))
          ? 'MALFORMED_JSON'
          : (HTTP_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST'));
      return { statusCode: status, code, message: status >= 500 ? 'Internal error' : error.message };
    }
    const status = (error as { status?: number; type?: string })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Errors raised by express middleware (body-parser) before Nest's pipeline.
      const type = (error as { type?: string }).type;
      const code: ErrorCode =
        type === 'entity.parse.failed' ? 'MALFORMED_JSON' : type === 'entity.too.large' ? 'PAYLOAD_TOO_LARGE' : (HTTP_CODES[status] ?? 'BAD_REQUEST');
      return { statusCode: status, code, message: (error as Error).message };
    }
    return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal error' };
  }
}
