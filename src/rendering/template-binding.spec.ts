import type { TemplateDefinition } from '../whatsapp/cloud-api.types';
import { BindingError, type RenderContact } from './binding-problems';
import { formatRecipientView } from './recipient-view';
import { compileTemplateBinding, previewTemplate, type RenderResult, type TemplateBinding } from './template-binding';
import { AUTH_CREATE, AUTH_LISTED, COUPON, LOCATION, MARKETING, UTILITY } from './template-examples';

const NBSP = '\u00a0';

const ana: RenderContact = {
  id: 'c1',
  name: 'ana santoso',
  phone: '+6281234567890',
  country: 'ID',
  attributes: { city: 'Bandung', total: 150000, due: '2026-03-05', order: 'A-100', banner: 'spring', coupon: 'fall25' },
  tags: ['vip'],
};

const contact = (attributes: Record<string, unknown>, name: string | null = 'Ana'): RenderContact => ({ name, phone: '+6281234567890', country: 'ID', attributes });

function ok(result: RenderResult) {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.problems)}`);
  return result;
}

function problems(result: RenderResult) {
  if (result.ok) throw new Error('expected problems');
  return result.problems.map((p) => [p.parameter, p.rule]);
}

function bindingError(fn: () => unknown): Array<[string, string]> {
  try {
    fn();
  } catch (error) {
    if (error instanceof BindingError) return error.problems.map((p) => [p.parameter, p.rule]);
    throw error;
  }
  throw new Error('expected a BindingError');
}

/** The utility template with one body variable bound to `source` (for per-value rules). */
function one(source: string, limit?: string): ReturnType<typeof compileTemplateBinding> {
  const def: TemplateDefinition = {
    name: 'note',
    language: 'en',
    category: 'UTILITY',
    components: [{ type: 'BODY', text: `Note: {{1}}.${limit ?? ''}`, example: { body_text: [['x']] } }],
  };
  return compileTemplateBinding(def, { 'body.1': source });
}

const UTILITY_BINDING: TemplateBinding = {
  'header.1': '{{attributes.order}}',
  'body.1': '{{title name}}',
  'body.2': { type: 'currency', code: 'USD', amount: '{{attributes.total}}' },
  'body.3': { type: 'date_time', fallback: '{{date attributes.due "MMMM d"}}' },
};

const MARKETING_BINDING: TemplateBinding = {
  'header.media': { type: 'image', link: 'https://cdn.example/{{attributes.banner}}.jpg' },
  'body.first_name': '{{title name}}',
  'body.discount': { type: 'currency', code: 'IDR', amount: '50000' },
  'body.city': '{{default attributes.city "Jakarta"}}',
  'body.due': { type: 'date_time', fallback: '{{date attributes.due "d MMMM"}}' },
  'button.1.payload': 'stop:{{id}}',
  'button.2.1': '{{attributes.order}}',
};

describe('compileTemplateBinding: configuration problems, all at once', () => {
  it('lists every problem of a binding in one BindingError', () => {
    const binding: TemplateBinding = {
      'header.1': '{{attributes.order',
      'body.1': '{{shout name}}',
      'body.2': { type: 'image', link: 'https://cdn.example/a.jpg' },
      'body.9': '{{name}}',
      'button.0.1': '{{name}}',
    };
    expect(bindingError(() => compileTemplateBinding(UTILITY, binding))).toEqual([
      ['body.9', 'unknown_parameter'],
      ['button.0.1', 'unknown_parameter'],
      ['header.1', 'syntax_error'],
      ['body.1', 'unknown_helper'],
      ['body.2', 'type_mismatch'],
      ['body.3', 'binding_missing'],
    ]);
  });

  it('is a TEMPLATE_BINDING_INVALID domain error with the problems as details', () => {
    try {
      compileTemplateBinding(UTILITY, {});
      throw new Error('expected a BindingError');
    } catch (error) {
      expect(error).toBeInstanceOf(BindingError);
      const e = error as BindingError;
      expect(e.code).toBe('TEMPLATE_BINDING_INVALID');
      expect(e.status).toBe(400);
      expect(e.details).toEqual({ problems: e.problems });
      expect(e.problems.map((p) => p.parameter)).toEqual(['header.1', 'body.1', 'body.2', 'body.3']);
    }
  });

  it('rejects media bindings of the wrong kind or without a source, and text for a media header', () => {
    expect(bindingError(() => compileTemplateBinding(MARKETING, { ...MARKETING_BINDING, 'header.media': { type: 'video', link: 'https://x.example/v.mp4' } }))).toEqual([
      ['header.media', 'type_mismatch'],
    ]);
    expect(bindingError(() => compileTemplateBinding(MARKETING, { ...MARKETING_BINDING, 'header.media': { type: 'image' } }))).toEqual([['header.media', 'invalid_binding']]);
    expect(bindingError(() => compileTemplateBinding(MARKETING, { ...MARKETING_BINDING, 'header.media': '{{attributes.banner}}' }))).toEqual([['header.media', 'type_mismatch']]);
    expect(bindingError(() => compileTemplateBinding(LOCATION, { 'header.media': '{{attributes.place}}', 'body.1': '{{name}}' }))).toEqual([['header.media', 'type_mismatch']]);
  });

  it('rejects literal helper arguments that can never work', () => {
    const binding: TemplateBinding = {
      ...UTILITY_BINDING,
      'body.1': '{{currency attributes.total "RUPIAH"}}',
      'body.3': { type: 'date_time', fallback: '{{date attributes.due "DD/MM/YYYY" tz="Mars/Olympus"}}' },
    };
    const error = (() => {
      try {
        compileTemplateBinding(UTILITY, binding);
      } catch (e) {
        return e as BindingError;
      }
      throw new Error('expected a BindingError');
    })();
    expect(error.problems.map((p) => [p.parameter, p.rule])).toEqual([
      ['body.1', 'invalid_helper_argument'],
      ['body.3.fallback', 'invalid_helper_argument'],
      ['body.3.fallback', 'invalid_helper_argument'],
    ]);
    expect(error.problems[1].message).toContain('D, Y');
    expect(error.problems[2].message).toContain('Mars/Olympus');
  });

  it('rejects partials and built-ins that would print or reach outside the contact', () => {
    expect(bindingError(() => one('{{> footer}}'))).toEqual([['body.1', 'unsupported_syntax']]);
    expect(bindingError(() => one('{{log name}}'))).toEqual([['body.1', 'unknown_helper']]);
  });

  it('reports a constant value that every recipient would fail, when compiling', () => {
    expect(bindingError(() => one('line one\nline two'))).toEqual([['body.1', 'newline_or_tab']]);
    expect(bindingError(() => compileTemplateBinding(COUPON, { 'body.1': 'FALL', 'body.2': '25%', 'button.1.code': 'A-CODE-LONGER-THAN-15' }))).toEqual([
      ['button.1.code', 'too_long'],
    ]);
  });
});

describe('render: exact Cloud API payloads', () => {
  it('a positional template: text header, text, currency and date_time parameters', () => {
    const result = ok(compileTemplateBinding(UTILITY, UTILITY_BINDING).render({ ...ana, attributes: { ...ana.attributes, total: 12.5 } }));
    expect(result.content).toEqual({
      type: 'template',
      template: {
        name: 'order_update',
        language: { code: 'en_US' },
        components: [
          { type: 'header', parameters: [{ type: 'text', text: 'A-100' }] },
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ana Santoso' },
              { type: 'currency', currency: { fallback_value: '$12.50', code: 'USD', amount_1000: 12500 } },
              { type: 'date_time', date_time: { fallback_value: 'March 5' } },
            ],
          },
        ],
      },
    });
    expect(result.text).toEqual({
      header: 'Order A-100',
      body: 'Hi Ana Santoso, your order of $12.50 ships on March 5. Thank you!',
      buttons: [
        { type: 'PHONE_NUMBER', text: 'Call us', phone_number: '+6281234567890' },
        { type: 'URL', text: 'Help', url: 'https://shop.example/help' },
      ],
    });
  });

  it('a NAMED template: image header, parameter names, currency fallback in the template language, quick-reply payload, URL suffix', () => {
    const result = ok(compileTemplateBinding(MARKETING, MARKETING_BINDING).render(ana));
    expect(result.content).toEqual({
      type: 'template',
      template: {
        name: 'spring_sale',
        language: { code: 'id' },
        components: [
          { type: 'header', parameters: [{ type: 'image', image: { link: 'https://cdn.example/spring.jpg' } }] },
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ana Santoso', parameter_name: 'first_name' },
              { type: 'currency', currency: { fallback_value: `Rp${NBSP}50.000`, code: 'IDR', amount_1000: 50000000 }, parameter_name: 'discount' },
              { type: 'text', text: 'Bandung', parameter_name: 'city' },
              { type: 'date_time', date_time: { fallback_value: '5 Maret' }, parameter_name: 'due' },
            ],
          },
          { type: 'button', sub_type: 'quick_reply', index: '1', parameters: [{ type: 'payload', payload: 'stop:c1' }] },
          { type: 'button', sub_type: 'url', index: '2', parameters: [{ type: 'text', text: 'A-100' }] },
        ],
      },
    });
    expect(result.text).toEqual({
      header: '[image]',
      body: `Halo Ana Santoso! Diskon Rp${NBSP}50.000 di toko Bandung sampai 5 Maret. Sampai jumpa, jangan lewatkan!`,
      footer: 'Balas STOP untuk berhenti',
      buttons: [
        { type: 'QUICK_REPLY', text: 'Mau' },
        { type: 'QUICK_REPLY', text: 'STOP' },
        { type: 'URL', text: 'Belanja', url: 'https://shop.example/p/A-100' },
      ],
    });
  });

  it('leaves out a quick-reply payload that renders empty; a payload with text around a missing value is a problem', () => {
    const noId = ok(compileTemplateBinding(MARKETING, { ...MARKETING_BINDING, 'button.1.payload': '{{id}}' }).render({ ...ana, id: undefined }));
    expect(noId.content.template.components?.map((c) => c.type + ('index' in c ? c.index : ''))).toEqual(['header', 'body', 'button2']);
    expect(problems(compileTemplateBinding(MARKETING, MARKETING_BINDING).render({ ...ana, id: undefined }))).toEqual([['button.1.payload', 'missing_value']]);
  });

  it('an authentication template: the code in the body and in the OTP button (as a URL button)', () => {
    const binding: TemplateBinding = { 'body.1': '{{attributes.otp}}', 'button.0.code': '{{attributes.otp}}' };
    const created = ok(compileTemplateBinding(AUTH_CREATE, binding).render(contact({ otp: '734910' })));
    const listed = ok(compileTemplateBinding(AUTH_LISTED, binding).render(contact({ otp: '734910' })));
    const components = [
      { type: 'body', parameters: [{ type: 'text', text: '734910' }] },
      { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '734910' }] },
    ];
    expect(created.content.template.components).toEqual(components);
    expect(listed.content.template.components).toEqual(components);
    expect(created.text).toEqual({
      body: '734910 is your verification code. For your security, do not share this code.',
      footer: 'This code expires in 10 minutes.',
      buttons: [{ type: 'OTP', text: 'Copy code', code: '734910' }],
    });
    expect(listed.text.body).toBe('*734910* is your verification code. For your security, do not share this code.');
  });

  it('a copy-code coupon and a location header', () => {
    const coupon = ok(compileTemplateBinding(COUPON, { 'body.1': '{{upper attributes.coupon}}', 'body.2': '25%', 'button.1.code': '{{upper attributes.coupon}}' }).render(ana));
    expect(coupon.content.template.components).toEqual([
      { type: 'body', parameters: [{ type: 'text', text: 'FALL25' }, { type: 'text', text: '25%' }] },
      { type: 'button', sub_type: 'copy_code', index: '1', parameters: [{ type: 'coupon_code', coupon_code: 'FALL25' }] },
    ]);
    expect(coupon.text.buttons).toEqual([
      { type: 'QUICK_REPLY', text: 'Unsubscribe' },
      { type: 'COPY_CODE', text: 'Copy offer code', code: 'FALL25' },
    ]);

    const location = ok(
      compileTemplateBinding(LOCATION, {
        'header.media': { type: 'location', latitude: '{{attributes.lat}}', longitude: 106.8456, name: 'Toko {{attributes.store}}', address: '{{attributes.address}}' },
        'body.1': '{{name}}',
      }).render(contact({ lat: '-6.2088', store: 'Sudirman' })),
    );
    expect(location.content.template.components?.[0]).toEqual({
      type: 'header',
      parameters: [{ type: 'location', location: { latitude: -6.2088, longitude: 106.8456, name: 'Toko Sudirman' } }],
    });
    expect(location.text.header).toBe('[location: Toko Sudirman]');
  });

  it('a document header by media id, with its file name', () => {
    const def: TemplateDefinition = {
      ...UTILITY,
      components: [{ type: 'HEADER', format: 'DOCUMENT', example: { header_handle: ['h'] } }, UTILITY.components[1]],
    };
    const binding: TemplateBinding = { ...UTILITY_BINDING, 'header.media': { type: 'document', id: '{{attributes.invoice_media}}', filename: 'Invoice {{attributes.order}}.pdf' } };
    delete binding['header.1'];
    const result = ok(compileTemplateBinding(def, binding).render({ ...ana, attributes: { ...ana.attributes, invoice_media: '1234567890' } }));
    expect(result.content.template.components?.[0]).toEqual({
      type: 'header',
      parameters: [{ type: 'document', document: { id: '1234567890', filename: 'Invoice A-100.pdf' } }],
    });
  });

  it('a template without variables sends no components', () => {
    const def: TemplateDefinition = { name: 'hello', language: 'en', category: 'UTILITY', components: [{ type: 'BODY', text: 'Hello & welcome!' }] };
    expect(ok(compileTemplateBinding(def, {}).render(ana)).content).toEqual({ type: 'template', template: { name: 'hello', language: { code: 'en' } } });
  });

  it('previewTemplate gives the same result as render, and a plain-text view', () => {
    const preview = ok(previewTemplate(MARKETING, MARKETING_BINDING, ana));
    expect(preview).toEqual(compileTemplateBinding(MARKETING, MARKETING_BINDING).render(ana));
    expect(formatRecipientView(preview.text)).toBe(
      [
        '[image]',
        '',
        `Halo Ana Santoso! Diskon Rp${NBSP}50.000 di toko Bandung sampai 5 Maret. Sampai jumpa, jangan lewatkan!`,
        '',
        'Balas STOP untuk berhenti',
        '',
        '[Mau]',
        '[STOP]',
        '[Belanja] https://shop.example/p/A-100',
      ].join('\n'),
    );
  });
});

describe('render: per-recipient rules', () => {
  it('a missing attribute renders empty and is reported with its path', () => {
    const result = compileTemplateBinding(UTILITY, UTILITY_BINDING).render(contact({ total: 1, due: '2026-03-05' }));
    expect(problems(result)).toEqual([['header.1', 'empty_value']]);
    expect(!result.ok && result.problems[0].message).toBe(
      'header.1 renders empty: attributes.order is missing for this contact (give a fallback with {{default attributes.order "…"}})',
    );
  });

  it('null, empty and blank values count as missing; the default helper covers them', () => {
    const compiled = one('{{default attributes.city "Jakarta"}}');
    for (const city of [undefined, null, '', '   ']) {
      expect(ok(compiled.render(contact({ city }))).text.body).toBe('Note: Jakarta.');
    }
    expect(ok(compiled.render(contact({ city: 'Medan' }))).text.body).toBe('Note: Medan.');
    expect(ok(one('{{default attributes.nick name}}').render(contact({}))).text.body).toBe('Note: Ana.');
    expect(problems(one('{{default attributes.nick attributes.alias}}').render(contact({})))).toEqual([['body.1', 'empty_value']]);
    expect(problems(one('{{attributes.city}}').render(contact({ city: '   ' })))).toEqual([['body.1', 'empty_value']]);
  });

  it('a missing variable inside a longer text is reported too, unless a block or default guards it', () => {
    expect(problems(one('order {{attributes.order}} for {{name}}').render(contact({})))).toEqual([['body.1', 'missing_value']]);
    expect(ok(one('{{name}}{{#if attributes.order}} (order {{attributes.order}}){{/if}}').render(contact({}))).text.body).toBe('Note: Ana.');
    expect(ok(one('{{name}}{{#if attributes.order}} (order {{attributes.order}}){{/if}}').render(contact({ order: 'A1' }))).text.body).toBe('Note: Ana (order A1).');
  });

  it('unicode, emoji and HTML characters pass unchanged', () => {
    const compiled = one('{{name}} {{attributes.note}}');
    const name = 'Zoë 李雷 🌸👩🏽‍💻';
    const note = `Tom & Jerry <b>"bold"</b> 'it's' \`x\` =`;
    expect(ok(compiled.render(contact({ note }, name))).content.template.components).toEqual([{ type: 'body', parameters: [{ type: 'text', text: `${name} ${note}` }] }]);
  });

  it('WhatsApp formatting characters pass unchanged', () => {
    expect(ok(one('*{{name}}* _{{attributes.a}}_ ~x~').render(contact({ a: '```code```' }))).text.body).toBe('Note: *Ana* _```code```_ ~x~.');
  });

  it('refuses newlines, tabs and more than 4 spaces in a row', () => {
    const compiled = one('{{attributes.v}}');
    expect(problems(compiled.render(contact({ v: 'a\nb' })))).toEqual([['body.1', 'newline_or_tab']]);
    expect(problems(compiled.render(contact({ v: 'a\r\nb' })))).toEqual([['body.1', 'newline_or_tab']]);
    expect(problems(compiled.render(contact({ v: 'a\tb' })))).toEqual([['body.1', 'newline_or_tab']]);
    expect(problems(compiled.render(contact({ v: 'a     b' })))).toEqual([['body.1', 'too_many_spaces']]);
    expect(ok(compiled.render(contact({ v: 'a    b' }))).text.body).toBe('Note: a    b.');
  });

  it('long values: a parameter over its limit, and a body over 1,024 characters with every value within its own', () => {
    const compiled = one('{{attributes.v}}');
    expect(problems(compiled.render(contact({ v: 'x'.repeat(1018) })))).toEqual([['body.1', 'too_long']]);
    expect(ok(compiled.render(contact({ v: 'x'.repeat(1017) }))).text.body).toHaveLength(1024);
    // emoji count as two UTF-16 code units
    expect(problems(compiled.render(contact({ v: '😀'.repeat(509) })))).toEqual([['body.1', 'too_long']]);

    const twice = compileTemplateBinding(
      { name: 'two', language: 'en', category: 'UTILITY', components: [{ type: 'BODY', text: 'A {{1}} and {{2}}.', example: { body_text: [['a', 'b']] } }] },
      { 'body.1': '{{attributes.a}}', 'body.2': '{{attributes.b}}' },
    );
    const result = twice.render(contact({ a: 'x'.repeat(600), b: 'y'.repeat(600) }));
    expect(problems(result)).toEqual([['body', 'too_long']]);

    const header = compileTemplateBinding(UTILITY, { ...UTILITY_BINDING }).render({ ...ana, attributes: { ...ana.attributes, order: 'o'.repeat(55) } });
    expect(problems(header)).toEqual([['header.1', 'too_long']]);
  });

  it('URL-button suffixes must be URL-safe; urlencode makes them so', () => {
    const unsafe = compileTemplateBinding(MARKETING, MARKETING_BINDING).render({ ...ana, attributes: { ...ana.attributes, order: 'A 100/é' } });
    expect(problems(unsafe)).toEqual([['button.2.1', 'not_url_safe']]);
    const encoded = compileTemplateBinding(MARKETING, { ...MARKETING_BINDING, 'button.2.1': '{{urlencode attributes.order}}' }).render({
      ...ana,
      attributes: { ...ana.attributes, order: 'A 100/é' },
    });
    expect(ok(encoded).text.buttons[2]).toEqual({ type: 'URL', text: 'Belanja', url: 'https://shop.example/p/A%20100%2F%C3%A9' });
  });

  it('currency amounts must be numbers; media links http(s); coordinates in range', () => {
    const utility = compileTemplateBinding(UTILITY, UTILITY_BINDING);
    expect(problems(utility.render({ ...ana, attributes: { ...ana.attributes, total: '12,50' } }))).toEqual([['body.2.amount', 'not_a_number']]);
    expect(problems(utility.render({ ...ana, attributes: { ...ana.attributes, total: undefined } }))).toEqual([['body.2.amount', 'empty_value']]);
    const marketing = compileTemplateBinding(MARKETING, { ...MARKETING_BINDING, 'header.media': { type: 'image', link: '{{attributes.banner}}' } });
    expect(problems(marketing.render(ana))).toEqual([['header.media.link', 'invalid_url']]);
    const location = compileTemplateBinding(LOCATION, { 'header.media': { type: 'location', latitude: '{{attributes.lat}}', longitude: '{{attributes.long}}' }, 'body.1': '{{name}}' });
    expect(problems(location.render(contact({ lat: '95', long: 'east' })))).toEqual([
      ['header.media.latitude', 'out_of_range'],
      ['header.media.longitude', 'not_a_number'],
    ]);
  });

  it('reports every problem of a recipient, never throws', () => {
    const result = compileTemplateBinding(UTILITY, UTILITY_BINDING).render({ name: null, attributes: {} });
    expect(problems(result)).toEqual([
      ['header.1', 'empty_value'],
      ['body.1', 'empty_value'],
      ['body.2.amount', 'empty_value'],
      ['body.3.fallback', 'empty_value'],
    ]);
  });

  it('one compiled binding renders many contacts independently', () => {
    const compiled = compileTemplateBinding(MARKETING, MARKETING_BINDING);
    const first = ok(compiled.render(ana));
    const second = ok(compiled.render({ ...ana, id: 'c2', name: 'budi', attributes: { ...ana.attributes, city: undefined, order: 'B-2' } }));
    expect(first.text.body).toBe(`Halo Ana Santoso! Diskon Rp${NBSP}50.000 di toko Bandung sampai 5 Maret. Sampai jumpa, jangan lewatkan!`);
    expect(second.text.body).toBe(`Halo Budi! Diskon Rp${NBSP}50.000 di toko Jakarta sampai 5 Maret. Sampai jumpa, jangan lewatkan!`);
    expect(first.text.buttons[2]).toEqual({ type: 'URL', text: 'Belanja', url: 'https://shop.example/p/A-100' });
  });
});

