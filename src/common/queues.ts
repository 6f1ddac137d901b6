/**
 * Every queue, job name and job payload. Jobs carry ids only: the state lives in PostgreSQL.
 * The API produces jobs; only the worker process consumes them, and it does not start unless
 * every job here has its processor (job-processors.check.ts).
 */
export const QUEUES = {
  imports: 'contact-imports',
  webhooks: 'whatsapp-webhooks',
} as const;

export const JOBS = {
  importContacts: 'import-contacts',
  processWebhooks: 'process-webhooks',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export type JobName = (typeof JOBS)[keyof typeof JOBS];

/** The queue each job is added to. */
export const JOB_QUEUES: Record<JobName, QueueName> = {
  [JOBS.importContacts]: QUEUES.imports,
  [JOBS.processWebhooks]: QUEUES.webhooks,
};

export interface ImportContactsJob {
  importId: string;
}

/** Wakes the worker to process stored webhook deliveries (up to and past this id). */
export interface ProcessWebhooksJob {
  deliveryId: string;
}
