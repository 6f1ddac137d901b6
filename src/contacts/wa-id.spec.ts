import { identityOfWaId, readWaId, waIdsOfPhone } from './wa-id';

describe('readWaId', () => {
  it('takes digits, with or without the + of Meta reference examples', () => {
    expect(readWaId('16505551234')).toBe('16505551234');
    expect(readWaId('+16505551234')).toBe('16505551234');
    expect(readWaId(' 6281234567890 ')).toBe('6281234567890');
  });

  it('refuses what is not a wa_id', () => {
    for (const bad of [undefined, null, 16505551234, '', '+', 'abc', '1650-555-1234', '12345', '1234567890123456', 'ID.1349120865530274', '0016505550006', '+06281234567']) {
      expect(readWaId(bad)).toBeUndefined();
    }
  });
});

describe('identityOfWaId', () => {
  it('Mexico: 521 + 10 digits is the +52 mobile, and both forms are looked up', () => {
    const id = identityOfWaId('5215512345678');
    expect(id.phone).toBe('+525512345678');
    expect(id.country).toBe('MX');
    expect(id.phones).toEqual(['+525512345678', '+5215512345678']);
    // The current form maps to itself.
    expect(identityOfWaId('525512345678')).toMatchObject({ phone: '+525512345678', country: 'MX' });
  });

  it('Brazil: a mobile without its ninth digit is stored with it; both forms are looked up', () => {
    const id = identityOfWaId('551187654321');
    expect(id.phone).toBe('+5511987654321');
    expect(id.country).toBe('BR');
    expect(id.phones).toEqual(['+5511987654321', '+551187654321']);
    // With the ninth digit: itself first, and the old 8-digit form too.
    expect(identityOfWaId('5511987654321').phones).toEqual(['+5511987654321', '+551187654321']);
  });

  it('Brazil: a landline (subscriber number 2-5) never gains a 9', () => {
    const id = identityOfWaId('551133334444');
    expect(id.phone).toBe('+551133334444');
    expect(id.phones).toEqual(['+551133334444']);
  });

  it('Argentina: 549 is the mobile form; the form without 9 is looked up too, both ways', () => {
    const mobile = identityOfWaId('5491123456789');
    expect(mobile.phone).toBe('+5491123456789');
    expect(mobile.country).toBe('AR');
    expect(mobile.phones).toEqual(['+5491123456789', '+541123456789']);
    const without = identityOfWaId('541123456789');
    expect(without.phone).toBe('+5491123456789');
    expect(without.phones).toContain('+541123456789');
  });

  it('elsewhere a wa_id is the phone', () => {
    expect(identityOfWaId('16505551234')).toEqual({ waId: '16505551234', phone: '+16505551234', country: 'US', phones: ['+16505551234'] });
    expect(identityOfWaId('6281234567890')).toMatchObject({ phone: '+6281234567890', country: 'ID', phones: ['+6281234567890'] });
  });

  it('keeps a wa_id our metadata does not know as + and its digits', () => {
    expect(identityOfWaId('999123456789')).toMatchObject({ phone: '+999123456789', country: null });
  });
});

describe('waIdsOfPhone', () => {
  it('gives the forms WhatsApp may answer a send to this phone with', () => {
    expect(waIdsOfPhone('+525512345678')).toEqual(['525512345678', '5215512345678']);
    expect(waIdsOfPhone('+5511987654321')).toEqual(['5511987654321', '551187654321']);
    expect(waIdsOfPhone('+5491123456789')).toEqual(['5491123456789', '541123456789']);
    expect(waIdsOfPhone('+541123456789')).toEqual(['541123456789', '5491123456789']);
    expect(waIdsOfPhone('+6281234567890')).toEqual(['6281234567890']);
  });

  it('is the inverse of identityOfWaId for each country form', () => {
    for (const waId of ['5215512345678', '551187654321', '5491123456789']) {
      const { phone } = identityOfWaId(waId);
      expect(waIdsOfPhone(phone)).toContain(waId);
    }
  });
});
