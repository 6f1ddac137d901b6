import { BASE_POLICY_RULES, BASE_POLICY_VERSION, RESTRICTED_REGIONS } from '../eligibility/country-policy.data';
import type { PolicyOverrideRow } from '../eligibility/eligibility-policy.repository';

/**
 * The compliance invariants (issue 13, section 2): each is one SQL query over the ledger that must
 * return no row. They are written to be read and run by a person (psql, a BI tool), with
 * `$1` = the period's start (inclusive) and `$2` its end (exclusive), both timestamptz, and for the
 * country rules `$3` = the rules as JSON (`policyRulesParameter`; GET /v1/compliance/report answers
 * each query's text and that JSON). They do not call the eligibility code: they re-derive each rule
 * from the raw rows, so a bug in eligibility or the dispatcher shows here instead of hiding twice.
 *
 * What counts as a message: a campaign recipient WhatsApp accepted (`accepted`), or whose answer
 * was lost (`unknown`: the request may have reached WhatsApp, so it is treated as sent). It belongs
 * to the period of its send time: WhatsApp's answer (`sent_at`), or for `unknown` `attempted_at`.
 * Consent is judged at the moment the request left (`attempted_at`, which the dispatcher sets to
 * the request's start; for a row whose worker died before the answer, the claim's time, since the
 * request's is unknown): an opt-out recorded after the request left could not have stopped it.
 * Siaran sends nothing outside campaigns.
 *
 * The person: contacts merged into another are the survivor (`merged_into`, kept pointing at the
 * last survivor by the merge), whose ledger holds both contacts' consent events.
 */

/** The messages of the period: one row per message, with what the invariants need. */
export const SENDS_SQL = `
  SELECT r.campaign_id, r.contact_id, k.phone, k.country, cp.phone_number_id, pn.business_country,
         r.sends, r.category, r.policy_version_id, r.send_state, r.attempted_at,
         -- When the request left (see above): what consent is judged at.
         coalesce(r.attempted_at, r.sent_at) AS requested_at,
         coalesce(r.sent_at, r.attempted_at) AS sent_at,
         coalesce(k.merged_into, k.id) AS person_id,
         -- The consent scope the message needed (eligibility-rules.ts scopeOf; a session message names its own).
         CASE r.category WHEN 'MARKETING' THEN 'marketing' WHEN 'SERVICE' THEN cp.session_scope ELSE 'utility' END AS scope
    FROM campaign_recipients r
    JOIN campaigns cp ON cp.id = r.campaign_id
    JOIN phone_numbers pn ON pn.phone_number_id = cp.phone_number_id
    JOIN contacts c0 ON c0.id = r.contact_id
    -- The person's current row (a merged contact's number moved to its survivor).
    JOIN contacts k ON k.id = coalesce(c0.merged_into, c0.id)
   WHERE r.send_state IN ('accepted', 'unknown')
     AND coalesce(r.sent_at, r.attempted_at) >= $1 AND coalesce(r.sent_at, r.attempted_at) < $2`;

/**
 * The consent event that decided the message's scope for the person when the request left, as
 * known then (recorded before it): consent.ts's fold as an ORDER BY. The newest effective time wins (an
 * undated opt-in ranks below every dated event), and at equal times an opt-out wins over an opt-in.
 */
const DECIDING_CONSENT_SQL = `
  LEFT JOIN LATERAL (
    SELECT e.id, e.kind, e.scope, e.source, e.occurred_at, e.recorded_at
      FROM consent_events e
     WHERE e.contact_id = s.person_id
       AND e.scope IN (s.scope, 'all')
       AND e.recorded_at <= s.requested_at
     ORDER BY e.occurred_at DESC NULLS LAST, (e.kind = 'opt_out') DESC, e.id DESC
     LIMIT 1) d ON true`;

/**
 * The country rule that decided, for the message's category, when it was sent: the last rule in
 * `$3` in force that day (UTC) that applies to the version of the policy the recipient was decided
 * under (its base rules, or one of its overrides) and matches the scope and the place (country-policy.ts
 * decidingRule). `match` is the place test over `r` (the rule) and `s` (the message).
 */
