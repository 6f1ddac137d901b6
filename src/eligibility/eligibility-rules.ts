import type { ConcreteScope, ConsentStatus } from '../contacts/consent';
import type { TemplateCategory } from '../whatsapp/cloud-api.types';
import { CountryPolicy, MessageCategory, recipientMayReceive } from './country-policy';

/**
 * Who may receive a campaign's message, one recipient at a time (issue 11, section 3). These are
 * the rules; the eligibility SQL applies the same ones to a whole audience in one statement and is
 * tested to agree with them on the same contacts.
 *
 * The rules are applied in a fixed order and the first that fails is the recipient's reason:
 *
 * 1. `recipient_country_restricted`: the country policy refuses this category to the recipient's
 *    country or numbering range (sanctioned places; marketing to US numbers since 2025-04-01).
 * 2. `opted_out`: the latest consent event for the message's scope is an opt-out.
 * 3. `no_opt_in`: no opt-in for the scope. MARKETING needs marketing consent; UTILITY and
 *    AUTHENTICATION need utility consent (an opt-in of scope `all` set both: consent.ts).
 * 4. `window_closed`: a session message, no open 24-hour customer service window with this sender,
 *    and no fallback template.
 * 5. `frequency_capped`: a marketing message to someone who already received the configured
 *    number of marketing messages in the period.
 * 6. `render_problem`: the binding needs a value this contact lacks.
 *
 * A recipient who passes every rule is `eligible`; the messaging limit (`applyMessagingLimit`) may
 * then defer some of them. Opt-out is checked before opt-in so that a person who said no reads
 * "opted out", never "no opt-in".
 */

export const EXCLUSION_REASONS = [
  'recipient_country_restricted',
  'opted_out',
  'no_opt_in',
  'window_closed',
  'frequency_capped',
  'render_problem',
] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];
export const DEFERRAL_REASONS = ['messaging_limit'] as const;
export type DeferralReason = (typeof DEFERRAL_REASONS)[number];

export type Decision =
  | { decision: 'eligible'; sends: 'template' | 'session' | 'fallback' }
  | { decision: 'excluded'; reason: ExclusionReason }
  | { decision: 'deferred'; reason: DeferralReason; sends: 'template' | 'fallback' };

/** What the campaign sends. A session campaign names the consent scope its content needs. */
export type CampaignMessage =
  | { kind: 'template'; category: TemplateCategory }
  | { kind: 'session'; scope: ConcreteScope; fallbackCategory: TemplateCategory | null };

export interface CampaignRules {
  policy: CountryPolicy;
  /** When the decision is made: the policy rules in force then apply. */
  at: Date;
  message: CampaignMessage;
  /** Marketing messages a person may receive per period; null: no cap. */
  marketingCap: number | null;
}

/** What is known of one recipient when the campaign is launched (or dry-run). */
export interface RecipientFacts {
  /** E.164. */
  phone: string;
  /** libphonenumber's region for the phone. */
  country: string | null;
  consent: Record<ConcreteScope, ConsentStatus | null>;
  /** An open customer service window with the campaign's sender. */
  windowOpen: boolean;
  /** Marketing messages this person received in the cap's period. */
  marketingReceived: number;
  /** The binding of the message that would go (the session's, else the fallback's or the template's) needs a value the contact lacks. */
  missingValues: { main: boolean; fallback: boolean };
}

/** The consent scope a template category needs. */
export function scopeOf(category: TemplateCategory): ConcreteScope {
  return category === 'MARKETING' ? 'marketing' : 'utility';
}

/** The decision for one recipient, before the messaging limit. */
export function decideRecipient(facts: RecipientFacts, rules: CampaignRules): Decision {
  const { message } = rules;
  // Which message this person would get: a session message needs an open window; otherwise the
  // fallback template, when there is one.
  let sends: 'template' | 'session' | 'fallback';
  let category: MessageCategory;
  let scope: ConcreteScope;
  if (message.kind === 'template') {
    sends = 'template';
    category = message.category;
    scope = scopeOf(message.category);
  } else if (facts.windowOpen || message.fallbackCategory === null) {
    sends = 'session';
    category = 'SERVICE';
    scope = message.scope;
  } else {
    sends = 'fallback';
    category = message.fallbackCategory;
    scope = scopeOf(message.fallbackCategory);
  }

  if (!recipientMayReceive(rules.policy, facts.phone, facts.country, category, rules.at).allow) return excluded('recipient_country_restricted');
  if (facts.consent[scope] === 'opted_out') return excluded('opted_out');
  if (facts.consent[scope] !== 'opted_in') return excluded('no_opt_in');
  if (sends === 'session' && !facts.windowOpen) return excluded('window_closed');
  const marketing = category === 'MARKETING' || (category === 'SERVICE' && scope === 'marketing');
  if (marketing && rules.marketingCap !== null && facts.marketingReceived >= rules.marketingCap) return excluded('frequency_capped');
  if (sends === 'fallback' ? facts.missingValues.fallback : facts.missingValues.main) return excluded('render_problem');
  return { decision: 'eligible', sends };
}

/**
 * The messaging limit: unique people reached outside an open window per moving 24 hours, per
 * business portfolio (WHATSAPP.md, Limits). `budget` is how many more people the portfolio may
 * reach now. Eligible recipients who would be reached outside a window (template and fallback
 * sends) use it up in the order given (the snapshot's: contact id), except those already reached
 * in the last 24 hours (`counted`: they are among the unique people already); those beyond it are
 * deferred with `messaging_limit`, to be released by the dispatcher as the 24 hours move. Session
 * sends (inside a window) never count.
 */
export function applyMessagingLimit(recipients: ReadonlyArray<{ decision: Decision; counted: boolean }>, budget: number): Decision[] {
  let left = Math.max(0, budget);
  return recipients.map(({ decision: d, counted }) => {
    if (d.decision !== 'eligible' || d.sends === 'session' || counted) return d;
    if (left > 0) {
      left--;
      return d;
    }
    return { decision: 'deferred', reason: 'messaging_limit', sends: d.sends };
  });
}

function excluded(reason: ExclusionReason): Decision {
  return { decision: 'excluded', reason };
}
