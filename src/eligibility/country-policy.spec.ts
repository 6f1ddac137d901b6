import { BASE_POLICY_RULES, BASE_POLICY_VERSION } from './country-policy.data';
import { businessMaySend, CountryPolicy, MessageCategory, recipientMayReceive, regionsOf, restrictedRecipients } from './country-policy';

const policy: CountryPolicy = { version: BASE_POLICY_VERSION, rules: BASE_POLICY_RULES };
const at = (day: string) => new Date(`${day}T12:00:00Z`);

describe('businessMaySend: marketing availability by Business Manager country, over time', () => {
  it.each<[string, MessageCategory, string, boolean, string | null]>([
    // The 2020 pilot: Indonesia and Mexico only.
    ['ID', 'MARKETING', '2020-11-01', true, 'marketing-pilot-2020'],
    ['MX', 'MARKETING', '2020-11-01', true, 'marketing-pilot-2020'],
    ['BR', 'MARKETING', '2020-11-01', false, null],
    ['ID', 'MARKETING', '2020-09-30', false, null],
    // The expanded test.
    ['BR', 'MARKETING', '2021-03-01', true, 'marketing-expanded-test-2021'],
    ['FR', 'MARKETING', '2021-03-01', false, null],
    // Global from 15 September 2021.
    ['FR', 'MARKETING', '2021-09-14', false, null],
    ['FR', 'MARKETING', '2021-09-15', true, 'marketing-global-2021-09-15'],
    ['ID', 'MARKETING', '2026-11-30', true, 'marketing-global-2021-09-15'],
    // Other categories need no grant.
    ['FR', 'UTILITY', '2020-01-01', true, null],
    ['FR', 'AUTHENTICATION', '2026-01-01', true, null],
    ['FR', 'SERVICE', '2026-01-01', true, null],
    // Sanctioned countries: never, whatever the category (a later global rule does not lift it).
    ['IR', 'MARKETING', '2026-11-30', false, 'sanctioned-businesses'],
    ['CU', 'UTILITY', '2026-11-30', false, 'sanctioned-businesses'],
    ['SY', 'SERVICE', '2026-11-30', false, 'sanctioned-businesses'],
  ])('%s %s on %s: %s', (country, category, day, allow, ruleId) => {
    expect(businessMaySend(policy, country, category, at(day))).toEqual({ allow, ruleId });
  });
});

describe('recipientMayReceive: restricted recipients', () => {
  it.each<[string, string | null, MessageCategory, string, boolean, string | null]>([
    // US marketing pause from 1 April 2025, by region, not by +1.
    ['+12025550123', 'US', 'MARKETING', '2025-04-01', false, 'us-marketing-pause-2025-04-01'],
    ['+12025550123', 'US', 'MARKETING', '2025-03-31', true, null],
    ['+12025550123', 'US', 'UTILITY', '2026-01-01', true, null],
    ['+14165550123', 'CA', 'MARKETING', '2026-01-01', true, null],
    ['+18765550123', 'JM', 'MARKETING', '2026-01-01', true, null],
    // Sanctioned countries: every message.
    ['+989121234567', 'IR', 'UTILITY', '2026-01-01', false, 'sanctioned-recipients'],
    ['+5351234567', 'CU', 'SERVICE', '2026-01-01', false, 'sanctioned-recipients'],
    // Regions, where the numbering range shows them.
    ['+79781234567', 'RU', 'UTILITY', '2026-01-01', false, 'sanctioned-regions-ukraine'],
    ['+380652123456', 'UA', 'MARKETING', '2026-01-01', false, 'sanctioned-regions-ukraine'],
    ['+79491234567', 'RU', 'SERVICE', '2026-01-01', false, 'sanctioned-regions-ukraine'],
    ['+380721234567', 'UA', 'UTILITY', '2026-01-01', false, 'sanctioned-regions-ukraine'],
    // Elsewhere in Ukraine and Russia: allowed.
    ['+380441234567', 'UA', 'MARKETING', '2026-01-01', true, null],
    ['+79161234567', 'RU', 'MARKETING', '2026-01-01', true, null],
    ['+6281234567890', 'ID', 'MARKETING', '2026-01-01', true, null],
    // A contact without a known country is judged by its number alone.
    ['+6281234567890', null, 'MARKETING', '2026-01-01', true, null],
  ])('%s (%s) %s on %s: %s', (phone, country, category, day, allow, ruleId) => {
    expect(recipientMayReceive(policy, phone, country, category, at(day))).toEqual({ allow, ruleId });
  });

  it('regionsOf reads only the restricted ranges', () => {
    expect(regionsOf('+79781234567')).toEqual(['crimea']);
    expect(regionsOf('+380621234567')).toEqual(['donetsk']);
    expect(regionsOf('+380501234567')).toEqual([]);
  });
});

describe('restrictedRecipients: the lists the eligibility SQL takes', () => {
  it('marketing today: sanctioned countries, the US and the three regions', () => {
    const { countries, prefixes } = restrictedRecipients(policy, 'MARKETING', at('2026-11-30'));
    expect(countries).toEqual(['CU', 'IR', 'KP', 'SY', 'US']);
    expect(prefixes).toEqual(expect.arrayContaining(['+7978', '+38065', '+38062', '+38064', '+7949', '+7959']));
  });

  it('utility: no US restriction', () => {
    expect(restrictedRecipients(policy, 'UTILITY', at('2026-11-30')).countries).toEqual(['CU', 'IR', 'KP', 'SY']);
  });

  it('an override that allows a country again removes it; a later refusal adds it', () => {
    const overridden: CountryPolicy = {
      version: 'test',
      rules: [
        ...BASE_POLICY_RULES,
        { id: 'override-1', scope: 'recipient_country', countries: ['US'], categories: ['MARKETING'], allow: true, from: '2026-01-01', source: 'test' },
        { id: 'override-2', scope: 'recipient_country', countries: ['BR'], categories: '*', allow: false, from: '2026-01-01', source: 'test' },
      ],
    };
    expect(restrictedRecipients(overridden, 'MARKETING', at('2026-11-30')).countries).toEqual(['BR', 'CU', 'IR', 'KP', 'SY']);
    // Before the overrides took effect, the base rules apply.
    expect(restrictedRecipients(overridden, 'MARKETING', at('2025-12-31')).countries).toEqual(['CU', 'IR', 'KP', 'SY', 'US']);
  });

  it('agrees with recipientMayReceive for every listed country and range', () => {
    for (const category of ['MARKETING', 'UTILITY', 'AUTHENTICATION', 'SERVICE'] as const) {
      const day = at('2026-11-30');
      const { countries, prefixes } = restrictedRecipients(policy, category, day);
      for (const c of countries) expect(recipientMayReceive(policy, '+0', c, category, day).allow).toBe(false);
      for (const p of prefixes) expect(recipientMayReceive(policy, `${p}1234567`, 'XX', category, day).allow).toBe(false);
    }
  });
});
