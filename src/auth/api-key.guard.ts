import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ApiKeysService, ApiPrincipal, parseBearer } from './api-keys.service';
import { IS_PUBLIC } from './public.decorator';

export type AuthenticatedRequest = Request & { apiKey: ApiPrincipal };

/** Every route needs an API key, except those marked @Public(). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<AuthenticatedRequest>();
    try {
      req.apiKey = await this.apiKeys.authenticate(parseBearer(req.headers.authorization));
    } catch (error) {
      http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
      throw error;
    }
    return true;
  }
}
