/**
 * Preloaded into the bench's child processes (`node --require`, through NODE_OPTIONS) by
 * bench:dispatch: once a second it appends the process's event-loop delay over that second
 * (`perf_hooks.monitorEventLoopDelay`, 5 ms resolution) to BENCH_LOOP_DELAY_FILE as a JSON line
 * `{ pid, at (epoch ms), maxMs, p99Ms, meanMs }`. A sender whose loop stalls sends its due
 * messages late and together, which the Graph side sees as a burst over the rate.
 */
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.BENCH_LOOP_DELAY_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  setInterval(() => {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    appendFileSync(file, `${JSON.stringify({ pid: process.pid, at: Date.now(), maxMs: ms(histogram.max), p99Ms: ms(histogram.percentile(99)), meanMs: ms(histogram.mean) })}\n`);
    histogram.reset();
  }, 1000).unref();
}
