/**
 * The consent rules, in one place. The ledger (`consent_events`) is append-only; the current state
 * per concrete scope is kept on the contact and must always equal the fold of its events under
 * these rules, whatever order the events were recorded in:
 *
 * 1. Each event has an effective time: when it occurred. Opt-outs are always dated (an undated one
 *    takes the time we learned of it). An opt-in whose time is unknown (a CSV row without
 *    `opt_in_at`) has none and ranks below every dated event.
 * 2. The newest event decides. An opt-in that occurred before a recorded opt-out never reinstates;
 *    at equal times the opt-out wins.
 * 3. Scope `all` applies to every concrete scope (marketing and utility).
 *
 * The import merge applies the same rules in SQL (`outranksSql`); a test checks the two agree.
 */
export const CONSENT_KINDS = ['opt_in', 'opt_out'] as const;
export type ConsentKind = (typeof CONSENT_KINDS)[number];

export const CONSENT_SCOPES = ['marketing', 'utility', 'all'] as const;
export type ConsentScope = (typeof CONSENT_SCOPES)[number];

export const CONCRETE_SCOPES = ['marketing', 'utility'] as const;
export type ConcreteScope = (typeof CONCRETE_SCOPES)[number];

export const CONSENT_SOURCES = ['csv_import', 'api', 'keyword', 'button', 'whatsapp_signal'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

export type ConsentStatus = 'opted_in' | 'opted_out';

export interface ScopeState {
  status: ConsentStatus | null;
  /** Effective time of the deciding event; null for an undated opt-in (or no event). */
  since: Date | null;
}

export type ConsentState = Record<ConcreteScope, ScopeState>;

export interface ConsentChange {
  kind: ConsentKind;
  scope: ConsentScope;
  /** Null only for an opt-in whose time is unknown. */
  effectiveAt: Date | null;
}

export const NO_CONSENT: ConsentState = {
  marketing: { status: null, since: null },
  utility: { status: null, since: null },
};

export function coveredScopes(scope: ConsentScope): readonly ConcreteScope[] {
  return scope === 'all' ? CONCRETE_SCOPES : [scope];
}

export function statusOf(kind: ConsentKind): ConsentStatus {
  return kind === 'opt_in' ? 'opted_in' : 'opted_out';
}

/** Whether an event decides a scope over the event that decides it now. */
export function outranks(change: Omit<ConsentChange, 'scope'>, current: ScopeState): boolean {
  if (current.status === null) return true;
  const at = change.effectiveAt?.getTime() ?? null;
  const since = current.since?.getTime() ?? null;
  if (change.kind === 'opt_out') {
    if (at === null) throw new Error('an opt-out is always dated');
    return since === null || at >= since;
  }
  return at !== null && (since === null || at > since);
}

export function applyConsent(state: ConsentState, change: ConsentChange): ConsentState {
  const next: ConsentState = { ...state };
  for (const scope of coveredScopes(change.scope)) {
    if (outranks(change, state[scope])) next[scope] = { status: statusOf(change.kind), since: change.effectiveAt };
  }
  return next;
}

/**
 * The same test as `outranks`, as a SQL boolean expression over column expressions (never values).
 * `kind` is 'opt_in' | 'opt_out'; `at` is the event's effective time; `status`/`since` the contact's
 * current state for one scope.
 */
export function outranksSql(kind: string, at: string, status: string, since: string): string {
  return `(${status} IS NULL
    OR (${kind} = 'opt_out' AND (${since} IS NULL OR ${at} >= ${since}))
    OR (${kind} = 'opt_in' AND ${at} IS NOT NULL AND (${since} IS NULL OR ${at} > ${since})))`;
}
