/**
 * Tells a parent process that started us with an IPC channel (`npm run start:all`, its `--smoke`
 * mode in CI, the tests' process helpers) that this process is ready: the API listens, or the
 * worker's queues are consuming. Without such a parent it does nothing.
 */
export function announceReady(): void {
  process.send?.('ready');
}

/**
 * Started by a parent with an IPC channel (`serve-all`): when that parent goes away, however it
 * went (killed with SIGKILL, its terminal closed), the channel closes and this process stops as on
 * SIGTERM, instead of living on as an orphan that still holds the port and its jobs.
 */
export function stopWithParent(): void {
  if (!process.send) return;
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
