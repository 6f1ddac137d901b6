import { redactDeliveryBody } from './webhook-redaction';

const body = (value: Record<string, unknown>) => JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value }] }] });

describe('redactDeliveryBody', () => {
  const person = { wamids: new Set(['wamid.A']), senders: new Set(['6281']) };

  it("keeps only the ledger's fields of the person's messages and drops their profile; others stay as received", () => {
    const raw = body({
      contacts: [{ wa_id: '6281', profile: { name: 'Siti' } }, { wa_id: '6282', profile: { name: 'Budi' } }],
      messages: [
        { from: '6281', id: 'wamid.A', timestamp: '1', type: 'text', text: { body: 'secret' } },
        { from: '+6281', id: 'wamid.C', timestamp: '2', type: 'image', image: { caption: 'mine' } },
        { from: '6282', id: 'wamid.B', timestamp: '3', type: 'text', text: { body: 'other' } },
      ],
      statuses: [{ id: 'wamid.S', recipient_id: '6281', status: 'read' }],
    });
    const out = JSON.parse(redactDeliveryBody(raw, person)!);
    const value = out.entry[0].changes[0].value;
    expect(value.contacts).toEqual([{ wa_id: '6281' }, { wa_id: '6282', profile: { name: 'Budi' } }]);
    expect(value.messages).toEqual([
      { from: '6281', id: 'wamid.A', timestamp: '1', type: 'text', erased: true },
      { from: '+6281', id: 'wamid.C', timestamp: '2', type: 'image', erased: true },
      { from: '6282', id: 'wamid.B', timestamp: '3', type: 'text', text: { body: 'other' } },
    ]);
    expect(value.statuses).toEqual([{ id: 'wamid.S', recipient_id: '6281', status: 'read' }]);
    // Again: nothing left to change.
    expect(redactDeliveryBody(JSON.stringify(out), person)).toBeUndefined();
  });

  it('answers undefined for a body without the person, or that is not JSON', () => {
    expect(redactDeliveryBody(body({ messages: [{ from: '6282', id: 'wamid.B', type: 'text', text: { body: 'x' } }] }), person)).toBeUndefined();
    expect(redactDeliveryBody('not json', person)).toBeUndefined();
    expect(redactDeliveryBody('null', person)).toBeUndefined();
  });
});
