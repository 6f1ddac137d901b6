import { BASE_POLICY_RULES, BASE_POLICY_VERSION } from './country-policy.data';
import { applyMessagingLimit, CampaignMessage, CampaignRules, Decision, decideRecipient, RecipientFacts } from './eligibility-rules';

const policy = { version: BASE_POLICY_VERSION, rules: BASE_POLICY_RULES };
const today = new Date('2026-11-30T10:00:00Z');

const person = (over: Partial<RecipientFacts> = {}): RecipientFacts => ({
  phone: '+6281234567890',
  country: 'ID',
  consent: { marketing: 'opted_in', utility: 'opted_in' },
  windowOpen: false,
  marketingReceived: 0,
  missingValues: { main: false, fallback: false },
  ...over,
});
const rules = (message: CampaignMessage, marketingCap: number | null = null): CampaignRules => ({ policy, at: today, message, marketingCap });

const MARKETING: CampaignMessage = { kind: 'template', category: 'MARKETING' };
const UTILITY: CampaignMessage = { kind: 'template', category: 'UTILITY' };
const AUTH: CampaignMessage = { kind: 'template', category: 'AUTHENTICATION' };
const SESSION: CampaignMessage = { kind: 'session', scope: 'utility', fallbackCategory: null };
const SESSION_WITH_FALLBACK: CampaignMessage = { kind: 'session', scope: 'marketing', fallbackCategory: 'MARKETING' };

