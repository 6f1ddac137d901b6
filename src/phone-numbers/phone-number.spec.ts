import { MESSAGING_LIMITS, messagingLimitOf, messagingLimitPeople, throughputMpsOf } from './phone-number';

describe('messagingLimitPeople', () => {
  it.each([
    ['TIER_250', 250],
    ['TIER_2K', 2000],
    ['TIER_10K', 10_000],
    ['TIER_100K', 100_000],
    ['TIER_UNLIMITED', null],
  ] as const)('%s lets the portfolio reach %p people outside a window in 24 hours', (tier, people) => {
    expect(messagingLimitPeople(tier)).toBe(people);
  });

  it('knows every tier the table holds', () => {
    expect(MESSAGING_LIMITS.map((tier) => messagingLimitPeople(tier))).toEqual([250, 2000, 10_000, 100_000, null]);
  });
});

describe('messagingLimitOf', () => {
  it.each([
    ['TIER_2K', 'TIER_2K'],
    ['TIER_UNLIMITED', 'TIER_UNLIMITED'],
    [250, 'TIER_250'],
    [2000, 'TIER_2K'],
    ['10000', 'TIER_10K'],
    [' 100000 ', 'TIER_100K'],
    [-1, 'TIER_UNLIMITED'],
    ['-1', 'TIER_UNLIMITED'],
  ])('reads %p as %s', (given, tier) => {
    expect(messagingLimitOf(given)).toBe(tier);
  });

  it.each([['TIER_50'], ['TIER_1K'], ['TIER_NOT_SET'], ['tier_2k'], [1000], [50], [0], ['2K'], [null], [undefined], [{}], [2000.5]])(
    'holds no tier for %p (not one the phone_numbers table takes)',
    (given) => {
      expect(messagingLimitOf(given)).toBeUndefined();
    },
  );
});

describe('throughputMpsOf', () => {
  it('STANDARD is 80 messages per second and HIGH 1,000; any other level is unknown', () => {
    expect(throughputMpsOf('STANDARD')).toBe(80);
    expect(throughputMpsOf('HIGH')).toBe(1000);
    for (const level of ['NOT_APPLICABLE', 'standard', '', undefined, 'toString', 'constructor']) expect(throughputMpsOf(level)).toBeUndefined();
  });
});
