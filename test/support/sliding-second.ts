/**
 * The most of `times` (epoch ms) within one sliding second, a window (t − 1000, t] as the
 * simulator's ThroughputLimiter counts accepted sends; `windowMs` makes the window shorter or longer.
 */
export function maxInOneSecond(times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while (sorted[last] - sorted[first] >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