describe('decideRecipient: one rule at a time, the first failing one is the reason', () => {
  it.each<[string, RecipientFacts, CampaignRules, Decision]>([
    ['opted in to marketing, marketing template', person(), rules(MARKETING), { decision: 'eligible', sends: 'template' }],
    // Consent scope follows the category.
    ['marketing template, only utility consent', person({ consent: { marketing: null, utility: 'opted_in' } }), rules(MARKETING), { decision: 'excluded', reason: 'no_opt_in' }],
    ['utility template, only marketing consent', person({ consent: { marketing: 'opted_in', utility: null } }), rules(UTILITY), { decision: 'excluded', reason: 'no_opt_in' }],
    ['authentication needs utility consent', person({ consent: { marketing: 'opted_in', utility: null } }), rules(AUTH), { decision: 'excluded', reason: 'no_opt_in' }],
    ['utility template, utility consent', person({ consent: { marketing: 'opted_out', utility: 'opted_in' } }), rules(UTILITY), { decision: 'eligible', sends: 'template' }],
    // An opt-out reads as opted_out, never no_opt_in.
    ['opted out of marketing', person({ consent: { marketing: 'opted_out', utility: 'opted_in' } }), rules(MARKETING), { decision: 'excluded', reason: 'opted_out' }],
    ['no consent at all', person({ consent: { marketing: null, utility: null } }), rules(MARKETING), { decision: 'excluded', reason: 'no_opt_in' }],
    // Country restrictions come first, even for someone who opted out.
    ['US number, marketing', person({ phone: '+12025550123', country: 'US', consent: { marketing: 'opted_out', utility: null } }), rules(MARKETING), { decision: 'excluded', reason: 'recipient_country_restricted' }],
    ['US number, utility', person({ phone: '+12025550123', country: 'US' }), rules(UTILITY), { decision: 'eligible', sends: 'template' }],
    ['Canadian number, marketing', person({ phone: '+14165550123', country: 'CA' }), rules(MARKETING), { decision: 'eligible', sends: 'template' }],
    ['Crimean number, utility', person({ phone: '+79781234567', country: 'RU' }), rules(UTILITY), { decision: 'excluded', reason: 'recipient_country_restricted' }],
    ['Iranian number, session', person({ phone: '+989121234567', country: 'IR', windowOpen: true }), rules(SESSION), { decision: 'excluded', reason: 'recipient_country_restricted' }],
    // Session messages: only inside the window, unless a fallback template goes instead.
    ['session, window open', person({ windowOpen: true }), rules(SESSION), { decision: 'eligible', sends: 'session' }],
    ['session, window closed, no fallback', person(), rules(SESSION), { decision: 'excluded', reason: 'window_closed' }],
    ['session, window closed, fallback', person(), rules(SESSION_WITH_FALLBACK), { decision: 'eligible', sends: 'fallback' }],
    ['session, window closed, fallback to a US number', person({ phone: '+12025550123', country: 'US' }), rules(SESSION_WITH_FALLBACK), { decision: 'excluded', reason: 'recipient_country_restricted' }],
    ['session (marketing scope), window open, US number', person({ phone: '+12025550123', country: 'US', windowOpen: true }), rules(SESSION_WITH_FALLBACK), { decision: 'eligible', sends: 'session' }],
    ['session without the scope\'s consent', person({ windowOpen: true, consent: { marketing: 'opted_in', utility: null } }), rules(SESSION), { decision: 'excluded', reason: 'no_opt_in' }],
    // Frequency cap: marketing only.
    ['marketing, at the cap', person({ marketingReceived: 2 }), rules(MARKETING, 2), { decision: 'excluded', reason: 'frequency_capped' }],
    ['marketing, under the cap', person({ marketingReceived: 1 }), rules(MARKETING, 2), { decision: 'eligible', sends: 'template' }],
    ['utility, over the marketing cap', person({ marketingReceived: 5 }), rules(UTILITY, 2), { decision: 'eligible', sends: 'template' }],
    ['marketing session, at the cap', person({ windowOpen: true, marketingReceived: 2 }), rules(SESSION_WITH_FALLBACK, 2), { decision: 'excluded', reason: 'frequency_capped' }],
    // Render problems of the message that would go.
    ['template needs a missing value', person({ missingValues: { main: true, fallback: false } }), rules(MARKETING), { decision: 'excluded', reason: 'render_problem' }],
    ['fallback needs a missing value', person({ missingValues: { main: false, fallback: true } }), rules(SESSION_WITH_FALLBACK), { decision: 'excluded', reason: 'render_problem' }],
    ['session renders, fallback would not (window open)', person({ windowOpen: true, missingValues: { main: false, fallback: true } }), rules(SESSION_WITH_FALLBACK), { decision: 'eligible', sends: 'session' }],
    // Consent outranks rendering.
    ['opted out and a render problem', person({ consent: { marketing: 'opted_out', utility: null }, missingValues: { main: true, fallback: true } }), rules(MARKETING), { decision: 'excluded', reason: 'opted_out' }],
  ])('%s', (_, facts, campaign, expected) => {
    expect(decideRecipient(facts, campaign)).toEqual(expected);
  });

  it('follows the policy in force at the decision: marketing to US numbers before 2025-04-01', () => {
    const before = { ...rules(MARKETING), at: new Date('2025-03-31T23:00:00Z') };
    expect(decideRecipient(person({ phone: '+12025550123', country: 'US' }), before)).toEqual({ decision: 'eligible', sends: 'template' });
  });
});

describe('applyMessagingLimit', () => {
  const eligible = (sends: 'template' | 'session' | 'fallback'): Decision => ({ decision: 'eligible', sends });

  it('defers the eligible recipients beyond the budget, in order; session sends and people already counted use none of it', () => {
    const decided = applyMessagingLimit(
      [
        { decision: eligible('template'), counted: false },
        { decision: eligible('session'), counted: false },
        { decision: { decision: 'excluded', reason: 'no_opt_in' }, counted: false },
        { decision: eligible('template'), counted: true },
        { decision: eligible('fallback'), counted: false },
        { decision: eligible('template'), counted: false },
      ],
      2,
    );
    expect(decided).toEqual([
      eligible('template'),
      eligible('session'),
      { decision: 'excluded', reason: 'no_opt_in' },
      eligible('template'),
      eligible('fallback'),
      { decision: 'deferred', reason: 'messaging_limit', sends: 'template' },
    ]);
  });

  it('a spent (or negative) budget defers every new person', () => {
    expect(applyMessagingLimit([{ decision: eligible('template'), counted: false }], -3)).toEqual([{ decision: 'deferred', reason: 'messaging_limit', sends: 'template' }]);
  });
});
