import { CAMPAIGN_STATUSES, CAMPAIGN_TRANSITIONS, CampaignStatus, canTransition, isFinal, statusesLeadingTo } from './campaign-status';

describe('campaign transitions: one table', () => {
  /** Every pair, written out: "from > to" for each transition the issue allows, nothing else. */
  const ALLOWED = [
    'draft > scheduled',
    'draft > running',
    'draft > cancelled',
    'scheduled > running',
    'scheduled > paused',
    'scheduled > cancelled',
    'running > paused',
    'running > completed',
    'running > cancelled',
    'running > failed',
    'paused > running',
    'paused > scheduled',
    'paused > cancelled',
    'paused > failed',
    'completed > running',
  ];

  it.each(CAMPAIGN_STATUSES.flatMap((from) => CAMPAIGN_STATUSES.map((to) => [from, to] as const)))('%s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(ALLOWED.includes(`${from} > ${to}`));
  });

  it('has a row for every status, naming only known statuses, none twice and none to itself', () => {
    expect(Object.keys(CAMPAIGN_TRANSITIONS).sort()).toEqual([...CAMPAIGN_STATUSES].sort());
    for (const [from, targets] of Object.entries(CAMPAIGN_TRANSITIONS) as Array<[CampaignStatus, readonly CampaignStatus[]]>) {
      expect(new Set(targets).size).toBe(targets.length);
      expect(targets).not.toContain(from);
      for (const to of targets) expect(CAMPAIGN_STATUSES).toContain(to);
    }
  });

  it('makes cancelled and failed final, and only them (a completed campaign runs again when its failed recipients are retried)', () => {
    expect(CAMPAIGN_STATUSES.filter(isFinal)).toEqual(['cancelled', 'failed']);
  });

  it('reaches every status from a draft', () => {
    const reached = new Set<CampaignStatus>(['draft']);
    for (let grew = true; grew; ) {
      grew = false;
      for (const from of [...reached]) for (const to of CAMPAIGN_TRANSITIONS[from]) if (!reached.has(to)) grew = reached.add(to) !== undefined;
    }
    expect([...reached].sort()).toEqual([...CAMPAIGN_STATUSES].sort());
  });

  it('gives the statuses a compare-and-set may start from', () => {
    expect(statusesLeadingTo('running')).toEqual(['draft', 'scheduled', 'paused', 'completed']);
    expect(statusesLeadingTo('paused')).toEqual(['scheduled', 'running']);
    expect(statusesLeadingTo('cancelled')).toEqual(['draft', 'scheduled', 'running', 'paused']);
    expect(statusesLeadingTo('scheduled')).toEqual(['draft', 'paused']);
    expect(statusesLeadingTo('draft')).toEqual([]);
  });
});
