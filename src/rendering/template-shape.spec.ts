import type { TemplateDefinition } from '../whatsapp/cloud-api.types';
import { AUTH_CREATE, AUTH_LISTED, COUPON, LOCATION, MARKETING, UTILITY } from './template-examples';
import { templateParts, templateParameters, type SkippedComponent, type TemplateInput } from './template-shape';

describe('templateParameters', () => {
  it('lists a NAMED marketing template by name, in send order', () => {
    expect(templateParameters(MARKETING)).toEqual([
      { key: 'header.media', component: 'header', position: 1, kind: 'image', required: true },
      { key: 'body.first_name', component: 'body', position: 1, name: 'first_name', kind: 'text', maxLength: 1024 - 'Halo ! Diskon  di toko  sampai . Sampai jumpa, jangan lewatkan!'.length, required: true },
      { key: 'body.discount', component: 'body', position: 2, name: 'discount', kind: 'text', maxLength: 1024 - 'Halo ! Diskon  di toko  sampai . Sampai jumpa, jangan lewatkan!'.length, required: true },
      { key: 'body.city', component: 'body', position: 3, name: 'city', kind: 'text', maxLength: 1024 - 'Halo ! Diskon  di toko  sampai . Sampai jumpa, jangan lewatkan!'.length, required: true },
      { key: 'body.due', component: 'body', position: 4, name: 'due', kind: 'text', maxLength: 1024 - 'Halo ! Diskon  di toko  sampai . Sampai jumpa, jangan lewatkan!'.length, required: true },
      { key: 'button.0.payload', component: 'button', position: 1, buttonIndex: 0, kind: 'payload', required: false },
      { key: 'button.1.payload', component: 'button', position: 1, buttonIndex: 1, kind: 'payload', required: false },
      { key: 'button.2.1', component: 'button', position: 1, buttonIndex: 2, name: '1', kind: 'url', maxLength: 2000 - 'https://shop.example/p/'.length, required: true },
    ]);
  });

  it('lists a positional template by number, header first; static buttons have no parameter', () => {
    expect(templateParameters(UTILITY).map((s) => [s.key, s.position, s.maxLength])).toEqual([
      ['header.1', 1, 60 - 'Order '.length],
      ['body.1', 1, 1024 - 'Hi , your order of  ships on . Thank you!'.length],
      ['body.2', 2, 1024 - 'Hi , your order of  ships on . Thank you!'.length],
      ['body.3', 3, 1024 - 'Hi , your order of  ships on . Thank you!'.length],
    ]);
  });

  it('orders positional variables by number and counts a repeated one once', () => {
    const def: TemplateDefinition = {
      name: 'order_update',
      language: 'en_US',
      category: 'UTILITY',
      components: [{ type: 'BODY', text: 'Hi {{1}}, {{2}} and again {{1}}.', example: { body_text: [['Ana', 'A-100']] } }],
    };
    expect(templateParameters(def).map((s) => s.key)).toEqual(['body.1', 'body.2']);
  });

  it('gives an authentication template its code twice: body and button, 15 characters at most', () => {
    const expected = [
      { key: 'body.1', component: 'body', position: 1, name: '1', kind: 'text', maxLength: 15, required: true },
      { key: 'button.0.code', component: 'button', position: 1, buttonIndex: 0, kind: 'otp', maxLength: 15, required: true },
    ];
    expect(templateParameters(AUTH_CREATE)).toEqual(expected);
    expect(templateParameters(AUTH_LISTED)).toEqual(expected);
  });

  it('has a location header slot and a coupon slot', () => {
    expect(templateParameters(LOCATION).map((s) => [s.key, s.kind])).toEqual([
      ['header.media', 'location'],
      ['body.1', 'text'],
    ]);
    expect(templateParameters(COUPON).map((s) => [s.key, s.kind, s.maxLength])).toEqual([
      ['body.1', 'text', 1024 - 'Use code  for  off today!'.length],
      ['body.2', 'text', 1024 - 'Use code  for  off today!'.length],
      ['button.0.payload', 'payload', undefined],
      ['button.1.code', 'coupon_code', 15],
    ]);
  });
});

describe('templateParts', () => {
  it('takes the first component of each type, and tells of unknown and repeated ones', () => {
    const skipped: SkippedComponent[] = [];
    const def = { ...UTILITY, components: [null, { type: 'BODY', text: 'a' }, { type: 'CAROUSEL' }, { type: 'BODY', text: 'b' }] } as unknown as TemplateInput;
    expect(templateParts(def, (s) => skipped.push(s))).toEqual({ body: { type: 'BODY', text: 'a' } });
    expect(skipped).toEqual([
      { reason: 'unknown_type', index: 0, type: undefined },
      { reason: 'unknown_type', index: 2, type: 'CAROUSEL' },
      { reason: 'duplicate', index: 3, type: 'BODY' },
    ]);
  });

  it('reads a BUTTONS component without a button list as no buttons', () => {
    expect(templateParts({ ...UTILITY, components: [{ type: 'BUTTONS' }] } as unknown as TemplateInput)).toEqual({ buttons: [] });
  });
});
