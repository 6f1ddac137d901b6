/**
 * npm run bench:render — renders one marketing template for 1,000,000 in-memory contacts on the main
 * thread (one core) and prints contacts/s, total ms, how many rendered and how many had problems,
 * and the heap used. Target: 200,000 contacts/s or more.
 *
 * The template is a typical campaign: a body with 3 variables (the contact's name in title case, an
 * attribute with a default, an amount formatted by the currency helper) and a URL button whose
 * suffix is an attribute. Contacts vary: names with accents, CJK and emoji, some cities missing
 * (the default covers them), 2% without an order reference (a problem for that recipient), 1% with
 * a newline in the name (a problem too).
 *
 * Environment: BENCH_CONTACTS (default 1000000).
 */
import { compileTemplateBinding, type RenderContact, type TemplateBinding } from '../../src/rendering';
import type { TemplateDefinition } from '../../src/whatsapp/cloud-api.types';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 1_000_000);

const TEMPLATE: TemplateDefinition = {
  name: 'spring_sale',
  language: 'id',
  category: 'MARKETING',
  components: [
    {
      type: 'BODY',
      text: 'Halo {{1}}! Promo musim semi di toko {{2}}: belanja Anda {{3}} dapat diskon 20%. Balas STOP untuk berhenti.',
      example: { body_text: [['Ana', 'Bandung', 'Rp 150.000']] },
    },
    { type: 'FOOTER', text: 'Siaran Shop' },
    {
      type: 'BUTTONS',
      buttons: [
        { type: 'URL', text: 'Lihat pesanan', url: 'https://shop.example/orders/{{1}}', example: ['https://shop.example/orders/A123'] },
        { type: 'QUICK_REPLY', text: 'STOP' },
      ],
    },
  ],
};

const BINDING: TemplateBinding = {
  'body.1': '{{title name}}',
  'body.2': '{{default attributes.city "Jakarta"}}',
  'body.3': '{{currency attributes.total "IDR"}}',
  'button.0.1': '{{attributes.order}}',
};

const FIRST = ['ana', 'Budi', 'CITRA', 'Élodie', 'Ñandú', '李雷', 'Dewi 🌸', 'Zoë', 'Ömer', 'Ayu ✨'];
const LAST = ['Santoso', 'wijaya', "O'Brien", 'Nguyễn', 'Müller', '山田', 'Pratama', 'García'];
const CITIES = ['Bandung', 'Surabaya', 'Medan', 'Semarang', 'Makassar', 'Denpasar', 'Yogyakarta'];

function contacts(n: number): RenderContact[] {
  const list: RenderContact[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const attributes: Record<string, unknown> = { total: 10_000 + ((i * 7919) % 5_000_000) };
    if (i % 5 !== 0) attributes.city = CITIES[i % CITIES.length];
    if (i % 50 !== 7) attributes.order = `A${100000 + i}`;
    const name = `${FIRST[i % FIRST.length]} ${LAST[(i >> 3) % LAST.length]}${i % 100 === 42 ? '\nX' : ''}`;
    list[i] = { id: String(i), name, phone: `+62812${String(10_000_000 + i)}`, country: 'ID', attributes, tags: ['vip'] };
  }
  return list;
}

function main(): void {
  const audience = contacts(CONTACTS);
  const compiled = compileTemplateBinding(TEMPLATE, BINDING);
  for (let i = 0; i < 20_000; i++) compiled.render(audience[i % audience.length]); // warm up the JIT

  const heapBefore = process.memoryUsage().heapUsed;
  let ok = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < audience.length; i++) {
    if (compiled.render(audience[i]).ok) ok++;
    else failed++;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const heapAfter = process.memoryUsage().heapUsed;
  const perSecond = Math.round((audience.length / ms) * 1000);

  console.log(`bench:render: template "${TEMPLATE.name}" (body with 3 variables: title name, default city, currency; URL button suffix)`);
  console.log(`  contacts:   ${audience.length.toLocaleString('en-US')} rendered on the main thread (one core), each into the Cloud API payload and the recipient's text`);
  console.log(`  speed:      ${perSecond.toLocaleString('en-US')} contacts/s (${ms.toFixed(0)} ms total; target 200,000/s)`);
  console.log(`  results:    ${ok.toLocaleString('en-US')} ok, ${failed.toLocaleString('en-US')} with problems`);
  console.log(`  heap used:  ${(heapAfter / 2 ** 20).toFixed(0)} MiB after (${(heapBefore / 2 ** 20).toFixed(0)} MiB with the contacts, before rendering)`);
}

main();
