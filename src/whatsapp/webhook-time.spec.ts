import { EARLIEST_MS, FUTURE_SKEW_MS, webhookTime } from './webhook-time';

describe('webhookTime', () => {
  const received = new Date('2026-11-30T10:00:00Z');
  const seconds = received.getTime() / 1000;

  it('takes whole Unix seconds, as digits or a number, up to the receipt time', () => {
    expect(webhookTime(String(seconds - 60), received)).toEqual({ at: new Date(received.getTime() - 60_000), trusted: true });
    expect(webhookTime(seconds - 3600, received)).toEqual({ at: new Date(received.getTime() - 3_600_000), trusted: true });
    // Days or weeks old (Meta retries for 7 days; a replayed delivery is older still): believed.
    expect(webhookTime('1750260000', received)).toEqual({ at: new Date(1_750_260_000_000), trusted: true });
  });

  it('a time a little after receipt (WhatsApp’s clock ahead of ours) is kept: it orders the items of a person', () => {
    expect(webhookTime(String(seconds + 60), received)).toEqual({ at: new Date(received.getTime() + 60_000), trusted: true });
    expect(webhookTime(String(seconds + FUTURE_SKEW_MS / 1000), received)).toEqual({ at: new Date(received.getTime() + FUTURE_SKEW_MS), trusted: true });
  });

  it.each([
    ['abc', 'timestamp_unreadable'],
    ['', 'timestamp_unreadable'],
    [undefined, 'timestamp_unreadable'],
    [null, 'timestamp_unreadable'],
    ['1e308', 'timestamp_unreadable'],
    ['1780000000.5', 'timestamp_unreadable'],
    ['-5', 'timestamp_unreadable'],
    [1e30, 'timestamp_unreadable'],
    [{}, 'timestamp_unreadable'],
    [String(seconds + FUTURE_SKEW_MS / 1000 + 1), 'timestamp_in_future'],
    ['4102444800', 'timestamp_in_future'],
    ['5', 'timestamp_before_whatsapp'],
    [String(EARLIEST_MS / 1000 - 1), 'timestamp_before_whatsapp'],
  ])('%j is not trusted (%s): the receipt time, no window', (timestamp, code) => {
    const time = webhookTime(timestamp, received);
    expect(time).toMatchObject({ at: received, trusted: false, problem: { code } });
  });
});
