import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { parseEnv } from 'node:util';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { raw } from 'express';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AuditLogService } from './audit/audit-log.service';
import { auditWrites, RouteTable } from './audit/audit-writes';
import { ErrorView, FieldProblemView } from './common/api-errors.decorator';
import { ErrorFilter } from './common/error.filter';
import { requireJsonBodies } from './common/json-body';
import { validationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { ConfigError } from './config/environment';
import { WEBHOOK_MAX_BYTES, webhookGate } from './webhooks/webhook-gate';

/** Everything the API needs besides its modules; shared by main.ts and the tests. */
export function configureApi(app: NestExpressApplication): void {
  app.useLogger(app.get(Logger));
  // attributes[city]=Jakarta
  app.set('query parser', 'extended');
  // First: every API write is audited, however early it is answered (src/audit/audit-writes.ts).
  const audit = app.get(AuditLogService);
  app.use(auditWrites(new RouteTable(app.getHttpAdapter().getInstance()), (entry) => audit.record(entry)));
  // Webhook signatures are checked over the exact bytes received, before anything parses them.
  // Deliveries that cannot be genuine are refused before their body is read (webhook-gate.ts).
  // No answer is ever sniffed into something else (the handshake echoes Meta's challenge as text).
  app.use((_req: unknown, res: { setHeader(name: string, value: string): void }, next: () => void) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  serveConsole(app);
  app.use(requireJsonBodies);
  app.use('/webhooks/whatsapp', webhookGate(app.get(AppConfig).whatsapp.appSecret), raw({ type: () => true, limit: WEBHOOK_MAX_BYTES }));
  app.useBodyParser('json', { limit: '1mb' });
  app.useGlobalFilters(new ErrorFilter());
  app.useGlobalPipes(validationPipe);
  app.enableShutdownHooks();

  const document = apiDocument(app);
  // The UI at /docs; the document at the conventional /docs-json (and /docs-yaml), and at /docs/openapi.json as before.
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  SwaggerModule.setup('docs', app, document, { ui: false, raw: ['json'], jsonDocumentUrl: 'docs/openapi.json' });
}

/**
 * Where the web console's build is (`npm run build` writes it to dist/console), from this file in
 * dist/src (the built API) or in src (the tests, which build first).
 */
export const CONSOLE_DIR = join(__dirname.split(sep).includes('dist') ? join(__dirname, '..', '..') : join(__dirname, '..'), 'dist', 'console');

/**
 * The web console (issue 14) under /console: static files, without an API key (like /docs: the
 * page asks for a key and sends it with every API call it makes, so it can do nothing the key
 * cannot). Everything it loads comes from this origin: a Content-Security-Policy refuses any other
 * script, style, font or connection, and the page may not be framed.
 */
function serveConsole(app: NestExpressApplication): void {
  app.use('/console', (_req: unknown, res: { setHeader(name: string, value: string): void }, next: () => void) => {
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    );
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  app.useStaticAssets(CONSOLE_DIR, { prefix: '/console', index: 'index.html', fallthrough: true, maxAge: 0 });
}

/**
 * The OpenAPI document of the API's routes (served at /docs-json; `npm run openapi` writes it for
 * the console's typed client). Needs no database: an app created with `preview: true` will do.
 */
export function apiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Siaran')
      .setDescription(
        'Campaign and broadcast manager for the WhatsApp Business Platform. Every route except /health, /docs (and ' +
          '/docs-json, /docs-yaml) and /webhooks/whatsapp needs "Authorization: Bearer <API key>". ' +
          'Every error has the body { statusCode, code, message, details }.',
      )
      .setVersion('1')
      // API keys are opaque random strings (sk_…), stored hashed: not JWTs. addBearerAuth() would
      // say bearerFormat JWT, so the scheme is declared as it is (@ApiBearerAuth() refers to it).
      .addSecurity('bearer', {
        type: 'http',
        scheme: 'bearer',
        description: 'An opaque API key, "sk_" and 43 characters (npm run apikey -- create <name>); revocable, stored hashed',
      })
      .build(),
    { extraModels: [ErrorView, FieldProblemView] },
  );
}

/**
 * Reads `.env` in the working directory when there is one (the format of `.env.example`): each of
 * its variables that the environment does not already set is added to it. The environment wins, so
 * a deployment's settings are never overridden by a file left in the image.
 */
export function loadDotEnv(path = '.env', env: NodeJS.ProcessEnv = process.env): string[] {
  if (!existsSync(path)) return [];
  const added: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(readFileSync(path, 'utf8')))) {
    if (env[name] !== undefined) continue;
    env[name] = value;
    added.push(name);
  }
  return added;
}

/** Reads the configuration (the environment, then `.env`) or exits with one message that lists every bad variable. */
export function configOrExit(): AppConfig {
  try {
    loadDotEnv();
    return AppConfig.fromEnvironment();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
