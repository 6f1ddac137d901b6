import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { configOrExit } from './app.setup';
import { BootCheckError } from './common/boot-check-error';
import { announceReady, stopWithParent } from './common/lifecycle';
import { queuesReady, stopOnSignals } from './common/shutdown';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  const config = configOrExit();
  const app = await NestFactory.createApplicationContext(WorkerModule.register(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // SIGTERM: no new job, the import in hand rolled back and queued again, pools closed, exit 0 (shutdown.ts).
  stopOnSignals(app);
  stopWithParent();
  await queuesReady(app);
  app.get(Logger).log('Worker started');
  announceReady();
}

main().catch((error: unknown) => {
  // A wiring mistake found at start-up (a webhook field or a job without a handler): one clear line, exit 1.
  if (!(error instanceof BootCheckError)) throw error;
  process.stderr.write(`The worker cannot start. ${error.message}\n`);
  process.exit(1);
});
