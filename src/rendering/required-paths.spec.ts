import type { RenderContact } from './binding-problems';
import { compileSessionMessage } from './session-binding';
import { compileTemplateBinding, type TemplateBinding } from './template-binding';
import { MARKETING, UTILITY } from './template-examples';

/**
 * requiredPaths is what eligibility checks in SQL before anything is rendered (render_problem):
 * it must never name a path a contact can lack and still render (that would exclude someone who
 * can be sent to), and every path it names must fail the render when missing.
 */

const full: RenderContact = {
  id: 'c1',
  name: 'ana santoso',
  phone: '+6281234567890',
  country: 'ID',
  attributes: { city: 'Bandung', total: 150000, due: '2026-03-05', order: 'A-100', banner: 'spring' },
  tags: ['vip'],
};

/** The contact without one path ('name', 'attributes.city'). */
function without(contact: RenderContact, path: string): RenderContact {
  const [head, key] = path.split('.');
  if (head === 'attributes') {
    const attributes = { ...contact.attributes };
    delete attributes[key];
    return { ...contact, attributes };
  }
  return { ...contact, [head]: null };
}

const MARKETING_BINDING: TemplateBinding = {
  'header.media': { type: 'image', link: 'https://cdn.example/{{attributes.banner}}.jpg' },
  'body.first_name': '{{title name}}',
  'body.discount': { type: 'currency', code: 'IDR', amount: '50000' },
  'body.city': '{{default attributes.city "Jakarta"}}',
  'body.due': { type: 'date_time', fallback: '{{date attributes.due "d MMMM"}}' },
  // Renders empty without the attribute: the payload is then left out.
  'button.1.payload': '{{attributes.code}}',
  'button.2.1': '{{attributes.order}}',
};

const UTILITY_BINDING: TemplateBinding = {
  'header.1': '{{attributes.order}}',
  'body.1': '{{#if name}}{{title name}}{{else}}Customer{{/if}}',
  'body.2': { type: 'currency', code: 'USD', amount: '{{attributes.total}}' },
  'body.3': { type: 'date_time', fallback: '{{date attributes.due "MMMM d"}}' },
};

describe('CompiledTemplate.requiredPaths', () => {
  it.each([
    // default, the quick-reply payload and the block are not required.
    ['marketing', MARKETING, MARKETING_BINDING, ['attributes.banner', 'attributes.due', 'attributes.order', 'name']],
    ['utility', UTILITY, UTILITY_BINDING, ['attributes.due', 'attributes.order', 'attributes.total']],
  ] as const)('%s: the paths a render cannot do without', (_, def, binding, expected) => {
    const compiled = compileTemplateBinding(def, binding);
    expect(compiled.requiredPaths).toEqual(expected);
    const rendered = compiled.render(full);
    expect(rendered.ok ? 'ok' : rendered.problems).toBe('ok');
    // Each one missing fails the render…
    for (const path of compiled.requiredPaths) expect({ path, ok: compiled.render(without(full, path)).ok }).toEqual({ path, ok: false });
    // …and what is not listed can be missing.
    for (const path of ['attributes.city', 'attributes.code', 'tags', 'country'].filter((p) => !compiled.requiredPaths.includes(p))) {
      expect({ path, ok: compiled.render(without(full, path)).ok }).toEqual({ path, ok: true });
    }
  });
});

describe('CompiledSession.requiredPaths', () => {
  it('a required text needs its paths; an optional caption and a block do not', () => {
    const text = compileSessionMessage({ type: 'text', text: { body: 'Hi {{name}}{{#if attributes.vip}}, VIP{{/if}}, order {{attributes.order}}' } });
    expect(text.requiredPaths).toEqual(['attributes.order', 'name']);
    for (const path of text.requiredPaths) expect(text.render(without(full, path)).ok).toBe(false);

    const image = compileSessionMessage({ type: 'image', image: { link: 'https://cdn.example/a.jpg', caption: '{{attributes.city}}' } });
    expect(image.requiredPaths).toEqual([]);
    expect(image.render(without(full, 'attributes.city')).ok).toBe(true);
  });
});
