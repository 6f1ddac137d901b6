/**
 * Every queue, job name and job payload. Jobs carry ids only: the state lives in PostgreSQL.
 * The API produces jobs; only the worker process consumes them.
 */
export const QUEUES = {
  imports: 'contact-imports',
  webhooks: 'whatsapp-webhooks',
} as const;

export const JOBS = {
  importContacts: 'import-contacts',
  processWebhooks: 'process-webhooks',
} as const;

export interface ImportContactsJob {
  importId: string;
}

/** Wakes the worker to process stored webhook deliveries (up to and past this id). */
export interface ProcessWebhooksJob {
  deliveryId: string;
}
