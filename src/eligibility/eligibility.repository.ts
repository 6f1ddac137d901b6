import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { one, rows } from '../database/sql';
import type { ConcreteScope } from '../contacts/consent';
import type { TemplateCategory } from '../whatsapp/cloud-api.types';
import { Audience, audienceCondition } from './audience';
import type { DeferralReason, ExclusionReason } from './eligibility-rules';

/**
 * The eligibility rules (eligibility-rules.ts) over a whole audience, in one statement: the dry
 * run groups the decisions, the snapshot inserts them into campaign_recipients. Both build the
 * same decisions (decisionsQuery) from the same input; tests check that they agree with
 * `decideRecipient` contact by contact, and the dry run's counts with the snapshot's rows.
 *
 * Plan (one pass over the audience's contacts, hash joins for the rest):
 * 1. `audience`: the contacts the audience selects (contacts' indexes where a condition has one).
 * 2. The facts, each a hash join against a small set: the open windows with the sender (the last
 *    24 hours of contact_windows for one number), the marketing messages of the cap's period and
 *    the people the portfolio reached outside a window in the last 24 hours (campaign_recipients,
 *    only when a cap or a finite messaging limit applies).
 * 3. `decided`: the rules as one CASE, in decideRecipient's order (the first failing rule is the
 *    reason), with the country policy as parameters (restrictedRecipients gives them).
 * 4. The messaging limit: a running count, in contact id order, of the eligible people who would
 *    be reached outside a window and are not counted already; past the budget they are deferred.
 *    The dry run needs only how many: it counts those people and subtracts (decisionCountsQuery).
 */

/** What goes to recipients, as eligibility needs it: one message, or a session with its fallback. */
export interface RoutedMessage {
  /** 'template': `main` is a template of `category`. 'session': `main` is the session message (scope `sessionScope`); `fallback` the template for closed windows. */
  kind: 'template' | 'session';
  category: TemplateCategory | null;
  sessionScope: ConcreteScope | null;
  fallbackCategory: TemplateCategory | null;
  /** Contact paths each one cannot render without (CompiledTemplate.requiredPaths). */
  mainRequiredPaths: readonly string[];
  fallbackRequiredPaths: readonly string[];
}

/** The restricted recipients for one category (country-policy.ts restrictedRecipients). */
export interface Restrictions {
  countries: string[];
  prefixes: string[];
}

export interface EligibilityQuery {
  phoneNumberId: string;
  audience: Audience;
  message: RoutedMessage;
  /** For the main message's category (SERVICE for a session) and the fallback's. */
  restrictions: { main: Restrictions; fallback: Restrictions };
  /** Marketing messages per period; null: no cap. */
  marketingCap: { max: number; periodSeconds: number } | null;
  /** People the portfolio may still reach outside a window; null: unlimited. */
  messagingBudget: number | null;
  /** The business portfolio whose reach the budget counts (null: only this number). */
  businessPortfolioId: string | null;
  /** The moment of the decision (the database's now() when absent). */
  at?: Date;
}

export interface DecisionCount {
  decision: 'eligible' | 'excluded' | 'deferred';
  reason: ExclusionReason | DeferralReason | null;
  count: number;
}

export interface DecisionSample {
  reason: ExclusionReason | DeferralReason;
  contactId: string;
  phone: string;
}

/**
 * Memory for one decision query's sorts and materialized rows (a million rows of about 100 bytes):
 * with PostgreSQL's default 4 MB they go to disk.
 */
const WORK_MEM = '128MB';

