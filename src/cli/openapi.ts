import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../app.module';
import { apiDocument } from '../app.setup';
import { AppConfig } from '../config/app-config';

/**
 * Writes the API's OpenAPI document (the one /docs-json serves) to the path given, or prints it:
 * `node dist/src/cli/openapi.js console/src/api/openapi.json`. The app is created in preview mode
 * (no provider runs: no database, no Redis), from a configuration that only has to be valid.
 */
async function main(): Promise<void> {
  const config = AppConfig.fromEnvironment({ DATABASE_URL: 'postgres://openapi@127.0.0.1:1/openapi', LOG_LEVEL: 'silent' });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), { preview: true, logger: false, abortOnError: false });
  const json = `${JSON.stringify(apiDocument(app), null, 2)}\n`;
  await app.close();
  const target = process.argv[2];
  if (target) writeFileSync(target, json);
  else process.stdout.write(json);
}

main().catch((error) => {
  process.stderr.write(`openapi: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
