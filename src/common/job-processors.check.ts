import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
// @nestjs/bull keeps its metadata keys out of its index; these are the ones @Processor and @Process set.
import { BULL_MODULE_QUEUE, BULL_MODULE_QUEUE_PROCESS } from '@nestjs/bull/dist/bull.constants';
import { BootCheckError } from './boot-check-error';
import { JOB_QUEUES, QUEUES } from './queues';

/**
 * Checks at the worker's start-up that queue and job names agree with src/common/queues.ts, as
 * Immich refuses to boot with a job that has no handler: every job of JOB_QUEUES has a processor
 * (@Processor(queue) with @Process(job)) in the worker, and every processor names a queue of QUEUES
 * and a job of that queue. Otherwise start-up fails with every mismatch named: a job without a
 * processor would wait in Redis for ever, and a processor under a misspelt name would never run.
 */
@Injectable()
export class JobProcessorsCheck implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const problems: string[] = [];
    const processed = new Set<string>();
    const queues = new Set<string>(Object.values(QUEUES));
    for (const wrapper of this.discovery.getProviders()) {
      const type = (wrapper.metatype && !wrapper.inject ? wrapper.metatype : (wrapper.instance as object | undefined)?.constructor) as (new () => unknown) | undefined;
      const queue = type ? this.reflector.get<{ name?: string } | undefined>(BULL_MODULE_QUEUE, type)?.name : undefined;
      if (!type || queue === undefined || !wrapper.instance) continue;
      if (!queues.has(queue)) problems.push(`${type.name} processes the queue "${queue}", which is not in QUEUES`);
      const instance = wrapper.instance as Record<string, unknown>;
      for (const method of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
        const process = this.reflector.get<{ name?: string } | undefined>(BULL_MODULE_QUEUE_PROCESS, instance[method] as () => unknown);
        if (!process) continue;
        const job = process.name;
        if (job === undefined) problems.push(`${type.name}.${method} has no job name: every @Process names one of JOBS`);
        else if (JOB_QUEUES[job as keyof typeof JOB_QUEUES] !== queue) problems.push(`${type.name}.${method} processes the job "${job}" on "${queue}", which is not a job of that queue in JOB_QUEUES`);
        else processed.add(job);
      }
    }
    for (const [job, queue] of Object.entries(JOB_QUEUES)) {
      if (!processed.has(job)) problems.push(`the job "${job}" (queue "${queue}") has no processor in the worker: add @Process('${job}') to a @Processor('${queue}') provider of a worker module`);
    }
    if (problems.length > 0) throw new BootCheckError(`Queue jobs: ${problems.join('; ')}`);
  }
}