@Injectable()
export class EligibilityRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Unique people the portfolio (or, without one, the number) reached outside an open window in
   * the last 24 hours: what its messaging limit has already spent.
   */
  async reachedLately(phoneNumberId: string, businessPortfolioId: string | null): Promise<number> {
    const row = await one<{ n: number }>(
      this.db,
      `SELECT count(DISTINCT s.contact_id)::int AS n
         FROM campaign_recipients s
         JOIN campaigns k ON k.id = s.campaign_id
         JOIN phone_numbers p ON p.phone_number_id = k.phone_number_id
        WHERE s.sent_at > now() - interval '24 hours' AND s.outside_window
          AND ${businessPortfolioId === null ? 'p.phone_number_id = $1' : 'p.business_portfolio_id = $1'}`,
      [businessPortfolioId ?? phoneNumberId],
    );
    return row!.n;
  }

  /** How many contacts `audience` selects (before any rule: audience.ts). */
  async audienceSize(audience: Audience): Promise<number> {
    const params: unknown[] = [];
    const row = await one<{ n: number }>(this.db, `SELECT count(*)::int AS n FROM contacts a WHERE ${audienceCondition(audience, 'a', params)}`, params);
    return row!.n;
  }

  /** Counts per decision and reason, and up to `samples` contacts per reason; writes nothing. */
  async dryRun(query: EligibilityQuery, samples = 5): Promise<{ counts: DecisionCount[]; samples: DecisionSample[] }> {
    const params: unknown[] = [];
    const sql = decisionCountsQuery(query, params, samples);
    const found = await this.db.transaction(async (tx) => {
      await tx.query(`SET LOCAL work_mem = '${WORK_MEM}'`);
      return rows<{ kind: 'count' | 'sample'; decision: DecisionCount['decision']; reason: DecisionCount['reason']; n: number | null; id: string | null; phone: string | null }>(tx, sql, params);
    });
    return {
      counts: found.filter((r) => r.kind === 'count').map((r) => ({ decision: r.decision, reason: r.reason, count: r.n! })),
      samples: found.filter((r) => r.kind === 'sample').map((r) => ({ reason: r.reason!, contactId: r.id!, phone: r.phone! })),
    };
  }

  /**
   * Freezes the audience into campaign_recipients, in the caller's transaction: one row per
   * contact with its decision, reason, what it is sent, the policy version and the opt-in that
   * allowed it. Returns the counts.
   * The caller has won the campaign's launch (a compare-and-set), so this runs once per campaign.
   */
  async snapshot(tx: EntityManager, campaignId: string, policyVersionId: number, query: EligibilityQuery): Promise<DecisionCount[]> {
    const params: unknown[] = [];
    const add = (value: unknown) => `$${params.push(value)}`;
    const decided = decidedQuery(query, params);
    const campaign = `${add(campaignId)}::uuid`;
    const version = `${add(policyVersionId)}::int`;
    // The opt-in that allowed each recipient, for the scopes this campaign's messages need (a
    // session's fallback may need another): a merge join of the decided rows, in contact order,
    // with the deciding opt-ins in the same order. Not a look-up per recipient (which doubled the
    // snapshot's time), and not an aggregate of arrays over the whole ledger.
    const m = query.message;
    const scopes = [...new Set([mainScopeOf(m), ...(m.kind === 'session' && m.fallbackCategory !== null ? [scopeOf(m.fallbackCategory)] : [])])];
    const joins = scopes.map((scope, i) => `LEFT JOIN (${decidingOptInsSql(scope, add)}) o${i} ON o${i}.contact_id = d.id`).join('\n');
    const optIn =
      scopes.length === 1 ? 'o0.id' : `CASE d.consent_scope ${scopes.map((scope, i) => `WHEN ${add(scope)}::text THEN o${i}.id`).join(' ')} END`;
    // A sort for the running count and the insert's own work: more memory than the default 4 MB
    // keeps a million rows off disk.
    await tx.query(`SET LOCAL work_mem = '${WORK_MEM}'`);
    const counted = await rows<{ decision: DecisionCount['decision']; reason: DecisionCount['reason']; n: number }>(
      tx,
      `WITH inserted AS (
         INSERT INTO campaign_recipients (campaign_id, contact_id, decision, reason, sends, category, policy_version_id, send_state, consent_event_id)
         SELECT ${campaign}, d.id, d.decision, d.reason, d.sends, d.category, ${version},
                CASE WHEN d.decision <> 'excluded' THEN 'pending' END,
                CASE WHEN d.decision <> 'excluded' THEN ${optIn} END
           FROM (${decided}) d
           ${joins}
         RETURNING decision, reason),
       counted AS (SELECT decision, reason, count(*)::int AS n FROM inserted GROUP BY decision, reason),
       -- The campaign's progress counters start from these counts (campaign_progress, migration
       -- 1796000000000: triggers count every later UPDATE and DELETE; new rows are counted here,
       -- where they are written, since a statement trigger's transition table of a million rows
       -- added 0.5 – 1.5 s to this statement in npm run bench:eligibility).
       progress AS (
         INSERT INTO campaign_progress (campaign_id, decision, reason, send_state, n)
         SELECT ${campaign}, decision, reason, CASE WHEN decision <> 'excluded' THEN 'pending' END, n FROM counted)
       SELECT decision, reason, n FROM counted`,
      params,
    );
    return counted.map((r) => ({ decision: r.decision, reason: r.reason, count: r.n }));
  }
}

