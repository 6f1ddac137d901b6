/**
 * A start-up check found the process wired wrongly (a job without a processor, a webhook field
 * without a handler): a mistake in the code, not in the environment. The process must not start;
 * worker.ts prints the message, which names what is missing and where, and exits 1.
 */
export class BootCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootCheckError';
  }
}
