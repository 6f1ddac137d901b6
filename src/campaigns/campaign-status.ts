/**
 * A campaign is a state machine on its row (migrations/1795730000000-Campaigns.ts):
 *
 * ```
 * draft ──▶ scheduled ──▶ running ⇄ paused
 *   │           │            │        │
 *   └───────────┴────────────┴────────┴──▶ cancelled        running ──▶ completed | failed
 * ```
 *
 * Every allowed transition is in CAMPAIGN_TRANSITIONS and nowhere else (listmonk keeps its
 * campaign transitions in one switch; STYLE.md, "Status transitions in one table"). The row only
 * changes by compare-and-set from the statuses this table allows (CampaignsRepository.setStatus),
 * so two requests, or a request and the scheduler, cannot both move it.
 */
export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled', 'failed'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/**
 * The statuses each status may move to.
 *
 * - draft → scheduled: launched with a `scheduledAt` in the future; → running: launched now (the
 *   audience is frozen into campaign_recipients in the same transaction).
 * - scheduled → running: the scheduler fires it; → paused: found too late (`missed_schedule`), a
 *   blocker at firing time (its code), or paused through the API.
 * - running → paused, and paused → running (resumed; a campaign that never started is launched
 *   then) or → scheduled (resumed before its `scheduledAt`).
 * - running → completed: the dispatcher's, when nothing is pending, sending or deferred; → failed.
 * - completed → running: failed or unknown recipients retried on a person's word (POST …/retry).
 * - cancelled from anything that has not finished (not from completed: nothing is left to cancel).
 *   cancelled and failed are final.
 */
export const CAMPAIGN_TRANSITIONS: Readonly<Record<CampaignStatus, readonly CampaignStatus[]>> = {
  draft: ['scheduled', 'running', 'cancelled'],
  scheduled: ['running', 'paused', 'cancelled'],
  running: ['paused', 'completed', 'cancelled', 'failed'],
  paused: ['running', 'scheduled', 'cancelled', 'failed'],
  completed: ['running'],
  cancelled: [],
  failed: [],
};

export function canTransition(from: CampaignStatus, to: CampaignStatus): boolean {
  return CAMPAIGN_TRANSITIONS[from].includes(to);
}

/** The statuses from which `to` may be reached, in table order: the `from` of a compare-and-set to `to`. */
export function statusesLeadingTo(to: CampaignStatus): CampaignStatus[] {
  return CAMPAIGN_STATUSES.filter((from) => canTransition(from, to));
}

/** A status no transition leaves. */
export function isFinal(status: CampaignStatus): boolean {
  return CAMPAIGN_TRANSITIONS[status].length === 0;
}
