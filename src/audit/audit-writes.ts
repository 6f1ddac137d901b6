import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { safeError } from '../common/log-redaction';
import { CLIENT_REQUEST_ID } from '../common/logging.module';
import { notedCreatedId, notedErrorCode } from '../common/response-notes';
import type { AuditEntry } from './audit-log.repository';

const logger = new Logger('AuditLog');

/** The methods that write. */
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether a request is an API write the audit log keeps: a write method on a path under /v1/.
 * WhatsApp's webhook (signed by Meta, not sent with an API key), /health, /docs and /console are
 * not under /v1, so they are never kept.
 */
export function isAuditedWrite(method: string, path: string): boolean {
  return WRITE_METHODS.has(method) && path.startsWith('/v1/');
}

/** A route as express matched it: its pattern (`/v1/campaigns/:id/launch`) and its parameters. */
export interface MatchedRoute {
  pattern: string;
  params: Record<string, string>;
}

/**
 * What a write targets, from its route: the first route parameter (`/v1/campaigns/:id/launch` →
 * campaigns, the id), typed by the path segment before it; a route without parameters (a create)
 * targets the id its answer gave, typed by its last segment (`/v1/contacts/imports` → imports).
 */
export function targetOf(route: MatchedRoute, createdId: string | undefined): { targetType: string | null; targetId: string | null } {
  const segments = route.pattern.split('/').filter((s) => s.length > 0);
  const first = segments.findIndex((s) => s.startsWith(':'));
  if (first < 0) return { targetType: segments[segments.length - 1] ?? null, targetId: createdId ?? null };
  const name = segments[first].slice(1).replace(/[?*].*$/, '');
  return { targetType: first > 0 ? segments[first - 1] : null, targetId: route.params[name] ?? null };
}

/** The audit entry of an answered write: who, what, on which target, with which outcome. Never a body or a header's value but the request id. */
export function auditEntryOf(req: Request, res: Response, route: MatchedRoute, at: Date, durationMs: number): AuditEntry {
  const key = (req as Partial<AuthenticatedRequest>).apiKey;
  // pino-http's id (also the answer's X-Request-Id); for a request refused before pino-http ran,
  // the one the client sent, when it is one pino-http would have kept.
  const given = req.headers['x-request-id'];
  const requestId = res.getHeader('X-Request-Id') ?? (req as { id?: unknown }).id ?? (typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : null);
  return {
    at,
    apiKeyId: key?.id ?? null,
    apiKeyName: key?.name ?? null,
    action: `${req.method} ${route.pattern}`,
    ...targetOf(route, res.statusCode < 300 ? notedCreatedId(res) : undefined),
    requestId: typeof requestId === 'string' && requestId.length <= 128 ? requestId : null,
    statusCode: res.statusCode,
    outcome: res.statusCode < 400 ? 'ok' : (notedErrorCode(res) ?? `HTTP_${res.statusCode}`),
    durationMs: Math.max(0, Math.round(durationMs)),
  };
}

/** A layer of express's router, as much of it as this reads (express 5's `router` package). */
interface RouteLayer {
  route?: { path: unknown; methods: Record<string, boolean> };
  match(path: string): false | true | { params?: Record<string, string> };
  params?: Record<string, string>;
}

/**
 * The routes of an express app, to name the route of a request that was answered before express
 * routed it (a body that is not JSON, or too large, refused by middleware): such a request has no
 * `req.route`. Read at first use, after the app registered its routes.
 */
export class RouteTable {
  private layers?: RouteLayer[];

  /** `app`: the express application (`app.getHttpAdapter().getInstance()`). */
  constructor(private readonly app: unknown) {}

  /** The route express matched, or else the first route of the app that matches; undefined for none (a 404). */
  of(req: Request): MatchedRoute | undefined {
    const route = (req as { route?: { path?: unknown } }).route;
    if (isHandlerRoute(route?.path)) return { pattern: route.path, params: { ...(req.params as Record<string, string>) } };
    const method = req.method.toLowerCase();
    for (const layer of this.routeLayers()) {
      if (!layer.route?.methods[method] || !isHandlerRoute(layer.route.path)) continue;
      let match: ReturnType<RouteLayer['match']>;
      try {
        match = layer.match(req.path);
      } catch {
        continue; // a parameter that is not valid percent-encoding (`%FF`): express refused it too
      }
      if (match === false) continue;
      const params = match === true ? layer.params : match.params;
      return { pattern: layer.route.path, params: { ...(params ?? {}) } };
    }
    return undefined;
  }

  private routeLayers(): RouteLayer[] {
    const app = this.app as { router?: { stack: RouteLayer[] }; _router?: { stack: RouteLayer[] } };
    this.layers ??= (app.router ?? app._router)?.stack.filter((l) => l.route !== undefined) ?? [];
    return this.layers;
  }
}

/**
 * Whether an express route is a handler's, not the catch-all (`/{*path}`) that Nest registers for
 * module middleware such as pino-http: a request no handler took has only that one.
 */
function isHandlerRoute(path: unknown): path is string {
  return typeof path === 'string' && !path.includes('*');
}

/**
 * Express middleware: every API write (isAuditedWrite) is recorded once its answer has been sent
 * (`finish`), whatever answered it: the handler, the error filter, the key guard (401), the
 * validation pipe (400) or a middleware that refused the body (415, 413). Registered before every
 * other middleware, so that none of them answers unseen. A write to no route (404) changes
 * nothing and is not kept; neither is a request whose client went away before the answer.
 */
export function auditWrites(routes: RouteTable, record: (entry: AuditEntry) => Promise<void>) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!isAuditedWrite(req.method, req.path)) return next();
    const at = new Date();
    const started = performance.now();
    res.once('finish', () => {
      // Nothing here may throw: an error in a 'finish' listener would be uncaught.
      try {
        const route = routes.of(req);
        if (route) void record(auditEntryOf(req, res, route, at, performance.now() - started));
      } catch (error) {
        logger.warn({ err: safeError(error) }, 'Could not name the audit log entry of a write');
      }
    });
    next();
  };
}
