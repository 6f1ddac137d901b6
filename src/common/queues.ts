/**
 * Every queue, job name and job payload. Jobs carry ids only: the state lives in PostgreSQL.
 * The API produces jobs; only the worker process consumes them.
 */
export const QUEUES = {
  imports: 'contact-imports',
} as const;

export const JOBS = {
  importContacts: 'import-contacts',
} as const;

export interface ImportContactsJob {
  importId: string;
}