describe('helpers', () => {
  const render = (source: string, attributes: Record<string, unknown>, name = 'Ana', language = 'en') =>
    ok(
      compileTemplateBinding(
        { name: 'h', language, category: 'UTILITY', components: [{ type: 'BODY', text: 'Value: {{1}}.', example: { body_text: [['x']] } }] },
        { 'body.1': source },
        { timeZone: 'Asia/Jakarta' },
      ).render(contact(attributes, name)),
    ).text.body.slice('Value: '.length, -1);

  it('upper, lower and title are Unicode-aware', () => {
    expect(render('{{upper name}}', {}, 'élodie ñandú')).toBe('ÉLODIE ÑANDÚ');
    expect(render('{{lower name}}', {}, 'ÉLODIE ÑANDÚ')).toBe('élodie ñandú');
    expect(render('{{title name}}', {}, "élodie o'brien-DUPONT")).toBe("Élodie O'brien-Dupont");
    expect(render('{{title name}}', {}, 'jean-pierre van der berg')).toBe('Jean-Pierre Van Der Berg');
    expect(render('{{title name}}', {}, 'ömer çelik 🌸 zoë')).toBe('Ömer Çelik 🌸 Zoë');
    expect(render('{{upper name}}', {}, 'istanbul', 'tr')).toBe('İSTANBUL');
    expect(render('{{title name}}', {}, 'irmak', 'tr')).toBe('İrmak');
  });

  it('trim and urlencode', () => {
    expect(render('{{trim attributes.code}}', { code: '  A1  ' })).toBe('A1');
    expect(render('{{urlencode attributes.q}}', { q: 'a b&c' })).toBe('a%20b%26c');
  });

  it('date: patterns, time zones, wall-clock strings, Intl styles, locales', () => {
    const instant = '2026-03-05T20:30:00Z'; // 6 March, 03:30 in Jakarta (UTC+7)
    expect(render('{{date attributes.at "EEEE d MMMM yyyy, HH:mm"}}', { at: instant })).toBe('Friday 6 March 2026, 03:30');
    expect(render('{{date attributes.at "d MMM yy h:mm a" tz="UTC"}}', { at: instant })).toBe('5 Mar 26 8:30 PM');
    expect(render('{{date attributes.at "dd/MM/yyyy \'at\' HH.mm" tz="America/New_York"}}', { at: instant })).toBe('05/03/2026 at 15.30');
    expect(render('{{date attributes.at}}', { at: '2026-03-05' })).toBe('5 Mar 2026'); // a calendar date is not shifted by the zone
    expect(render('{{date attributes.at "HH:mm"}}', { at: '2026-03-05T10:00' })).toBe('10:00');
    expect(render('{{date attributes.at dateStyle="long" timeStyle="short" locale="en-GB"}}', { at: instant })).toBe('6 March 2026 at 03:30');
    expect(render('{{date attributes.at "d MMMM yyyy"}}', { at: Date.parse(instant) }, 'Ana', 'id')).toBe('6 Maret 2026');
    expect(render('{{default (date attributes.at) "soon"}}', { at: 'next tuesday' })).toBe('soon');
  });

  it('currency: IDR and USD, in the template language or a given locale', () => {
    expect(render('{{currency attributes.total "IDR"}}', { total: 150000 }, 'Ana', 'id')).toBe(`Rp${NBSP}150.000`);
    expect(render('{{currency attributes.total "IDR" "en-US"}}', { total: '150000' })).toBe(`IDR${NBSP}150,000`);
    expect(render('{{currency attributes.total "USD"}}', { total: 1234567.891 }, 'Ana', 'en_US')).toBe('$1,234,567.89');
    expect(render('{{default (currency attributes.total "USD") "free"}}', { total: 'n/a' })).toBe('free');
  });
});