/**
 * The rules over the audience, before the messaging limit: one row per contact with id, phone,
 * sends, category, consent_scope, reason (NULL: passes every rule) and spends (would use the
 * messaging limit's budget). Values go to `params`; the SQL holds only placeholders and fixed text.
 */
function decisionsQuery(q: EligibilityQuery, params: unknown[]): string {
  const add = (value: unknown) => `$${params.push(value)}`;
  const now = q.at ? `${add(q.at.toISOString())}::timestamptz` : 'now()';
  const where = audienceCondition(q.audience, 'a', params);
  const m = q.message;

  // Which message each recipient gets, and so its category and consent scope.
  const sends =
    m.kind === 'template' ? `'template'` : m.fallbackCategory === null ? `'session'` : `CASE WHEN f.window_open THEN 'session' ELSE 'fallback' END`;
  const mainCategory = m.kind === 'template' ? m.category! : 'SERVICE';
  const mainScope = mainScopeOf(m);
  // An expression for the main message, or a CASE between it and the fallback's (built only when
  // there is a fallback: a value no statement reads must not become a parameter).
  const fallbackCategory = m.kind === 'session' ? m.fallbackCategory : null;
  const byRoute = (main: () => string, fallback: (category: TemplateCategory) => string) =>
    fallbackCategory === null ? main() : `CASE WHEN r.sends = 'fallback' THEN ${fallback(fallbackCategory)} ELSE ${main()} END`;

  const restricted = byRoute(
    () => restrictedSql(q.restrictions.main, add),
    () => restrictedSql(q.restrictions.fallback, add),
  );
  const consentColumn = (scope: ConcreteScope) => (scope === 'marketing' ? 'r.marketing_consent' : 'r.utility_consent');
  const consent = byRoute(
    () => consentColumn(mainScope),
    (c) => consentColumn(scopeOf(c)),
  );
  const consentScope = byRoute(
    () => `${add(mainScope)}::text`,
    (c) => `${add(scopeOf(c))}::text`,
  );
  const category = byRoute(
    () => `${add(mainCategory)}::text`,
    (c) => `${add(c)}::text`,
  );
  // Marketing for the cap: a MARKETING template, or a session message whose content needs marketing consent.
  const mainMarketing = mainCategory === 'MARKETING' || (m.kind === 'session' && m.sessionScope === 'marketing');
  const marketing = byRoute(
    () => String(mainMarketing),
    (c) => String(c === 'MARKETING'),
  );
  const missing = byRoute(
    () => missingSql(m.mainRequiredPaths, add),
    () => missingSql(m.fallbackRequiredPaths, add),
  );

  const cap = q.marketingCap;
  const capJoin = cap
    ? `LEFT JOIN (SELECT s.contact_id, count(*) AS n FROM campaign_recipients s
                   WHERE s.sent_at > ${now} - make_interval(secs => ${add(cap.periodSeconds)}) AND s.category = 'MARKETING'
                   GROUP BY s.contact_id) mk ON mk.contact_id = a.id`
    : '';
  const capped = cap ? `(${marketing}) AND coalesce(r.marketing_received, 0) >= ${add(cap.max)}` : 'false';

  const budget = q.messagingBudget;
  const reachedJoin =
    budget === null
      ? ''
      : `LEFT JOIN (SELECT DISTINCT s.contact_id FROM campaign_recipients s
                      JOIN campaigns k ON k.id = s.campaign_id
                      JOIN phone_numbers n ON n.phone_number_id = k.phone_number_id
                     WHERE s.sent_at > ${now} - interval '24 hours' AND s.outside_window
                       AND ${q.businessPortfolioId === null ? `n.phone_number_id = ${add(q.phoneNumberId)}` : `n.business_portfolio_id = ${add(q.businessPortfolioId)}`}) rc
                   ON rc.contact_id = a.id`;

  const decided = `
    SELECT r.id, r.phone, r.sends, ${category} AS category, ${consentScope} AS consent_scope,
           CASE
             WHEN ${restricted} THEN 'recipient_country_restricted'
             WHEN ${consent} = 'opted_out' THEN 'opted_out'
             WHEN ${consent} IS DISTINCT FROM 'opted_in' THEN 'no_opt_in'
             WHEN r.sends = 'session' AND NOT r.window_open THEN 'window_closed'
             WHEN ${capped} THEN 'frequency_capped'
             WHEN ${missing} THEN 'render_problem'
           END AS reason,
           r.counted
      FROM (
        SELECT f.*, ${sends} AS sends
          FROM (
            SELECT a.id, a.phone, a.country, a.name, a.attributes, a.marketing_consent, a.utility_consent,
                   w.contact_id IS NOT NULL AS window_open,
                   ${cap ? 'mk.n' : '0'} AS marketing_received,
                   ${budget === null ? 'false' : 'rc.contact_id IS NOT NULL'} AS counted
              FROM contacts a
              LEFT JOIN (SELECT cw.contact_id FROM contact_windows cw
                          WHERE cw.phone_number_id = ${add(q.phoneNumberId)} AND cw.last_inbound_at > ${now} - interval '24 hours') w
                     ON w.contact_id = a.id
              ${capJoin}
              ${reachedJoin}
             WHERE ${where}
          ) f
      ) r
    -- A fence: without it PostgreSQL pulls this subquery up and evaluates the reason's CASE once
    -- for every place the outer queries name it (the group key, the budget's filter, the decision),
    -- four to six times a row.
    OFFSET 0`;

  // Whether an eligible person uses the messaging limit's budget: reached outside a window (not a
  // session message) and not counted among the people reached lately already.
  const spends = budget === null ? 'false' : `d.reason IS NULL AND d.sends <> 'session' AND NOT d.counted`;
  return `SELECT d.id, d.phone, d.sends, d.category, d.consent_scope, d.reason, ${spends} AS spends FROM (${decided}) d`;
}

