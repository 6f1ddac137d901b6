import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
// @nestjs/bull keeps its metadata keys out of its index; these are the ones @Processor and @Process set.
import { BULL_MODULE_QUEUE, BULL_MODULE_QUEUE_PROCESS } from '@nestjs/bull/dist/bull.constants';
import { BootCheckError } from './boot-check-error';
import { markedMethods } from './marked-methods';
import { JOB_QUEUES, QUEUES } from './queues';

/**
 * Checks at the worker's start-up that queue and job names agree with src/common/queues.ts, as
 * Immich refuses to boot with a job that has no handler: every job of JOB_QUEUES has a processor
 * (@Processor(queue) with @Process(job)) in the worker, and every @Process is on a queue of QUEUES
 * and names a job of that queue. Otherwise start-up fails with every mismatch named: a job without a
 * processor would wait in Redis for ever, and a processor under a misspelt name would never run.
 */
@Injectable()
export class JobProcessorsCheck implements OnModuleInit {
  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const problems: string[] = [];
    const processed = new Set<string>();
    const queues = new Set<string>(Object.values(QUEUES));
    for (const { name, type, metadata } of markedMethods<{ name?: string }>(this.discovery, BULL_MODULE_QUEUE_PROCESS)) {
      const queue = (Reflect.getMetadata(BULL_MODULE_QUEUE, type) as { name?: string } | undefined)?.name;
      const job = metadata.name;
      if (queue === undefined || !queues.has(queue)) problems.push(`${name} processes the queue "${queue}", which is not in QUEUES`);
      else if (job === undefined) problems.push(`${name} has no job name: every @Process names one of JOBS`);
      else if (JOB_QUEUES[job as keyof typeof JOB_QUEUES] !== queue) problems.push(`${name} processes the job "${job}" on "${queue}", which is not a job of that queue in JOB_QUEUES`);
      else processed.add(job);
    }
    for (const [job, queue] of Object.entries(JOB_QUEUES)) {
      if (!processed.has(job)) problems.push(`the job "${job}" (queue "${queue}") has no processor in the worker: add @Process('${job}') to a @Processor('${queue}') provider of a worker module`);
    }
    if (problems.length > 0) throw new BootCheckError(`Queue jobs: ${problems.join('; ')}`);
  }
}
