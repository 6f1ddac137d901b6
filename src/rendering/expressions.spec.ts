import Handlebars from 'handlebars';
import type { RenderContact } from './binding-problems';
import { ExpressionCompiler } from './expressions';
import { createHelpers, HELPER_NAMES } from './helpers';

const DEFAULTS = { locale: 'id', timeZone: 'Asia/Jakarta' };

const CONTACTS: RenderContact[] = [
  { id: '1', name: 'élodie dupont', phone: '+6281234567890', country: 'ID', attributes: { city: 'Bandung', total: 150000, due: '2026-03-05T20:00:00Z', n: 0, flag: false, list: ['a', 'b'], nested: { zip: '40111' } }, tags: ['vip'] },
  { name: null, attributes: { city: '', total: 'n/a', due: null } },
  { name: 'O’Brien & <Sons> "quoted"', attributes: { 'favourite colour': 'teal', city: '   ' } },
];

/** Sources the flat evaluator handles: it must agree with Handlebars on every contact. */
const FLAT = [
  'plain text',
  '{{name}}',
  'Hi {{name}}, from {{attributes.city}} ({{country}}) {{phone}}',
  '{{attributes.nested.zip}} {{attributes.missing.deep}}',
  '{{attributes.n}} {{attributes.flag}} {{attributes.list}}',
  '{{this.name}}',
  '{{upper name}} {{lower name}} {{title name}} {{trim attributes.city}}',
  '{{default attributes.city "Jakarta"}}',
  '{{default attributes.city attributes.nested.zip "x"}}',
  '{{currency attributes.total "IDR"}} {{currency attributes.total "USD" "en-US"}}',
  '{{date attributes.due "EEEE, d MMMM yyyy HH:mm"}} {{date attributes.due dateStyle="medium" tz="UTC"}}',
  '{{urlencode name}}',
  '{{!-- a comment --}}{{name}}',
  '{{title}}',
];

/** Sources only Handlebars runs. */
const HANDLEBARS = [
  '{{#if attributes.city}}in {{attributes.city}}{{else}}nowhere{{/if}}',
  '{{#each tags}}[{{this}}]{{/each}}',
  '{{lookup attributes "favourite colour"}}',
  '{{default (upper attributes.city) "JAKARTA"}}',
  '{{#with attributes.nested}}{{zip}}{{/with}}',
  '{{@root.name}}',
];

function reference(): typeof Handlebars {
  const hb = Handlebars.create();
  const helpers = createHelpers(DEFAULTS);
  for (const name of HELPER_NAMES) hb.registerHelper(name, helpers[name]);
  return hb;
}

describe('expressions', () => {
  const compiler = new ExpressionCompiler(DEFAULTS);
  const indexes = [...FLAT, ...HANDLEBARS].map((source) => {
    const added = compiler.add(source);
    if (!('index' in added)) throw new Error(`${source}: ${JSON.stringify(added.problems)}`);
    return added.index;
  });
  const batch = compiler.build();
  const hb = reference();

  it('evaluates flat sources without Handlebars, and the rest with it', () => {
    expect(indexes.map((i) => batch.engineOf(i))).toEqual([
      'constant',
      ...FLAT.slice(1).map(() => 'flat'),
      ...HANDLEBARS.map(() => 'handlebars'),
    ]);
  });

  it.each(CONTACTS.map((c, i) => [i, c] as const))('renders exactly as Handlebars does (contact %i)', (_, contact) => {
    const out: string[] = [];
    batch.renderInto(contact, out);
    const expected = [...FLAT, ...HANDLEBARS].map((source) => hb.compile(source, { noEscape: true })(contact));
    expect(out).toEqual(expected);
  });

  it('records, per expression, a value a helper could not use (it prints as Handlebars prints it: empty)', () => {
    const out: string[] = [];
    const currency = indexes[FLAT.indexOf('{{currency attributes.total "IDR"}} {{currency attributes.total "USD" "en-US"}}')];
    batch.renderInto(CONTACTS[1], out); // total: 'n/a'
    expect(batch.issueOf(currency)).toMatchObject({ rule: 'not_a_number' });
    expect(indexes.filter((i) => batch.issueOf(i) !== null)).toEqual([currency]);
    batch.renderInto(CONTACTS[0], out);
    expect(batch.hasIssues).toBe(false);
  });

  it('finds the paths a text needs, outside default and blocks', () => {
    const c = new ExpressionCompiler(DEFAULTS);
    const add = (source: string) => {
      const added = c.add(source);
      if (!('index' in added)) throw new Error(source);
      return added.index;
    };
    const plain = add('Hi {{name}}, {{upper attributes.city}}');
    const guarded = add('{{default attributes.city "x"}}{{#if attributes.vip}}{{attributes.level}}{{/if}}');
    const sub = add('{{default (upper attributes.city) name}}');
    const b = c.build();
    const empty: RenderContact = { attributes: {} };
    expect(b.missingPaths(plain, empty)).toEqual(['name', 'attributes.city']);
    expect(b.missingPaths(guarded, empty)).toEqual([]);
    expect(b.missingPaths(sub, empty)).toEqual([]);
    expect(b.usesDefault(guarded)).toBe(true);
    expect(b.usesDefault(plain)).toBe(false);
    expect(b.hasMissing(plain, { name: 'Ana', attributes: { city: 'Medan' } })).toBe(false);
  });

  it('reads own properties only, as Handlebars does', () => {
    const c = new ExpressionCompiler(DEFAULTS);
    const added = c.add('{{attributes.constructor}}{{attributes.__proto__}}{{attributes.toString}}');
    if (!('index' in added)) throw new Error('compile');
    const out: string[] = [];
    c.build().renderInto({ attributes: {} }, out);
    expect(out[added.index]).toBe('');
  });
});