/**
 * The decided audience: one row per contact with id, phone, decision, reason, sends, category and
 * consent_scope, the messaging limit applied in contact id order (what the snapshot writes).
 * Values go to `params`; the SQL holds only placeholders and fixed text.
 */
export function decidedQuery(q: EligibilityQuery, params: unknown[]): string {
  const decisions = decisionsQuery(q, params);
  if (q.messagingBudget === null) {
    return `SELECT id, phone, sends, category, consent_scope, reason, CASE WHEN reason IS NULL THEN 'eligible' ELSE 'excluded' END AS decision FROM (${decisions}) x`;
  }
  // The messaging limit: eligible people reached outside a window and not counted yet use the budget in id order.
  const left = `$${params.push(Math.max(0, q.messagingBudget))}::bigint`;
  return `
    SELECT id, phone, sends, category, consent_scope,
           CASE WHEN spends AND spent > ${left} THEN 'messaging_limit' ELSE reason END AS reason,
           CASE WHEN reason IS NOT NULL THEN 'excluded' WHEN spends AND spent > ${left} THEN 'deferred' ELSE 'eligible' END AS decision
      FROM (SELECT x.*, count(*) FILTER (WHERE spends) OVER (ORDER BY x.id ROWS UNBOUNDED PRECEDING) AS spent FROM (${decisions}) x) y`;
}

