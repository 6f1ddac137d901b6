import { BindingError, type RenderContact } from './binding-problems';
import { compileSessionMessage, type SessionMessageDefinition, type SessionRenderResult } from './session-binding';

const ana: RenderContact = {
  id: 'c1',
  name: 'ana',
  phone: '+6281234567890',
  country: 'ID',
  attributes: { order: 'A-100', city: 'Bandung', file: 'inv-1', lat: '-6.2088', long: 106.8456, email: 'ana@example.com' },
};
const nobody: RenderContact = { attributes: {} };

function ok(result: SessionRenderResult) {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.problems)}`);
  return result;
}

function problems(result: SessionRenderResult) {
  if (result.ok) throw new Error('expected problems');
  return result.problems.map((p) => [p.parameter, p.rule]);
}

function compileErrors(def: unknown): Array<[string, string]> {
  try {
    compileSessionMessage(def as SessionMessageDefinition);
  } catch (error) {
    if (error instanceof BindingError) return error.problems.map((p) => [p.parameter, p.rule]);
    throw error;
  }
  throw new Error('expected a BindingError');
}

describe('session messages: every type', () => {
  it('text, with WhatsApp formatting, newlines and preview_url passing through', () => {
    const compiled = compileSessionMessage({
      type: 'text',
      text: { body: 'Hi *{{title name}}* & <team>,\n_order_ ~{{attributes.order}}~ ```ok``` https://shop.example/o/{{attributes.order}}', preview_url: true },
    });
    const body = 'Hi *Ana* & <team>,\n_order_ ~A-100~ ```ok``` https://shop.example/o/A-100';
    expect(ok(compiled.render(ana))).toEqual({ ok: true, content: { type: 'text', text: { body, preview_url: true } }, text: body });
    expect(problems(compiled.render(nobody))).toEqual([['text.body', 'missing_value']]);
    expect(problems(compileSessionMessage({ type: 'text', text: { body: '{{name}}' } }).render(nobody))).toEqual([['text.body', 'empty_value']]);
    expect(problems(compileSessionMessage({ type: 'text', text: { body: '{{attributes.long_text}}' } }).render({ attributes: { long_text: 'x'.repeat(4097) } }))).toEqual([
      ['text.body', 'too_long'],
    ]);
  });

  it('image, video and document with captions; an empty optional caption is left out', () => {
    const image = compileSessionMessage({ type: 'image', image: { link: 'https://cdn.example/{{attributes.order}}.jpg', caption: 'Order {{attributes.order}}' } });
    expect(ok(image.render(ana)).content).toEqual({ type: 'image', image: { link: 'https://cdn.example/A-100.jpg', caption: 'Order A-100' } });
    expect(ok(image.render(ana)).text).toBe('[image]\nOrder A-100');
    const video = compileSessionMessage({ type: 'video', video: { id: '{{attributes.media}}', caption: '{{attributes.caption}}' } });
    expect(ok(video.render({ attributes: { media: '998877' } })).content).toEqual({ type: 'video', video: { id: '998877' } });
    const document = compileSessionMessage({ type: 'document', document: { link: 'https://cdn.example/{{attributes.file}}.pdf', filename: 'Invoice {{attributes.order}}.pdf' } });
    expect(ok(document.render(ana))).toEqual({
      ok: true,
      content: { type: 'document', document: { link: 'https://cdn.example/inv-1.pdf', filename: 'Invoice A-100.pdf' } },
      text: '[document: Invoice A-100.pdf]',
    });
    expect(problems(compileSessionMessage({ type: 'image', image: { link: '{{attributes.url}}' } }).render({ attributes: { url: 'not a url' } }))).toEqual([
      ['image.link', 'invalid_url'],
    ]);
    expect(problems(image.render({ attributes: { order: 'y'.repeat(1020) } }))).toEqual([['image.caption', 'too_long']]);
  });

  it('audio and sticker', () => {
    expect(ok(compileSessionMessage({ type: 'audio', audio: { id: '{{attributes.voice}}' } }).render({ attributes: { voice: '42' } })).content).toEqual({ type: 'audio', audio: { id: '42' } });
    expect(ok(compileSessionMessage({ type: 'sticker', sticker: { link: 'https://cdn.example/s.webp' } }).render(nobody))).toEqual({
      ok: true,
      content: { type: 'sticker', sticker: { link: 'https://cdn.example/s.webp' } },
      text: '[sticker]',
    });
  });

  it('location, with coordinates from attributes', () => {
    const compiled = compileSessionMessage({
      type: 'location',
      location: { latitude: '{{attributes.lat}}', longitude: '{{attributes.long}}', name: 'Toko {{attributes.city}}', address: '{{attributes.address}}' },
    });
    expect(ok(compiled.render(ana))).toEqual({
      ok: true,
      content: { type: 'location', location: { latitude: -6.2088, longitude: 106.8456, name: 'Toko Bandung' } },
      text: '[location] Toko Bandung',
    });
    expect(problems(compiled.render({ attributes: { lat: '-91', long: 'x', city: 'Medan' } }))).toEqual([
      ['location.latitude', 'out_of_range'],
      ['location.longitude', 'not_a_number'],
    ]);
  });

  it('contacts: formatted name required, empty optional fields and entries left out', () => {
    const compiled = compileSessionMessage({
      type: 'contacts',
      contacts: [
        {
          name: { formatted_name: 'Toko {{attributes.city}}', first_name: '{{attributes.first}}' },
          phones: [
            { phone: '+62215550100', type: 'WORK' },
            { phone: '{{attributes.mobile}}', type: 'CELL' },
          ],
          emails: [{ email: '{{attributes.email}}', type: 'WORK' }],
          org: { company: 'Siaran Shop', title: '{{attributes.title}}' },
        },
      ],
    });
    expect(ok(compiled.render(ana))).toEqual({
      ok: true,
      content: {
        type: 'contacts',
        contacts: [
          {
            name: { formatted_name: 'Toko Bandung' },
            phones: [{ phone: '+62215550100', type: 'WORK' }],
            emails: [{ email: 'ana@example.com', type: 'WORK' }],
            org: { company: 'Siaran Shop' },
          },
        ],
      },
      text: '[contact] Toko Bandung +62215550100',
    });
    expect(problems(compiled.render(nobody))).toEqual([['contacts.0.name.formatted_name', 'missing_value']]);
  });

  it('interactive reply buttons, with a text header and footer', () => {
    const compiled = compileSessionMessage({
      type: 'interactive',
      interactive: {
        type: 'button',
        header: { type: 'text', text: 'Order {{attributes.order}}' },
        body: { text: 'Deliver to {{default attributes.city "Jakarta"}}?' },
        footer: { text: '{{attributes.footer}}' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'yes:{{id}}', title: 'Yes' } },
            { type: 'reply', reply: { id: 'no:{{id}}', title: 'No, {{attributes.alt}}' } },
          ],
        },
      },
    });
    expect(ok(compiled.render({ ...ana, attributes: { ...ana.attributes, alt: 'Medan' } }))).toEqual({
      ok: true,
      content: {
        type: 'interactive',
        interactive: {
          type: 'button',
          header: { type: 'text', text: 'Order A-100' },
          body: { text: 'Deliver to Bandung?' },
          action: {
            buttons: [
              { type: 'reply', reply: { id: 'yes:c1', title: 'Yes' } },
              { type: 'reply', reply: { id: 'no:c1', title: 'No, Medan' } },
            ],
          },
        },
      },
      text: 'Order A-100\nDeliver to Bandung?\n[Yes]\n[No, Medan]',
    });
    expect(problems(compiled.render({ ...ana, attributes: { ...ana.attributes, alt: 'a very long city name' } }))).toEqual([
      ['interactive.action.buttons.1.reply.title', 'too_long'],
    ]);
  });

  it('reply buttons with the same title for one contact are a problem', () => {
    const compiled = compileSessionMessage({
      type: 'interactive',
      interactive: {
        type: 'button',
        body: { text: 'Pick' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'a', title: '{{attributes.first}}' } },
            { type: 'reply', reply: { id: 'b', title: '{{attributes.second}}' } },
          ],
        },
      },
    });
    expect(problems(compiled.render({ attributes: { first: 'Same', second: 'Same' } }))).toEqual([['interactive.action.buttons.1.reply.title', 'duplicate_title']]);
  });

  it('interactive list', () => {
    const compiled = compileSessionMessage({
      type: 'interactive',
      interactive: {
        type: 'list',
        header: { type: 'text', text: 'Menu' },
        body: { text: 'Choose a store near {{attributes.city}}' },
        action: {
          button: 'Stores',
          sections: [
            { title: 'West', rows: [{ id: 'bdg', title: 'Bandung', description: '{{attributes.bdg_hours}}' }] },
            { title: 'East', rows: [{ id: 'sby', title: 'Surabaya', description: 'Open 9-21' }] },
          ],
        },
      },
    });
    const result = ok(compiled.render(ana));
    expect(result.content).toEqual({
      type: 'interactive',
      interactive: {
        type: 'list',
        header: { type: 'text', text: 'Menu' },
        body: { text: 'Choose a store near Bandung' },
        action: {
          button: 'Stores',
          sections: [
            { title: 'West', rows: [{ id: 'bdg', title: 'Bandung' }] },
            { title: 'East', rows: [{ id: 'sby', title: 'Surabaya', description: 'Open 9-21' }] },
          ],
        },
      },
    });
    expect(result.text).toBe('Menu\nChoose a store near Bandung\n[Stores]\nWest\n- Bandung\nEast\n- Surabaya: Open 9-21');
  });

  it('interactive call-to-action URL with an image header', () => {
    const compiled = compileSessionMessage({
      type: 'interactive',
      interactive: {
        type: 'cta_url',
        header: { type: 'image', image: { link: 'https://cdn.example/{{attributes.order}}.png' } },
        body: { text: 'Your receipt is ready.' },
        footer: { text: 'Siaran Shop' },
        action: { name: 'cta_url', parameters: { display_text: 'See receipt', url: 'https://shop.example/r/{{urlencode attributes.order}}' } },
      },
    });
    expect(ok(compiled.render(ana))).toEqual({
      ok: true,
      content: {
        type: 'interactive',
        interactive: {
          type: 'cta_url',
          header: { type: 'image', image: { link: 'https://cdn.example/A-100.png' } },
          body: { text: 'Your receipt is ready.' },
          footer: { text: 'Siaran Shop' },
          action: { name: 'cta_url', parameters: { display_text: 'See receipt', url: 'https://shop.example/r/A-100' } },
        },
      },
      text: '[image]\nYour receipt is ready.\nSiaran Shop\n[See receipt] https://shop.example/r/A-100',
    });
  });
});

describe('session messages: configuration problems', () => {
  it('refuses structures WhatsApp refuses whatever the data, all at once', () => {
    const reply = (i: number) => ({ type: 'reply', reply: { id: `r${i}`, title: `T${i}` } });
    expect(compileErrors({ type: 'interactive', interactive: { type: 'button', body: { text: 'x' }, action: { buttons: [1, 2, 3, 4].map(reply) } } })).toEqual([
      ['interactive.action.buttons', 'invalid_structure'],
    ]);
    const rows = Array.from({ length: 11 }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` }));
    expect(compileErrors({ type: 'interactive', interactive: { type: 'list', body: { text: 'x' }, action: { button: 'Go', sections: [{ rows }] } } })).toEqual([
      ['interactive.action.sections', 'invalid_structure'],
    ]);
    expect(
      compileErrors({
        type: 'interactive',
        interactive: { type: 'list', body: { text: 'x' }, action: { button: 'A button label too long', sections: [{ rows: [{ id: 'a', title: 'A' }] }, { rows: [{ id: 'b', title: 'B' }] }] } },
      }),
    ).toEqual([
      ['interactive.action.sections', 'invalid_structure'],
      ['interactive.action.sections.0.title', 'invalid_structure'],
      ['interactive.action.sections.1.title', 'invalid_structure'],
      ['interactive.action.button', 'too_long'],
    ]);
    expect(compileErrors({ type: 'text', text: { body: 'Hi {{shout name}} {{name' } })).toEqual([['text.body', 'syntax_error']]);
    expect(compileErrors({ type: 'image', image: { link: 'https://x.example/a.png', id: '1', caption: '{{nope name}}' } })).toEqual([
      ['image', 'invalid_binding'],
      ['image.caption', 'unknown_helper'],
    ]);
    expect(compileErrors({ type: 'reaction' })).toEqual([['type', 'invalid_structure']]);
    expect(compileErrors({ type: 'contacts', contacts: [] })).toEqual([['contacts', 'invalid_structure']]);
  });
});

describe("session messages: a contact's data a helper cannot use", () => {
  it('is a problem of that recipient, also in an optional field, never thrown', () => {
    const compiled = compileSessionMessage({ type: 'image', image: { link: 'https://cdn.example/a.jpg', caption: 'due {{date attributes.when}}' } });
    expect(problems(compiled.render({ attributes: { when: 1e16 } }))).toEqual([['image.caption', 'out_of_range']]);
    expect(problems(compiled.render({ attributes: { when: '2025-02-30' } }))).toEqual([['image.caption', 'not_a_date']]);
    expect(ok(compiled.render({ attributes: { when: '2025-02-28' } })).content).toMatchObject({ image: { caption: 'due 28 Feb 2025' } });
  });
});
