import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest } from './api-key.guard';
import type { ApiPrincipal } from './api-keys.service';

/** The API key the request was authenticated with. */
export const CurrentApiKey = createParamDecorator(
  (_: unknown, context: ExecutionContext): ApiPrincipal => context.switchToHttp().getRequest<AuthenticatedRequest>().apiKey,
);