/**
 * The dry run's counts and samples in one pass over the audience, without ordering it: rows
 * `(kind 'count', decision, reason, n)` (eligible may come in two rows: add them) and
 * `(kind 'sample', reason, id, phone)`, up to `samples` per reason. The same decisions as decidedQuery (decisionsQuery), and the messaging limit as
 * arithmetic: of the `n` people who would spend the budget, the first `budget` in id order are
 * eligible and the rest deferred, so the deferred are the `n - budget` with the highest ids and the
 * samples of `messaging_limit` are among those. Samples of an exclusion are its first rows read.
 */
export function decisionCountsQuery(q: EligibilityQuery, params: unknown[], samples: number): string {
  const decisions = decisionsQuery(q, params);
  const limit = `$${params.push(samples)}::int`;
  const budget = q.messagingBudget === null ? null : `$${params.push(Math.max(0, q.messagingBudget))}::bigint`;
  // Without a budget nobody spends one (decisionsQuery: spends is false).
  const eligibleCount = budget === null ? 'g.n' : `CASE WHEN g.spends THEN least(g.n, ${budget}) ELSE g.n END`;
  const deferred =
    budget === null
      ? ''
      : `UNION ALL
         SELECT 'count', 'deferred', 'messaging_limit', (g.n - ${budget})::int, NULL, NULL FROM g WHERE g.spends AND g.n > ${budget}`;
  const sampleIds =
    budget === null
      ? `g.ids[1:${limit}]`
      : `CASE WHEN g.spends THEN ARRAY(SELECT i FROM unnest(g.ids) i ORDER BY i DESC LIMIT greatest(0, least(${limit}, g.n - ${budget}))) ELSE g.ids[1:${limit}] END`;
  // array_agg keeps every id of a group (eight bytes a contact): the samples are cut from it after
  // the one pass, where a LIMIT per reason would read the whole audience again for a rare reason.
  return `
    WITH g AS MATERIALIZED (
      SELECT x.reason, x.spends, count(*) AS n, array_agg(x.id) AS ids FROM (${decisions}) x GROUP BY x.reason, x.spends
    )
    SELECT 'count' AS kind, CASE WHEN g.reason IS NULL THEN 'eligible' ELSE 'excluded' END AS decision, g.reason, (${eligibleCount})::int AS n, NULL::text AS id, NULL::text AS phone
      FROM g
    ${deferred}
    UNION ALL
    SELECT 'sample', NULL, coalesce(g.reason, 'messaging_limit'), NULL, c.id::text, c.phone
      FROM g
     CROSS JOIN LATERAL unnest(${sampleIds}) s(id)
      JOIN contacts c ON c.id = s.id
     WHERE g.reason IS NOT NULL OR g.spends`;
}

function scopeOf(category: TemplateCategory): ConcreteScope {
  return category === 'MARKETING' ? 'marketing' : 'utility';
}

/** The consent scope the main message needs: its template's, or the session's. */
function mainScopeOf(m: RoutedMessage): ConcreteScope {
  return m.kind === 'template' ? scopeOf(m.category!) : m.sessionScope!;
}

/**
 * Per contact, its opt-in that decides `scope` (the scope itself or `all`) by consent.ts's order:
 * the newest by occurrence, an undated one last, then the latest recorded. DISTINCT ON over the
 * opt-ins sorted in memory (0.3 – 0.4 s for 600,000 events), and the rows come in contact order,
 * as the decided rows do, for a merge join. An aggregate of ARRAY[epoch, id] over every opt-in took
 * about 0.7 s; an index (contact_id, occurred_at DESC NULLS LAST, id DESC) WHERE kind = 'opt_in'
 * saved 0.05 s more here and cost an import about 1 s per 900,000 opt-ins, so there is none.
 */
