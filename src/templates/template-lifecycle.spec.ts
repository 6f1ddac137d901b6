import { approvedEditAllowance } from './template-lifecycle';

describe("approvedEditAllowance: Meta's limits on editing an APPROVED template", () => {
  const now = new Date('2026-06-30T12:00:00Z');
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
  const daysAgo = (d: number) => hoursAgo(d * 24);

  it('allows a first edit, and one a day later', () => {
    expect(approvedEditAllowance([], now)).toEqual({ ok: true });
    expect(approvedEditAllowance([hoursAgo(24)], now)).toEqual({ ok: true });
  });

  it('refuses a second edit within 24 hours, saying when the next one is possible', () => {
    const refused = approvedEditAllowance([hoursAgo(23)], now);
    expect(refused).toMatchObject({ ok: false, limit: '24h', nextAt: new Date(hoursAgo(23).getTime() + 86_400_000) });
  });

  it('refuses an 11th edit within 30 days, and allows it once the oldest leaves the window', () => {
    const ten = Array.from({ length: 10 }, (_, i) => daysAgo(29 - i * 2.5));
    expect(approvedEditAllowance(ten, now)).toMatchObject({ ok: false, limit: '30d', nextAt: new Date(daysAgo(29).getTime() + 30 * 86_400_000) });
    expect(approvedEditAllowance(ten.slice(1), now)).toEqual({ ok: true });
    expect(approvedEditAllowance([daysAgo(31), ...ten.slice(1)], now)).toEqual({ ok: true });
  });
});
