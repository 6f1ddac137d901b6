import { classifyError, ErrorClass } from './error-policy';

describe('classifyError', () => {
  const table: Array<[ErrorClass, number[]]> = [
    ['transient', [1, 2, 4, 80007, 130429, 131000, 131016, 131057]],
    ['pair_rate', [131056]],
    ['per_user_cap', [131049]],
    ['stop', [131048, 368, 131031, 131042, 131064, 133010, 0, 190, 132015, 132016, 131063]],
    ['permanent_recipient', [131026, 131047, 131050, 130472, 130497, 131021, 131030, 137000]],
    ['request_bug', [100, 131008, 131009, 132000, 132001, 132005, 132007, 132008, 132012, 132018]],
  ];
  for (const [cls, codes] of table) {
    it.each(codes)(`code %i is ${cls}`, (code) => expect(classifyError(code, 400)).toBe(cls));
  }

  it('decides by code, not by HTTP status', () => {
    expect(classifyError(131026, 500)).toBe('permanent_recipient');
    expect(classifyError(130429, 400)).toBe('transient');
    expect(classifyError(132000, 500)).toBe('request_bug');
  });

  it('falls back on the HTTP status only without a known code', () => {
    expect(classifyError(undefined, 502)).toBe('transient');
    expect(classifyError(undefined, 429)).toBe('transient');
    expect(classifyError(undefined, 404)).toBe('request_bug');
    expect(classifyError(987654, 503)).toBe('transient');
    expect(classifyError(987654, 400)).toBe('request_bug');
  });
});