function decidingOptInsSql(scope: ConcreteScope, add: (value: unknown) => string): string {
  return `SELECT DISTINCT ON (e.contact_id) e.contact_id, e.id
            FROM consent_events e
           WHERE e.kind = 'opt_in' AND e.scope = ANY (${add([scope, 'all'])}::text[])
           ORDER BY e.contact_id, e.occurred_at DESC NULLS LAST, e.id DESC`;
}

/**
 * Whether r's country or number is restricted: countries by equality, regions by E.164 prefix,
 * grouped by prefix length. Each group is guarded by the range its prefixes span, compared
 * byte-wise (COLLATE "C"): a number starting with one of them lies in [lowest prefix, the highest
 * with its last character's successor), and two comparisons cost a fraction of `left()`, which
 * builds a string for every contact (it was a third of the decision at a million contacts).
 */
function restrictedSql(restrictions: Restrictions, add: (value: unknown) => string): string {
  const parts: string[] = [];
  if (restrictions.countries.length > 0) parts.push(`r.country = ANY (${add(restrictions.countries)}::text[])`);
  const byLength = new Map<number, string[]>();
  for (const prefix of restrictions.prefixes) byLength.set(prefix.length, [...(byLength.get(prefix.length) ?? []), prefix]);
  for (const [length, prefixes] of byLength) {
    // E.164 prefixes are ASCII: JavaScript's order is their byte order.
    const sorted = [...prefixes].sort();
    const highest = sorted[sorted.length - 1];
    const above = highest.slice(0, -1) + String.fromCharCode(highest.charCodeAt(highest.length - 1) + 1);
    parts.push(
      `(r.phone >= ${add(sorted[0])}::text COLLATE "C" AND r.phone < ${add(above)}::text COLLATE "C" AND left(r.phone, ${length}) = ANY (${add(prefixes)}::text[]))`,
    );
  }
  return parts.length === 0 ? 'false' : `(${parts.join(' OR ')})`;
}

/**
 * Whether r lacks a value one of `paths` needs, as the renderer judges it (rendering/helpers.ts
 * isMissing: absent, null, or a string of white space only). Paths: name, country, phone, id,
 * attributes.<key>[.<key>…]. Others (tags…) are left to rendering: never excluding someone who can
 * be sent to matters more than catching every problem before rendering.
 */
function missingSql(paths: readonly string[], add: (value: unknown) => string): string {
  const tests: string[] = [];
  for (const path of paths) {
    const [head, ...rest] = path.split('.');
    if (head === 'name') tests.push(blank('r.name', add));
    else if (head === 'country' && rest.length === 0) tests.push('r.country IS NULL');
    // `#>>` gives NULL for an absent path and a JSON null, a string's text, and another value's JSON
    // text (a number, true, {} or []), which is never blank: so blank(#>>) is isMissing, with the
    // path read once (reading it three times cost about a third of the decision).
    else if (head === 'attributes' && rest.length > 0) tests.push(blank(`(r.attributes #>> ${add(rest)}::text[])`, add));
  }
  return tests.length === 0 ? 'false' : `(${tests.join(' OR ')})`;
}

/**
 * JavaScript's white space (what /\S/ in rendering/helpers.ts isMissing skips): Unicode's
 * White_Space plus U+FEFF, written out so that PostgreSQL's locale cannot change the answer.
 */
const JS_WHITE_SPACE = '\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';

/**
 * NULL, or white space only. btrim with a character set, not a regular expression: several times
 * cheaper per row; `text` is evaluated once (btrim of NULL is NULL).
 */
function blank(text: string, add: (value: unknown) => string): string {
  return `(coalesce(btrim(${text}, ${add(JS_WHITE_SPACE)}::text), '') = '')`;
}
