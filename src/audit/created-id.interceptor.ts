import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable, tap } from 'rxjs';
import { noteCreatedId } from '../common/response-notes';

/**
 * Global: notes the id a POST answered with (`id`, or a phone number's `phoneNumberId`), so the
 * audit log can name what a create made (audit-writes.ts targetOf). Reads the answer, never
 * changes it.
 */
@Injectable()
export class CreatedIdInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || context.switchToHttp().getRequest<Request>().method !== 'POST') return next.handle();
    const res = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      tap((body: unknown) => {
        const answer = body as { id?: unknown; phoneNumberId?: unknown } | null | undefined;
        const id = answer?.id ?? answer?.phoneNumberId;
        if ((typeof id === 'string' && id.length <= 128) || typeof id === 'number') noteCreatedId(res, String(id));
      }),
    );
  }
}
