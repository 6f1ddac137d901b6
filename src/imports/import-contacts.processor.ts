import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { ImportContactsJob, JOBS, QUEUES } from '../common/queues';
import { ContactImporter } from './contact-importer';

/** One import at a time per worker process: parsing already keeps the cores busy. */
@Processor(QUEUES.imports)
export class ImportContactsProcessor {
  constructor(private readonly importer: ContactImporter) {}

  @Process({ name: JOBS.importContacts, concurrency: 1 })
  async handle(job: Job<ImportContactsJob>): Promise<void> {
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    await this.importer.run(job.data.importId, lastAttempt);
  }
}
