import { InjectQueue, Process, Processor } from '@nestjs/bull';
import { BeforeApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { ImportContactsJob, JOBS, QUEUES } from '../common/queues';
import { ContactImporter } from './contact-importer';
import { ImportsService } from './imports.service';

/**
 * One import at a time per worker process: parsing already keeps the cores busy.
 *
 * Stopping (SIGTERM): the queue is paused for this process at once (no new job is taken), the
 * import in hand is interrupted, rolled back and released, and queued again under a new job id, so
 * that the next worker takes it at once and runs it from the start; then Bull and the pools close.
 */
@Processor(QUEUES.imports)
export class ImportContactsProcessor implements BeforeApplicationShutdown {
  private stopping = false;
  private inHand: Promise<unknown> | undefined;

  constructor(
    private readonly importer: ContactImporter,
    private readonly imports: ImportsService,
    @InjectQueue(QUEUES.imports) private readonly queue: Queue<ImportContactsJob>,
  ) {}

  @Process({ name: JOBS.importContacts, concurrency: 1 })
  handle(job: Job<ImportContactsJob>): Promise<void> {
    const run = this.run(job);
    this.inHand = run.catch(() => undefined);
    return run;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    // The pause takes effect before the job in hand has been released and queued again; the
    // interruption need not wait for Bull to drop its blocking Redis call (up to half a second).
    const paused = this.queue.pause(true, true).catch(() => undefined);
    this.importer.stop();
    await Promise.all([paused, this.inHand]);
  }

  private async run(job: Job<ImportContactsJob>): Promise<void> {
    // A job fetched as the pause took effect: Bull retries it shortly, on another worker.
    if (this.stopping) throw new Error('The worker is stopping; the job will be retried');
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcome = await this.importer.run(job.data.importId, lastAttempt);
    if (outcome.kind === 'released') await this.imports.enqueue(job.data.importId, outcome.claimToken);
  }
}