function decidingRuleSql(scope: string, match: string): string {
  return `
  LEFT JOIN LATERAL (
    SELECT r.rule_id, r.allow
      FROM jsonb_to_recordset($3::jsonb) AS r(position int, rule_id text, base_version text, override_id bigint, scope text,
                                              countries text[], prefixes text[], categories text[], allow boolean,
                                              valid_from date, valid_until date)
     WHERE r.scope ${scope}
       AND (r.base_version = v.base_version OR r.override_id = ANY (v.override_ids))
       AND (r.categories IS NULL OR s.category = ANY (r.categories))
       AND r.valid_from <= (s.sent_at AT TIME ZONE 'UTC')::date
       AND (r.valid_until IS NULL OR r.valid_until > (s.sent_at AT TIME ZONE 'UTC')::date)
       AND ${match}
     ORDER BY r.position DESC
     LIMIT 1) rule ON true`;
}

export interface InvariantDefinition {
  /** Stable, as in the report. */
  id: string;
  /** The rule it checks, and where the rule comes from. */
  description: string;
  /** Selects the offending messages (campaign_id, contact_id, phone, category, phone_number_id, sent_at, detail). */
  sql: string;
  /** Whether the query takes `$3` (the country rules). */
  usesPolicyRules: boolean;
}

const OFFENDING = `s.campaign_id, s.contact_id::text AS contact_id, s.phone, s.category, s.phone_number_id, s.sent_at`;

export const INVARIANTS: readonly InvariantDefinition[] = [
  {
    id: 'business_initiated_without_opt_in',
    description:
      'Business-initiated messages (templates: every template message, including a session campaign\'s fallback) to a person with no consent event for the message\'s scope recorded before the send. WhatsApp Business Messaging Policy: "you may only contact people on WhatsApp if they have given you their mobile phone number and agreed to be contacted" (WHATSAPP.md, Consent and policy).',
    usesPolicyRules: false,
    sql: `
SELECT ${OFFENDING}, jsonb_build_object('scope', s.scope, 'sends', s.sends) AS detail
  FROM (${SENDS_SQL}) s
  ${DECIDING_CONSENT_SQL}
 WHERE s.sends IN ('template', 'fallback') AND d.id IS NULL
 ORDER BY s.sent_at, s.campaign_id, s.contact_id`,
  },
  {
    id: 'sent_after_opt_out',
    description:
      'Messages sent after the person opted out of the message\'s scope: the consent event deciding that scope when the message was sent (newest effective time, opt-out winning ties, among those recorded before the send) is an opt-out. Session messages count too (an opt-out of scope all, or of the session\'s scope, covers them). Every opt-out must be honoured at once (WHATSAPP.md, Consent and policy).',
    usesPolicyRules: false,
    sql: `
SELECT ${OFFENDING},
       jsonb_build_object('scope', s.scope, 'optOutEventId', d.id::text, 'optOutSource', d.source,
                          'optOutOccurredAt', d.occurred_at, 'optOutRecordedAt', d.recorded_at, 'requestedAt', s.requested_at) AS detail
  FROM (${SENDS_SQL}) s
  ${DECIDING_CONSENT_SQL}
 WHERE d.kind = 'opt_out'
 ORDER BY s.sent_at, s.campaign_id, s.contact_id`,
  },
  {
    id: 'business_country_not_qualified',
    description:
      'Messages of a category the sender\'s Business Manager country could not send on the day they were sent, under the country rules of the policy version they were decided with (without a deciding rule, every category but MARKETING is allowed: country-policy.ts). Marketing template availability by business country: WHATSAPP.md, "Marketing availability over time".',
    usesPolicyRules: true,
    sql: `
SELECT ${OFFENDING}, jsonb_build_object('businessCountry', s.business_country, 'ruleId', rule.rule_id) AS detail
  FROM (${SENDS_SQL}) s
  JOIN eligibility_policy_versions v ON v.id = s.policy_version_id
   -- Only versions whose base rules are in $3 can be judged (the others: UNVERIFIABLE_POLICY_SQL).
   AND v.base_version IN (SELECT x ->> 'base_version' FROM jsonb_array_elements($3::jsonb) AS x)
  ${decidingRuleSql(`= 'business_country'`, `(r.countries IS NULL OR s.business_country = ANY (r.countries))`)}
 WHERE NOT coalesce(rule.allow, s.category <> 'MARKETING')
 ORDER BY s.sent_at, s.campaign_id, s.contact_id`,
  },
  {
    id: 'recipient_country_restricted',
    description:
      'Messages to a person whose country (or numbering range of a restricted region) no message of that category may reach on the day it was sent: sanctioned countries and regions, and marketing to US numbers since 1 April 2025 (WHATSAPP.md, Consent and policy and Limits; the rules in country-policy.data.ts).',
    usesPolicyRules: true,
    sql: `
SELECT ${OFFENDING}, jsonb_build_object('country', s.country, 'ruleId', rule.rule_id) AS detail
  FROM (${SENDS_SQL}) s
  JOIN eligibility_policy_versions v ON v.id = s.policy_version_id
   -- Only versions whose base rules are in $3 can be judged (the others: UNVERIFIABLE_POLICY_SQL).
   AND v.base_version IN (SELECT x ->> 'base_version' FROM jsonb_array_elements($3::jsonb) AS x)
  ${decidingRuleSql(
    `IN ('recipient_country', 'recipient_region')`,
    `(CASE r.scope WHEN 'recipient_country' THEN r.countries IS NULL OR s.country = ANY (r.countries)
                   ELSE EXISTS (SELECT 1 FROM unnest(r.prefixes) AS p(prefix) WHERE starts_with(s.phone, p.prefix)) END)`,
  )}
 WHERE rule.allow = false
 ORDER BY s.sent_at, s.campaign_id, s.contact_id`,
  },
];

