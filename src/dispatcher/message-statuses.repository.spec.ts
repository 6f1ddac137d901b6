import { furthestPerMessage, type RecordedStatus } from './message-statuses.repository';

const status = (wamid: string, s: string, extra: Partial<RecordedStatus> = {}): RecordedStatus => ({
  wamid,
  status: s,
  occurredAt: new Date(`2026-11-30T10:00:0${['sent', 'delivered', 'read', 'failed', 'deleted'].indexOf(s)}Z`),
  callbackData: null,
  errorCode: null,
  deliveryId: '1',
  recipient: null,
  phoneNumberId: '1',
  errors: null,
  pricing: null,
  ...extra,
});

describe('furthestPerMessage', () => {
  it('one row per message, the furthest status, sorted by wamid (one lock order for every batch)', () => {
    const rows = furthestPerMessage([
      status('wamid.c', 'read'),
      status('wamid.a', 'sent', { recipient: '6281', callbackData: 'siaran:1:x:1', pricing: { category: 'utility' } }),
      status('wamid.c', 'sent', { recipient: '6283' }),
      status('wamid.a', 'delivered', { pricing: { category: 'marketing' } }),
      status('wamid.b', 'failed', { errorCode: 131026 }),
      status('wamid.b', 'read'),
      status('wamid.d', 'deleted'),
    ]);
    expect(rows.map((r) => [r.wamid, r.status, r.errorCode])).toEqual([
      ['wamid.a', 'delivered', null],
      ['wamid.b', 'failed', 131026],
      ['wamid.c', 'read', null],
    ]);
    // What any status tells about the message: from the first that has it, in rank order.
    expect(rows[0]).toMatchObject({ recipient: '6281', callbackData: 'siaran:1:x:1', pricing: { category: 'utility' }, occurredAt: new Date('2026-11-30T10:00:01Z') });
    expect(rows[2]).toMatchObject({ recipient: '6283' });
  });
});
