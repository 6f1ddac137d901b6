import { normalisePhone } from './phone';

describe('normalisePhone', () => {
  it.each([
    ['0812-3456-7890', 'ID', '+6281234567890', 'ID'],
    ['+62 812 3456 7890', undefined, '+6281234567890', 'ID'],
    ['+62 812 3456 7890', 'MY', '+6281234567890', 'ID'],
    ['6281234567890', 'ID', '+6281234567890', 'ID'],
    ['0062 812 3456 7890', 'ID', '+6281234567890', 'ID'],
    ['0062 812 3456 7890', undefined, '+6281234567890', 'ID'],
    ['(0812) 3456-7890', 'ID', '+6281234567890', 'ID'],
    ['812 3456 7890', 'ID', '+6281234567890', 'ID'],
    ['  +34 612 34 56 78 ', 'ID', '+34612345678', 'ES'],
    ['+1 202 555 0143', undefined, '+12025550143', 'US'],
    ['6591234567', 'SG', '+6591234567', 'SG'],
    ['(021) 555-1234', 'ID', '+62215551234', 'ID'],
    ['+800 1234 5678', undefined, '+80012345678', null],
    // a spreadsheet's text mark, and the one our CSV files put before a cell starting with +
    ["'+62 812 3456 7890", undefined, '+6281234567890', 'ID'],
    ["''0812-3456-7890", 'ID', '+6281234567890', 'ID'],
    // a numeric cell written by a spreadsheet with one zero decimal: the digits are exact
    ['6281234400013.0', 'ID', '+6281234400013', 'ID'],
    ['6281234400013,0', 'ID', '+6281234400013', 'ID'],
    ['81234400011', 'ID', '+6281234400011', 'ID'],
    ['6281234400013.00', 'ID', '+6281234400013', 'ID'],
    // Mexico's mobile form before 2019 (+52 1 …), WhatsApp's wa_id form: the same line as +52 …
    ['+52 1 55 1234 5678', undefined, '+525512345678', 'MX'],
    ['+5215512345678', 'ID', '+525512345678', 'MX'],
    ['00 52 1 55 1234 5678', 'ID', '+525512345678', 'MX'],
    ['5215512345678', 'MX', '+525512345678', 'MX'],
    ['+52 55 1234 5678', undefined, '+525512345678', 'MX'],
    // Brazil's mobile before the ninth digit (WhatsApp's wa_id form of older accounts): the same line with its 9
    ['+55 21 8765-0003', undefined, '+5521987650003', 'BR'],
    ['+552187650003', 'ID', '+5521987650003', 'BR'],
    ['552187650003', 'BR', '+5521987650003', 'BR'],
    ['+55 21 98765-0003', undefined, '+5521987650003', 'BR'],
    // a landline (8 digits starting 2 – 5) stays a landline
    ['+55 21 3456-7890', undefined, '+552134567890', 'BR'],
  ])('%s with default %s is %s', (raw, country, e164, resolved) => {
    expect(normalisePhone(raw, country as never)).toEqual({ ok: true, e164, country: resolved });
  });

  it.each([
    ['', 'ID', 'phone_missing'],
    ['   ', 'ID', 'phone_missing'],
    [null, 'ID', 'phone_missing'],
    ['abc', 'ID', 'phone_not_a_number'],
    ["'", 'ID', 'phone_missing'],
    ['not a phone', undefined, 'phone_not_a_number'],
    ['0812-3456-7890', undefined, 'phone_country_unknown'],
    ['12345', 'ID', 'phone_too_short'],
    ['0812345678901234567', 'ID', 'phone_too_long'],
    ['+62 000 0000', undefined, 'phone_invalid'],
    ['+1 555 555 0143', undefined, 'phone_invalid'],
    ['+999 1234567', undefined, 'phone_country_unknown'],
    ['+62 812-3456-7890 ext. 12', undefined, 'phone_has_extension'],
    // a spreadsheet's number: never another valid number
    ['6.28123E+12', 'ID', 'phone_digits_lost'],
    ['6,28123E+12', 'ID', 'phone_digits_lost'],
    ['6.28123e12', undefined, 'phone_digits_lost'],
    ['6281234400013.5', 'ID', 'phone_has_decimal_point'],
    ['0812.3456.7890', 'ID', 'phone_has_decimal_point'],
    ['628123440001,3', 'ID', 'phone_has_decimal_point'],
    // 521… without + is not read as Mexican under another default country
    ['5215512345678', 'ID', 'phone_invalid'],
  ])('rejects %s (default %s) as %s', (raw, country, reason) => {
    const result = normalisePhone(raw as string, country as never);
    expect(result).toMatchObject({ ok: false, reason });
  });

  it('explains a rejection in words', () => {
    const result = normalisePhone('12345', 'ID' as never);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/too short/);
  });
});
