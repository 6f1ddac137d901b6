import 'reflect-metadata';
import { Process, Processor } from '@nestjs/bull';
import { Injectable, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { JobProcessorsCheck } from './job-processors.check';
import { JOBS, QUEUES } from './queues';

@Processor(QUEUES.imports)
@Injectable()
class Imports {
  @Process({ name: JOBS.importContacts, concurrency: 1 })
  async handle(): Promise<void> {}
}

@Processor(QUEUES.webhooks)
@Injectable()
class Webhooks {
  @Process({ name: JOBS.processWebhooks, concurrency: 1 })
  async handle(): Promise<void> {}
}

@Processor(QUEUES.webhooks)
@Injectable()
class Misspelt {
  @Process('process-webhook')
  async handle(): Promise<void> {}
}

@Processor(QUEUES.imports)
@Injectable()
class WrongQueue {
  @Process(JOBS.processWebhooks)
  async handle(): Promise<void> {}
}

@Processor('contact-import')
@Injectable()
class UnknownQueue {
  @Process(JOBS.importContacts)
  async handle(): Promise<void> {}
}

/** Runs the check over `providers`, as the worker's start-up does (onModuleInit; no Redis needed). */
async function boot(...providers: Provider[]): Promise<void> {
  const module = await Test.createTestingModule({ imports: [DiscoveryModule], providers: [JobProcessorsCheck, ...providers] }).compile();
  await module.init();
  await module.close();
}

describe('JobProcessorsCheck', () => {
  it('starts when every job has its processor on its queue', async () => {
    await expect(boot(Imports, Webhooks)).resolves.toBeUndefined();
  });

  it('refuses to start when a job has no processor, naming the job and its queue', async () => {
    await expect(boot(Imports)).rejects.toThrow(
      `Queue jobs: the job "process-webhooks" (queue "whatsapp-webhooks") has no processor in the worker: add @Process('process-webhooks') to a @Processor('whatsapp-webhooks') provider of a worker module`,
    );
  });

  it('refuses a processor under a job name that is not in JOBS, and one on the wrong queue', async () => {
    await expect(boot(Imports, Webhooks, Misspelt)).rejects.toThrow(
      'Misspelt.handle processes the job "process-webhook" on "whatsapp-webhooks", which is not a job of that queue in JOB_QUEUES',
    );
    await expect(boot(Imports, Webhooks, WrongQueue)).rejects.toThrow(
      'WrongQueue.handle processes the job "process-webhooks" on "contact-imports", which is not a job of that queue in JOB_QUEUES',
    );
  });

  it('refuses a processor of a queue that is not in QUEUES', async () => {
    await expect(boot(Imports, Webhooks, UnknownQueue)).rejects.toThrow('UnknownQueue.handle processes the queue "contact-import", which is not in QUEUES');
  });
});
