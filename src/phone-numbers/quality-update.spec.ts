import { qualityAfter, readQualityUpdate } from './quality-update';

describe('readQualityUpdate', () => {
  it('reads the old shape: current_limit (the number’s tier), with old_limit', () => {
    expect(readQualityUpdate({ display_phone_number: '16505551111', event: 'DOWNGRADE', current_limit: 'TIER_2K', old_limit: 'TIER_10K' })).toEqual({
      displayDigits: '16505551111',
      event: 'DOWNGRADE',
      messagingLimit: 'TIER_2K',
    });
  });

  it('reads the new shape: max_daily_conversations_per_business (the portfolio’s tier), which wins over current_limit', () => {
    expect(readQualityUpdate({ display_phone_number: '15550783881', event: 'UPGRADE', max_daily_conversations_per_business: 'TIER_100K' })).toMatchObject({
      messagingLimit: 'TIER_100K',
    });
    expect(
      readQualityUpdate({ display_phone_number: '15550783881', event: 'UPGRADE', current_limit: 'TIER_10K', max_daily_conversations_per_business: 'TIER_100K' }),
    ).toMatchObject({ messagingLimit: 'TIER_100K' });
  });

  it('reads a limit given as a number of people, and messaging_limit_tier', () => {
    expect(readQualityUpdate({ display_phone_number: '1', event: 'ONBOARDING', max_daily_conversation_per_phone: 2000 })?.messagingLimit).toBe('TIER_2K');
    expect(readQualityUpdate({ display_phone_number: '1', event: 'UPGRADE', max_daily_conversations_per_business: -1 })?.messagingLimit).toBe('TIER_UNLIMITED');
    expect(readQualityUpdate({ display_phone_number: '1', event: 'UPGRADE', messaging_limit_tier: 'TIER_10K' })?.messagingLimit).toBe('TIER_10K');
  });

  it('keeps a limit Siaran cannot hold aside, without guessing a tier', () => {
    const update = readQualityUpdate({ display_phone_number: '1', event: 'DOWNGRADE', current_limit: 'TIER_50' });
    expect(update).toEqual({ displayDigits: '1', event: 'DOWNGRADE', unreadLimit: 'TIER_50' });
  });

  it('THROUGHPUT_UPGRADE is 1,000 mps; FLAGGED and UNFLAGGED speak of quality; the event in any case', () => {
    expect(readQualityUpdate({ display_phone_number: '15550783881', event: 'THROUGHPUT_UPGRADE', current_limit: 'TIER_UNLIMITED' })).toEqual({
      displayDigits: '15550783881',
      event: 'THROUGHPUT_UPGRADE',
      messagingLimit: 'TIER_UNLIMITED',
      throughputMps: 1000,
    });
    expect(readQualityUpdate({ display_phone_number: '1', event: 'flagged' })).toEqual({ displayDigits: '1', event: 'FLAGGED', quality: 'flagged' });
    expect(readQualityUpdate({ display_phone_number: '1', event: 'UNFLAGGED' })?.quality).toBe('unflagged');
    expect(readQualityUpdate({ display_phone_number: '1', event: 'UPGRADE' })?.quality).toBeUndefined();
  });

  it('names the number by the digits of its display number, in whatever form it comes', () => {
    expect(readQualityUpdate({ display_phone_number: '+62 21-5000 0001', event: 'UPGRADE' })?.displayDigits).toBe('622150000001');
    expect(readQualityUpdate({ display_phone_number: 622150000001, event: 'UPGRADE' })?.displayDigits).toBe('622150000001');
  });

  it('reads nothing from a value that names no number', () => {
    for (const value of [null, 'x', 7, {}, { event: 'UPGRADE' }, { display_phone_number: '', event: 'UPGRADE' }, { display_phone_number: 'n/a' }, { display_phone_number: {} }]) {
      expect(readQualityUpdate(value)).toBeUndefined();
    }
  });
});

describe('qualityAfter', () => {
  it.each([
    [null, 'flagged', 'RED'],
    ['GREEN', 'flagged', 'RED'],
    ['RED', 'unflagged', null],
    ['YELLOW', 'unflagged', 'YELLOW'],
    [null, 'unflagged', null],
    ['YELLOW', undefined, 'YELLOW'],
    ['RED', undefined, 'RED'],
  ] as const)('%p after %p is %p', (current, quality, after) => {
    expect(qualityAfter(current, { quality })).toBe(after);
  });
});
