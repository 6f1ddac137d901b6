import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configOrExit, configureApi } from './app.setup';
import { announceReady, stopWithParent } from './common/lifecycle';
import { queuesReady, stopOnSignals } from './common/shutdown';

async function main(): Promise<void> {
  const config = configOrExit();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), { bufferLogs: true, bodyParser: false });
  configureApi(app);
  try {
    await app.listen(config.port);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    process.stderr.write(`Port ${config.port} is already in use: stop what listens there, or set PORT to a free port.\n`);
    process.exit(1);
  }
  // SIGTERM: uploads in progress end (503, rolled back), requests in flight finish, pools close, exit 0.
  stopOnSignals(app, app.getHttpServer());
  stopWithParent();
  await queuesReady(app);
  announceReady();
}

void main();
