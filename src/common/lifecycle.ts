/**
 * Tells a parent process that started us with an IPC channel (`npm run start:all`, its `--smoke`
 * mode in CI, the tests' process helpers) that this process is ready: the API listens, or the
 * worker's queues are consuming. Without such a parent it does nothing.
 */
export function announceReady(): void {
  process.send?.('ready');
}