describe("a contact's data a helper cannot use: a problem of that recipient, never thrown", () => {
  const note = (source: string) => one(source);
  const rules = (result: RenderResult) => problems(result).map(([, rule]) => rule);

  it.each([
    [1e16, 'out_of_range'],
    [-1e16, 'out_of_range'],
    [1e300, 'out_of_range'],
    [8.640000000000001e15, 'out_of_range'],
    [-8.640000000000001e15, 'out_of_range'],
    ['1e300', 'not_a_date'],
    ['next tuesday', 'not_a_date'],
    ['2025-02-30', 'not_a_date'],
    ['2025-02-29', 'not_a_date'],
    ['2025-04-31T10:00:00Z', 'not_a_date'],
    ['2026-03-05T24:00', 'not_a_date'],
    ['2026-03-05T10:60:00+07:00', 'not_a_date'],
    [true, 'not_a_date'],
    [{ y: 2026 }, 'not_a_date'],
  ])('date of %p: %s', (when, rule) => {
    for (const source of ['{{date attributes.when "d MMM yyyy"}}', 'due {{date attributes.when "d MMM yyyy"}}', '{{#if attributes.when}}{{date attributes.when}}{{/if}}']) {
      const result = note(source).render(contact({ when }));
      expect({ source, problems: problems(result) }).toEqual({ source, problems: [['body.1', rule]] });
      expect(result.ok || result.problems[0].message).toMatch(/^body\.1 .*date/);
    }
  });

  it('the edges of what a date can hold, and real days, still render', () => {
    const text = (when: unknown, source = '{{date attributes.when "d MMM yyyy"}}') => ok(note(source).render(contact({ when }))).text.body;
    expect(text(8.64e15)).toBe('Note: 13 Sep 275760.');
    expect(text(-8.64e15)).toMatch(/^Note: 20 Apr \d+\.$/);
    expect(text('2024-02-29')).toBe('Note: 29 Feb 2024.');
    expect(text('2025-03-31T23:59:59+07:00', '{{date attributes.when "d MMM yyyy HH:mm" tz="UTC"}}')).toBe('Note: 31 Mar 2025 16:59.');
  });

  it('default covers a value a helper cannot use, as it covers a missing one', () => {
    expect(ok(note('{{default (date attributes.when) "soon"}}').render(contact({ when: 1e16 }))).text.body).toBe('Note: soon.');
    expect(ok(note('{{default (date attributes.when) "soon"}}').render(contact({ when: '2025-02-30' }))).text.body).toBe('Note: soon.');
    // a missing value is still the empty-value rule's, not the helper's
    expect(rules(note('{{date attributes.when}}').render(contact({})))).toEqual(['empty_value']);
    expect(rules(note('due {{date attributes.when}}').render(contact({})))).toEqual(['missing_value']);
  });

  it('a zone, locale or currency from the data that Intl does not know, an amount that is not a number', () => {
    expect(rules(note('{{date attributes.when tz=attributes.zone}}').render(contact({ when: '2026-03-05T10:00:00Z', zone: 'Mars/Olympus' })))).toEqual([
      'invalid_value',
    ]);
    expect(rules(note('{{date attributes.when locale=attributes.lang}}').render(contact({ when: '2026-03-05', lang: 'zz' })))).toEqual(['invalid_value']);
    expect(rules(note('{{currency attributes.total attributes.code}}').render(contact({ total: 5, code: 'XXXX' })))).toEqual(['invalid_value']);
    expect(rules(note('total {{currency attributes.total "IDR"}}').render(contact({ total: 'n/a' })))).toEqual(['not_a_number']);
    expect(rules(note('total {{currency attributes.total "IDR"}}').render(contact({ total: '1e300' })))).toEqual(['not_a_number']);
    expect(ok(note('{{currency attributes.total "USD" "en-US"}}').render(contact({ total: 1e300 }))).text.body).toMatch(/^Note: \$1,000,000,000/);
    // a lone surrogate (encodeURIComponent throws URIError on one)
    expect(rules(note('{{urlencode attributes.q}}').render(contact({ q: 'a\ud800b' })))).toEqual(['invalid_value']);
  });

  it('numbers past what a double or amount_1000 holds: a problem, never Infinity or 1e+303 in the payload', () => {
    expect(rules(note('{{currency attributes.total "IDR"}}').render(contact({ total: '9'.repeat(400) })))).toEqual(['not_a_number']);
    const utility = compileTemplateBinding(UTILITY, UTILITY_BINDING);
    // 1e300 renders "1e+300", which is not a plain number; 400 nines are one, but Infinity as a double
    for (const [total, rule] of [
      [1e300, 'not_a_number'],
      ['9'.repeat(400), 'not_a_number'],
      [9007199254741, 'out_of_range'],
    ] as const) {
      const result = utility.render({ ...ana, attributes: { ...ana.attributes, total } });
      expect({ total, problems: problems(result) }).toEqual({ total, problems: [['body.2.amount', rule]] });
    }
    expect(ok(utility.render({ ...ana, attributes: { ...ana.attributes, total: 9007199254740 } })).content.template.components?.[1]).toMatchObject({
      parameters: [{}, { currency: { amount_1000: 9007199254740000 } }, {}],
    });
  });

  it('one bad contact does not break the next: the renderer is reused', () => {
    const compiled = note('{{date attributes.when "d MMM yyyy"}}');
    expect(rules(compiled.render(contact({ when: 1e16 })))).toEqual(['out_of_range']);
    expect(ok(compiled.render(contact({ when: '2026-03-05' }))).text.body).toBe('Note: 5 Mar 2026.');
    expect(rules(compiled.render(contact({ when: '2025-02-30' })))).toEqual(['not_a_date']);
  });

  it('data that throws while it is read (a getter) is a problem of that recipient too', () => {
    const hostile = { attributes: {} as Record<string, unknown> };
    Object.defineProperty(hostile.attributes, 'when', { enumerable: true, get: () => { throw new RangeError('boom'); } });
    for (const source of ['{{date attributes.when}}', '{{attributes.when}}', '{{#if attributes.when}}x{{/if}}']) {
      expect(rules(note(source).render(hostile))).toEqual(['render_failed']);
    }
  });

  it('typed bindings: the problem is named after the field whose expression failed', () => {
    const compiled = compileTemplateBinding(UTILITY, UTILITY_BINDING);
    expect(problems(compiled.render({ ...ana, attributes: { ...ana.attributes, due: 1e16 } }))).toEqual([['body.3.fallback', 'out_of_range']]);
  });

  it('a literal that can never be a date is a configuration problem, found when compiling', () => {
    expect(bindingError(() => note('{{date "2025-02-30"}}'))).toEqual([['body.1', 'invalid_helper_argument']]);
    expect(bindingError(() => note('{{date 10000000000000000}}'))).toEqual([['body.1', 'invalid_helper_argument']]);
    expect(ok(note('{{date "2025-02-28"}}').render(contact({}))).text.body).toBe('Note: 28 Feb 2025.');
  });
});

