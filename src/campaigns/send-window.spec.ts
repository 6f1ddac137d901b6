import { canonicalTimeZone, inSendWindow } from './send-window';

describe('send windows', () => {
  const jakarta = (from: string, to: string) => ({ from, to, timeZone: 'Asia/Jakarta' });
  // 2026-03-01T01:30Z is 08:30 in Jakarta (UTC+7).
  const at = new Date('2026-03-01T01:30:00Z');

  it('reads the hours in the zone, from inclusive, to exclusive', () => {
    expect(inSendWindow(jakarta('08:00', '20:00'), at)).toBe(true);
    expect(inSendWindow(jakarta('08:30', '09:00'), at)).toBe(true);
    expect(inSendWindow(jakarta('07:00', '08:30'), at)).toBe(false);
    expect(inSendWindow({ from: '08:00', to: '20:00', timeZone: 'America/New_York' }, at)).toBe(false);
  });

  it('spans midnight when to is before from', () => {
    expect(inSendWindow(jakarta('22:00', '09:00'), at)).toBe(true);
    expect(inSendWindow(jakarta('22:00', '06:00'), at)).toBe(false);
  });

  it('always, without a window', () => {
    expect(inSendWindow(null, at)).toBe(true);
  });

  it('canonicalises a zone name', () => {
    expect(canonicalTimeZone('asia/jakarta')).toBe('Asia/Jakarta');
  });
});
