import { parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['15m', 900_000],
    ['90s', 90_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['250ms', 250],
    [' 10s ', 10_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '15', 'm', '1.5h', '-1m', '15 m', '15M', '1w', '10000000000s'])('refuses %p', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});
