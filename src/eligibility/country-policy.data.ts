import type { PolicyRule } from './country-policy';

/**
 * WhatsApp's country rules as data, in the order they came into force (issue 11): marketing
 * (non-transactional) templates by the country of the business's Business Manager address, and the
 * places no message may reach. Each rule keeps its dates and its source; later rules override
 * earlier ones where both apply (country-policy.ts). Changing this list changes the policy version
 * (`BASE_POLICY_VERSION`): every eligibility decision records the version it used.
 *
 * Sources are ../shared/WHATSAPP.md ("Marketing availability over time", "Consent and policy",
 * "Limits"), which cites Meta's pages; dates before 2021 come from secondary sources, as it says.
 */
export const BASE_POLICY_VERSION = '2025-04-01.1';

export const BASE_POLICY_RULES: readonly PolicyRule[] = [
  {
    id: 'marketing-pilot-2020',
    scope: 'business_country',
    countries: ['ID', 'MX'],
    categories: ['MARKETING'],
    allow: true,
    from: '2020-10-01',
    source:
      'Late 2020: non-transactional templates tested with businesses whose Business Manager address is in Indonesia or Mexico (secondary sources; WHATSAPP.md)',
  },
  {
    id: 'marketing-expanded-test-2021',
    scope: 'business_country',
    countries: ['SG', 'MY', 'ZA', 'AE', 'RU', 'SA', 'IL', 'GB', 'NL', 'ES', 'IT', 'DE', 'NG', 'EG', 'BR', 'CO', 'JM', 'MX', 'ID', 'US'],
    categories: ['MARKETING'],
    allow: true,
    // The month is not documented: the secondary sources place the expanded test between the 2020
    // pilot and global availability; the start of 2021 is the earliest reading they support.
    from: '2021-01-01',
    source: 'Early 2021: the test expanded to these Business Manager countries (secondary sources; WHATSAPP.md)',
  },
  {
    id: 'marketing-global-2021-09-15',
    scope: 'business_country',
    countries: '*',
    categories: ['MARKETING'],
    allow: true,
    from: '2021-09-15',
    source: '15 September 2021: marketing templates available to businesses globally, opt-in still required (Meta; WHATSAPP.md)',
  },
  {
    id: 'sanctioned-businesses',
    scope: 'business_country',
    countries: ['CU', 'IR', 'KP', 'SY'],
    categories: '*',
    allow: false,
    from: '2014-01-01',
    source: 'The WhatsApp Business Platform is not available to businesses in Cuba, Iran, North Korea or Syria (WHATSAPP.md, Consent and policy)',
  },
  {
    id: 'sanctioned-recipients',
    scope: 'recipient_country',
    countries: ['CU', 'IR', 'KP', 'SY'],
    categories: '*',
    allow: false,
    from: '2014-01-01',
    source: 'No message to people in Cuba, Iran, North Korea or Syria (WHATSAPP.md, Consent and policy)',
  },
  {
    id: 'sanctioned-regions-ukraine',
    scope: 'recipient_region',
    regions: ['crimea', 'donetsk', 'luhansk'],
    categories: '*',
    allow: false,
    from: '2014-01-01',
    source:
      'No message to people in the Crimea, Donetsk and Luhansk regions of Ukraine, where the numbering range shows them (WHATSAPP.md, Consent and policy; ranges in RESTRICTED_REGIONS)',
  },
  {
    id: 'us-marketing-pause-2025-04-01',
    scope: 'recipient_country',
    countries: ['US'],
    categories: ['MARKETING'],
    allow: false,
    from: '2025-04-01',
    source:
      'From 1 April 2025 no marketing templates to recipients with US numbers (fails as 131049): by the number\'s region (US area codes), not the +1 prefix Canada and the Caribbean share (WHATSAPP.md, Limits)',
  },
];

/**
 * Numbering ranges that place a number in a restricted region, as E.164 prefixes (with `+`). A
 * region is known from the number only where its range is the region's own: the landline area
 * codes and the mobile ranges operated only there. A mobile number of a nationwide range says
 * nothing about where its owner lives, and is not listed.
 *
 * - Crimea: Ukrainian area codes 65 (Autonomous Republic of Crimea) and 69 (Sevastopol); Russian
 *   codes assigned after 2014: 365 and 869 (landlines), 978 (the peninsula's mobile operators).
 * - Donetsk: Ukrainian area code 62; mobile 71 (the operator that serves only the region); Russian
 *   code 949 assigned in 2023.
 * - Luhansk: Ukrainian area code 64; mobile 72 (same); Russian code 959 assigned in 2023.
 *
 * Source: the national numbering plans of Ukraine and Russia (area codes) and the ranges of the
 * operators named above, as widely published; Meta publishes no list of its own.
 */
export const RESTRICTED_REGIONS: Readonly<Record<string, readonly string[]>> = {
  crimea: ['+38065', '+38069', '+7365', '+7869', '+7978'],
  donetsk: ['+38062', '+38071', '+7949'],
  luhansk: ['+38064', '+38072', '+7959'],
};
