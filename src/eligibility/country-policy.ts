import type { TemplateCategory } from '../whatsapp/cloud-api.types';
import { RESTRICTED_REGIONS } from './country-policy.data';

/**
 * The country policy: which Business Manager countries may send marketing templates, and which
 * recipients no message (or no message of a category) may reach, as rules with effective dates
 * (the data: country-policy.data.ts; operators' overrides come after it). Pure: the eligibility
 * SQL receives the same answers as parameters, so the dry run, the snapshot and these functions
 * cannot disagree.
 *
 * Evaluation: among the rules in force at the moment asked about (`from` ≤ at < `until`) that
 * match the scope, the country (or region) and the category, the LAST in the list decides.
 * Without one:
 * - a business country may send every category but MARKETING (marketing availability was granted
 *   country by country before it was global: see the data);
 * - a recipient may receive everything.
 */

/** What a message is, for the policy: a template category, or a session message (`SERVICE`). */
export type MessageCategory = TemplateCategory | 'SERVICE';

interface RuleBase {
  /** Stable, for explanations ("excluded by us-marketing-pause-2025-04-01"). */
  id: string;
  /** `'*'`: every category, session messages included. */
  categories: readonly MessageCategory[] | '*';
  allow: boolean;
  /** First day in force (YYYY-MM-DD, UTC), inclusive. */
  from: string;
  /** First day no longer in force (YYYY-MM-DD, UTC); absent: still in force. */
  until?: string;
  /** Where the rule comes from: Meta's page, or the operator's reason for an override. */
  source: string;
}

export type PolicyRule =
  | (RuleBase & { scope: 'business_country' | 'recipient_country'; countries: readonly string[] | '*' })
  | (RuleBase & { scope: 'recipient_region'; regions: readonly string[] });

export interface CountryPolicy {
  /** Recorded with every decision made under this policy. */
  version: string;
  rules: readonly PolicyRule[];
}

export interface PolicyAnswer {
  allow: boolean;
  /** The deciding rule; null when none applied (the default). */
  ruleId: string | null;
}

/** Whether a business whose Business Manager address is in `businessCountry` may send `category` at `at`. */
export function businessMaySend(policy: CountryPolicy, businessCountry: string, category: MessageCategory, at: Date): PolicyAnswer {
  const rule = decidingRule(policy, at, category, (r) => r.scope === 'business_country' && covers(r.countries, businessCountry));
  return rule ? { allow: rule.allow, ruleId: rule.id } : { allow: category !== 'MARKETING', ruleId: null };
}

/**
 * Whether a recipient whose number is `phone` (E.164) in `country` (libphonenumber's region for
 * it: `US` and `CA` are told apart by area code, not by `+1`) may receive `category` at `at`.
 */
export function recipientMayReceive(policy: CountryPolicy, phone: string, country: string | null, category: MessageCategory, at: Date): PolicyAnswer {
  const regions = regionsOf(phone);
  const rule = decidingRule(policy, at, category, (r) =>
    r.scope === 'recipient_country' ? country !== null && covers(r.countries, country) : r.scope === 'recipient_region' && r.regions.some((g) => regions.includes(g)),
  );
  return rule ? { allow: rule.allow, ruleId: rule.id } : { allow: true, ruleId: null };
}

/** The restricted regions whose numbering ranges hold `phone` (E.164). */
export function regionsOf(phone: string): string[] {
  return Object.keys(RESTRICTED_REGIONS).filter((region) => RESTRICTED_REGIONS[region].some((prefix) => phone.startsWith(prefix)));
}

/**
 * The recipients a category may not reach at `at`, in the form the eligibility SQL takes: the
 * countries, and the E.164 prefixes of the regions, whose deciding rule refuses. A country or
 * region refused by one rule and allowed again by a later one is not listed.
 */
export function restrictedRecipients(policy: CountryPolicy, category: MessageCategory, at: Date): { countries: string[]; prefixes: string[] } {
  const countries = new Set<string>();
  for (const rule of policy.rules) if (rule.scope === 'recipient_country' && rule.countries !== '*') rule.countries.forEach((c) => countries.add(c));
  const prefixes: string[] = [];
  for (const [region, ranges] of Object.entries(RESTRICTED_REGIONS)) {
    const rule = decidingRule(policy, at, category, (r) => r.scope === 'recipient_region' && r.regions.includes(region));
    if (rule && !rule.allow) prefixes.push(...ranges);
  }
  const refused = [...countries].filter((c) => !recipientMayReceive(policy, '', c, category, at).allow);
  const everyCountry = decidingRule(policy, at, category, (r) => r.scope === 'recipient_country' && r.countries === '*');
  if (everyCountry && !everyCountry.allow) throw new Error(`rule ${everyCountry.id} refuses every recipient country: not expressible as a list`);
  return { countries: refused.sort(), prefixes };
}

function decidingRule(policy: CountryPolicy, at: Date, category: MessageCategory, matches: (rule: PolicyRule) => boolean): PolicyRule | undefined {
  const day = at.toISOString().slice(0, 10);
  let deciding: PolicyRule | undefined;
  for (const rule of policy.rules) {
    if (rule.from > day || (rule.until !== undefined && rule.until <= day)) continue;
    if (rule.categories !== '*' && !rule.categories.includes(category)) continue;
    if (matches(rule)) deciding = rule;
  }
  return deciding;
}

function covers(countries: readonly string[] | '*', country: string): boolean {
  return countries === '*' || countries.includes(country);
}
