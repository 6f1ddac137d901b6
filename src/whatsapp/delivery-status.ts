/**
 * Delivery statuses move only forward: sent < delivered < read, and failed is final. Meta does not
 * guarantee order and repeats deliveries, so a late `delivered` must never overwrite `read`.
 * The same order is applied in SQL by `advancesSql`; a test checks the two agree.
 */
export const DELIVERY_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;
export type TrackedStatus = (typeof DELIVERY_STATUSES)[number];

const RANK: Record<TrackedStatus, number> = { sent: 1, delivered: 2, read: 3, failed: 4 };

/** Whether `incoming` replaces `current` (undefined: nothing known yet). */
export function advances(current: TrackedStatus | undefined, incoming: TrackedStatus): boolean {
  if (current === undefined) return true;
  if (current === 'failed') return false;
  return RANK[incoming] > RANK[current];
}

/** `advances` as a SQL boolean over two column expressions holding status names. */
export function advancesSql(current: string, incoming: string): string {
  const rank = (e: string) => `CASE ${e} WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 WHEN 'failed' THEN 4 END`;
  return `(${current} IS NULL OR (${current} <> 'failed' AND ${rank(incoming)} > ${rank(current)}))`;
}
