import type { TestEnv } from './app';

/** One operation of the OpenAPI document. */
export interface Operation {
  method: string;
  /** As the document writes it: /v1/contacts/{id} */
  path: string;
  op: Record<string, any>;
}

/** The routes a client may call without an API key (README, Configuration): health, docs and the signed webhook. */
export const PUBLIC_OPERATIONS = ['GET /health', 'GET /webhooks/whatsapp', 'POST /webhooks/whatsapp'];
/** The documentation routes: public, and not operations of the document. */
export const DOCS_ROUTES = ['/docs', '/docs-json', '/docs-yaml', '/docs/openapi.json'];

/** Every operation of the document, in document order. */
export function operations(doc: Record<string, any>): Operation[] {
  return Object.entries<Record<string, any>>(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
}

/** "GET /v1/contacts/{id}" */
export function operationName(o: { method: string; path: string }): string {
  return `${o.method} ${o.path}`;
}

/**
 * The routes the running API serves, read from express's router ("GET /v1/contacts/{id}"),
 * without the documentation's own routes and Nest's catch-all: the document must list them all.
 */
export function servedRoutes(env: TestEnv): string[] {
  const app = (env as unknown as { api: { getHttpAdapter(): { getInstance(): any } } }).api.getHttpAdapter().getInstance();
  const stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> = (app.router ?? app._router).stack;
  return stack
    .filter((layer) => layer.route && !layer.route.path.startsWith('/docs') && !layer.route.path.includes('*'))
    .flatMap((layer) =>
      Object.keys(layer.route!.methods).map((method) => `${method.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`),
    );
}

/** The operation's path with each path parameter given a value. */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? 'x');
}
