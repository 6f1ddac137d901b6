/**
 * Preloaded into bench:dispatch's child processes (`node --require`, through NODE_OPTIONS):
 * - BENCH_LOOP_DELAY_FILE: once a second, appends the process's event-loop delay over that second
 *   (`perf_hooks.monitorEventLoopDelay`, 5 ms resolution) as a JSON line
 *   `{ pid, at (epoch ms), maxMs, p99Ms, meanMs }`. A sender whose loop stalls reaches its slots
 *   late (and gives them up, or sends them together).
 * - BENCH_CPU_PROF_DIR: profiles the process's CPU from start to exit (the inspector's Profiler,
 *   as `--cpu-prof` does; that flag is refused in NODE_OPTIONS) into
 *   `<dir>/<BENCH_CPU_PROF_NAME or pid>.cpuprofile`, for Chrome DevTools.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const delayFile = process.env.BENCH_LOOP_DELAY_FILE;
if (delayFile) {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  setInterval(() => {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    appendFileSync(delayFile, `${JSON.stringify({ pid: process.pid, at: Date.now(), maxMs: ms(histogram.max), p99Ms: ms(histogram.percentile(99)), meanMs: ms(histogram.mean) })}\n`);
    histogram.reset();
  }, 1000).unref();
}

const profileDir = process.env.BENCH_CPU_PROF_DIR;
if (profileDir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  // The main thread's session answers synchronously, so the profile is written before the process ends.
  process.once('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(profileDir, `${process.env.BENCH_CPU_PROF_NAME ?? process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