describe('amounts written the way a locale writes them (issue 9, section 4)', () => {
  /** An Indonesian template with one currency parameter. */
  const TOTAL: TemplateDefinition = {
    name: 'order_total',
    language: 'id',
    category: 'UTILITY',
    components: [{ type: 'BODY', text: 'Total belanja Anda {{1}} sudah kami terima, terima kasih.', example: { body_text: [['Rp 150.000']] } }],
  };
  const total = (binding: Partial<TemplateBinding['body.1'] & object> = {}, options = {}) =>
    compileTemplateBinding(TOTAL, { 'body.1': { type: 'currency', code: 'IDR', amount: '{{attributes.total}}', ...binding } as TemplateBinding['body.1'] }, options);
  const sent = (result: RenderResult) => (ok(result).content.template.components?.[0] as { parameters: Array<{ currency: { amount_1000: number; fallback_value: string } }> }).parameters[0].currency;

  it('reads 150.000 in IDR as one hundred fifty thousand (id-ID from the currency), shown as Rp 150.000', () => {
    expect(sent(total().render(contact({ total: '150.000' })))).toEqual({ code: 'IDR', amount_1000: 150_000_000, fallback_value: `Rp${NBSP}150.000` });
    expect(sent(total().render(contact({ total: 'Rp 4.880.000' }))).amount_1000).toBe(4_880_000_000);
    expect(sent(total().render(contact({ total: '150.000,50' }))).amount_1000).toBe(150_000_500);
    expect(sent(total().render(contact({ total: 150000 }))).amount_1000).toBe(150_000_000);
  });

  it('a value that is no number in that locale is a problem that says so, never a different amount nor "renders empty"', () => {
    for (const value of ['Rp 4,88 juta', 'n/a', '1500.5', '1.50']) {
      const result = total().render(contact({ total: value }));
      expect(problems(result)).toEqual([['body.1.amount', 'not_a_number']]);
      expect(!result.ok && result.problems[0].message).toMatch(/not a number as id-ID writes one \(such as 150\.000 or 1\.500,5\)/);
    }
  });

  it('ambiguous forms follow the locale given (on the binding, or for the whole binding), never the shape of the value', () => {
    expect(sent(total().render(contact({ total: '1.500' }))).amount_1000).toBe(1_500_000);
    expect(sent(total({ locale: 'en-US' }).render(contact({ total: '1.500' }))).amount_1000).toBe(1_500);
    expect(sent(total({}, { locale: 'en-US' }).render(contact({ total: '1,500' }))).amount_1000).toBe(1_500_000);
    expect(sent(total({ locale: 'id-ID' }, { locale: 'en-US' }).render(contact({ total: '1,5' }))).amount_1000).toBe(1_500);
  });

  it('without a national currency, the contact’s country chooses', () => {
    const eur = (country: string) => sent(total({ code: 'EUR' }).render({ ...contact({ total: '1.500,25' }), country })).amount_1000;
    expect(eur('DE')).toBe(1_500_250);
    expect(problems(total({ code: 'EUR' }).render({ ...contact({ total: '1.500,25' }), country: 'IE' }))).toEqual([['body.1.amount', 'not_a_number']]);
  });

  it('a binding locale Intl does not know is a configuration problem', () => {
    expect(bindingError(() => total({ locale: 'zz' }))).toEqual([['body.1.locale', 'invalid_binding']]);
    expect(bindingError(() => total({ locale: 'en_US' }))).toEqual([['body.1.locale', 'invalid_binding']]);
  });

  it('the currency helper reads amounts the same way', () => {
    const text = (source: string, value: unknown, options = {}) =>
      ok(compileTemplateBinding(TOTAL, { 'body.1': source }, options).render(contact({ total: value }))).text.body;
    expect(text('{{currency attributes.total "IDR"}}', '150.000')).toBe(`Total belanja Anda Rp${NBSP}150.000 sudah kami terima, terima kasih.`);
    expect(text('{{currency attributes.total "IDR"}}', 'Rp 4.880.000')).toContain(`Rp${NBSP}4.880.000`);
    expect(text('{{currency attributes.total "IDR" "en-US"}}', '1,500')).toContain('IDR');
    const bad = compileTemplateBinding(TOTAL, { 'body.1': '{{currency attributes.total "IDR"}}' }).render(contact({ total: '1500.5' }));
    expect(problems(bad)).toEqual([['body.1', 'not_a_number']]);
    expect(!bad.ok && bad.problems[0].message).toMatch(/not a number as id-ID writes one/);
  });
});
