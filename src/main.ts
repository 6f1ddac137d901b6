import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configOrExit, configureApi } from './app.setup';
import { announceReady } from './common/lifecycle';
import { stopOnSignals } from './common/shutdown';

async function main(): Promise<void> {
  const config = configOrExit();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), { bufferLogs: true, bodyParser: false });
  configureApi(app);
  await app.listen(config.port);
  // SIGTERM: uploads in progress end (503, rolled back), requests in flight finish, pools close, exit 0.
  stopOnSignals(app, app.getHttpServer());
  announceReady();
}

void main();