/**
 * Messages of the period whose policy version was made by another base version of the country
 * rules than this code's: the country invariants cannot re-derive their rules (this code holds only
 * its own), so they are counted apart instead of being judged.
 */
export const UNVERIFIABLE_POLICY_SQL = `
SELECT count(*)::int AS count
  FROM (${SENDS_SQL}) s
  JOIN eligibility_policy_versions v ON v.id = s.policy_version_id
 WHERE v.base_version <> $3`;

/** One rule of `$3`. */
export interface PolicyRuleParameter {
  position: number;
  rule_id: string;
  /** Base rules: the base version they belong to; overrides: null. */
  base_version: string | null;
  override_id: string | null;
  scope: 'business_country' | 'recipient_country' | 'recipient_region';
  /** null: every country. */
  countries: string[] | null;
  /** recipient_region: the E.164 prefixes of its regions. */
  prefixes: string[] | null;
  /** null: every category, session messages (SERVICE) included. */
  categories: string[] | null;
  allow: boolean;
  valid_from: string;
  valid_until: string | null;
}

/**
 * The country rules as the invariants take them (`$3`): this code's base rules, then every override
 * ever made (removed ones too: older policy versions used them), in the order that decides (later
 * wins: base rules in their order, overrides by id, as EligibilityPolicyService builds a policy).
 */
export function policyRulesParameter(overrides: readonly PolicyOverrideRow[]): PolicyRuleParameter[] {
  const base: PolicyRuleParameter[] = BASE_POLICY_RULES.map((rule, i) => ({
    position: i,
    rule_id: rule.id,
    base_version: BASE_POLICY_VERSION,
    override_id: null,
    scope: rule.scope,
    countries: rule.scope === 'recipient_region' || rule.countries === '*' ? null : [...rule.countries],
    prefixes: rule.scope === 'recipient_region' ? rule.regions.flatMap((region) => [...(RESTRICTED_REGIONS[region] ?? [])]) : null,
    categories: rule.categories === '*' ? null : [...rule.categories],
    allow: rule.allow,
    valid_from: rule.from,
    valid_until: rule.until ?? null,
  }));
  const added = [...overrides]
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map(
      (o, i): PolicyRuleParameter => ({
        position: base.length + i,
        rule_id: `override-${o.id}`,
        base_version: null,
        override_id: String(o.id),
        scope: o.scope,
        countries: [o.country],
        prefixes: null,
        categories: o.category === 'ALL' ? null : [o.category],
        allow: o.allow,
        valid_from: '0001-01-01',
        valid_until: null,
      }),
    );
  return [...base, ...added];
}
