import type { TemplateButtonDefinition, TemplateDefinition } from '../whatsapp/cloud-api.types';
import type { AuthenticationTemplateDefinition, TemplateInput } from '../rendering';
import { AUTH_CREATE, AUTH_LISTED, COUPON, LOCATION, MARKETING, UTILITY } from '../rendering/template-examples';
import { TEMPLATE_RULES, validateTemplate, type TemplateRule, type TemplateViolation } from './template-rules';

describe('validateTemplate: valid templates', () => {
  it.each<[string, TemplateInput]>([
    ['marketing: image header, named variables, quick replies, URL with a variable', MARKETING],
    ['utility: positional, text header variable, phone and static URL buttons', UTILITY],
    ['authentication, creation form: OTP copy-code button', AUTH_CREATE],
    ['authentication, as Meta lists it: preset body with {{1}} at the start, URL button', AUTH_LISTED],
    ['authentication, one-tap with its app', withButtons(AUTH_CREATE, [{ type: 'OTP', otp_type: 'ONE_TAP', supported_apps: [{ package_name: 'com.example', signature_hash: 'K8a/AINcGX7' }] }])],
    ['location header', LOCATION],
    ['marketing with a copy-code coupon', COUPON],
  ])('%s', (_, def) => {
    expect(validateTemplate(def)).toEqual([]);
  });
});

/** A minimal valid utility template each invalid case changes in one way. */
function base(): TemplateDefinition {
  return {
    name: 'order_update',
    language: 'en_US',
    category: 'UTILITY',
    components: [{ type: 'BODY', text: 'Hi {{1}}, your order {{2}} has shipped.', example: { body_text: [['Ana', 'A-100']] } }],
  };
}

function withBody(text: string, example: string[] | null = ['Ana', 'A-100']): TemplateDefinition {
  return { ...base(), components: [{ type: 'BODY', text, ...(example ? { example: { body_text: [example] } } : {}) }] };
}

function withComponents(...extra: TemplateDefinition['components']): TemplateDefinition {
  const def = base();
  return { ...def, components: [...def.components, ...extra] };
}

function withButtons<T extends TemplateInput>(def: T, buttons: unknown[]): T {
  const components = def.components.filter((c) => c.type !== 'BUTTONS');
  return { ...def, components: [...components, { type: 'BUTTONS', buttons }] } as T;
}

const quick = (text = 'OK'): TemplateButtonDefinition => ({ type: 'QUICK_REPLY', text });
const link = (url = 'https://shop.example/help', example?: string[]): TemplateButtonDefinition => ({ type: 'URL', text: 'Open', url, ...(example ? { example } : {}) });
const phone = (number = '+6281234567890'): TemplateButtonDefinition => ({ type: 'PHONE_NUMBER', text: 'Call', phone_number: number });
const marketing = (def: TemplateDefinition): TemplateDefinition => ({ ...def, category: 'MARKETING' });
const authWith = (buttons: unknown[]): AuthenticationTemplateDefinition => withButtons(AUTH_CREATE, buttons);

type Expected = Omit<TemplateViolation, 'message'>;
const v = (component: TemplateViolation['component'], rule: TemplateRule, index?: number): Expected =>
  index === undefined ? { component, rule } : { component, index, rule };

const INVALID: Array<[string, TemplateInput, Expected[]]> = [
  ['name with capitals and spaces', { ...base(), name: 'Order Update' }, [v('name', 'name_invalid')]],
  ['name over 512 characters', { ...base(), name: 'a'.repeat(513) }, [v('name', 'name_too_long')]],
  ['language not a code', { ...base(), language: 'english' }, [v('language', 'language_invalid')]],
  ['a locale WhatsApp does not take as a language (id_ID: it takes id)', { ...base(), language: 'id_ID' }, [v('language', 'language_unsupported')]],
  [
    'a 7-word body with 5 variables (issue 9)',
    withBody('Dear {{1}}, your order {{2}} from {{3}} on {{4}} costs {{5}} today.', ['Ana', 'A-1', 'Toko', 'Monday', 'Rp 5']),
    [v('BODY', 'too_many_variables')],
  ],
  ['unknown category', { ...base(), category: 'PROMO' as TemplateDefinition['category'] }, [v('category', 'category_invalid')]],
  ['unknown parameter_format', { ...base(), parameter_format: 'NUMBERED' as 'NAMED' }, [v('parameter_format', 'parameter_format_invalid')]],
  ['unknown component type', withComponents({ type: 'CAROUSEL' } as unknown as TemplateDefinition['components'][number]), [v('components', 'component_type_unknown', 1)]],
  ['two bodies', withComponents({ type: 'BODY', text: 'Again.' }), [v('BODY', 'duplicate_component')]],
  ['no body', { ...base(), components: [{ type: 'FOOTER', text: 'Thanks' }] }, [v('BODY', 'body_missing')]],
  ['empty body text', withBody('  ', null), [v('BODY', 'body_text_missing')]],
  ['body over 1,024 characters', withBody(`Hi {{1}}, your order {{2}} is here: ${'x'.repeat(1000)}.`), [v('BODY', 'body_too_long')]],
  ['GIF header format', withComponents({ type: 'HEADER', format: 'GIF' as 'IMAGE' }), [v('HEADER', 'header_format_invalid')]],
  ['TEXT header without text', withComponents({ type: 'HEADER', format: 'TEXT' }), [v('HEADER', 'header_text_missing')]],
  ['header over 60 characters', withComponents({ type: 'HEADER', format: 'TEXT', text: 'x'.repeat(61) }), [v('HEADER', 'header_too_long')]],
  [
    'header with two variables',
    withComponents({ type: 'HEADER', format: 'TEXT', text: 'Order {{1}} for {{2}}', example: { header_text: ['A', 'B'] } }),
    [v('HEADER', 'header_too_many_variables')],
  ],
  ['image header without a sample handle', withComponents({ type: 'HEADER', format: 'IMAGE' }), [v('HEADER', 'example_missing')]],
  ['header variable without example', withComponents({ type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' }), [v('HEADER', 'example_missing')]],
  [
    'authentication template with a header',
    { ...AUTH_CREATE, components: [{ type: 'HEADER', format: 'TEXT', text: 'Code' }, ...AUTH_CREATE.components] } as unknown as TemplateInput,
    [v('HEADER', 'header_not_allowed')],
  ],
  ['empty footer', withComponents({ type: 'FOOTER', text: '' }), [v('FOOTER', 'footer_text_missing')]],
  ['footer over 60 characters', withComponents({ type: 'FOOTER', text: 'y'.repeat(61) }), [v('FOOTER', 'footer_too_long')]],
  ['footer with a variable', withComponents({ type: 'FOOTER', text: 'Reply {{1}}' }), [v('FOOTER', 'footer_has_variable')]],
  [
    'code expiry of 120 minutes',
    { ...AUTH_CREATE, components: [AUTH_CREATE.components[0], { type: 'FOOTER', code_expiration_minutes: 120 }, AUTH_CREATE.components[2]] },
    [v('FOOTER', 'code_expiration_invalid')],
  ],
  ['spaces inside a positional variable', withBody('Hi {{ 1 }}, your order {{2}} has shipped.'), [v('BODY', 'variable_syntax')]],
  ['stray braces', withBody('Hi {{1}}, your order {{{2}}} has shipped.'), [v('BODY', 'variable_syntax')]],
  [
    'named variable with capitals',
    {
      ...base(),
      parameter_format: 'NAMED',
      components: [{ type: 'BODY', text: 'Hi {{First_Name}}, thanks for your order.', example: { body_text_named_params: [{ param_name: 'First_Name', example: 'Ana' }] } }],
    },
    [v('BODY', 'named_parameter_syntax')],
  ],
  [
    'positional and named variables together',
    withBody('Hi {{1}}, your order {{order_id}} has shipped.'),
    [v('BODY', 'mixed_parameter_styles'), v('BODY', 'parameter_format_mismatch')],
  ],
  ['named variables in a POSITIONAL template', withBody('Hi {{name}}, your order {{order}} has shipped.'), [v('BODY', 'parameter_format_mismatch')]],
  ['a gap in the numbering', withBody('Hi {{1}}, your order {{3}} has shipped.'), [v('BODY', 'variables_not_sequential')]],
  ['numbers out of order', withBody('Hi {{2}}, your order {{1}} has shipped.'), [v('BODY', 'variables_not_sequential')]],
  ['body starting with a variable', withBody('{{1}}, your order {{2}} has shipped today.'), [v('BODY', 'variable_at_start')]],
  ['body ending with a variable', withBody('Hi {{1}}, the order you placed is {{2}}'), [v('BODY', 'variable_at_end')]],
  ['body ending with a variable and a full stop', withBody('Hi {{1}}, the order you placed is {{2}}.'), [v('BODY', 'variable_at_end')]],
  ['body ending with a variable and punctuation', withBody('Hi {{1}}, the order you placed is {{2}} !?… '), [v('BODY', 'variable_at_end')]],
  ['adjacent variables', withBody('Hi {{1}} {{2}}, your order has shipped.'), [v('BODY', 'variables_adjacent')]],
  ['variables without examples', withBody('Hi {{1}}, your order {{2}} has shipped.', null), [v('BODY', 'example_missing')]],
  ['more examples than variables', withBody('Hi {{1}}, your order {{2}} has shipped.', ['Ana', 'A-1', 'extra']), [v('BODY', 'example_mismatch')]],
  [
    'named example for a name the body does not use',
    {
      ...base(),
      parameter_format: 'NAMED',
      components: [
        {
          type: 'BODY',
          text: 'Hi {{name}}, thanks for your order.',
          example: { body_text_named_params: [{ param_name: 'name', example: 'Ana' }, { param_name: 'city', example: 'Bandung' }] },
        },
      ],
    },
    [v('BODY', 'example_mismatch')],
  ],
  ['empty BUTTONS component', withButtons(base(), []), [v('BUTTONS', 'buttons_missing')]],
  ['11 buttons', withButtons(base(), Array.from({ length: 11 }, (_, i) => quick(`Option ${i}`))), [v('BUTTONS', 'too_many_buttons')]],
  ['3 URL buttons', withButtons(base(), [link(), link(), link()]), [v('BUTTONS', 'too_many_url_buttons')]],
  ['2 phone buttons', withButtons(base(), [phone(), phone()]), [v('BUTTONS', 'too_many_phone_number_buttons')]],
  [
    '2 copy-code buttons',
    withButtons(marketing(base()), [
      { type: 'COPY_CODE', example: 'A1' },
      { type: 'COPY_CODE', example: 'B2' },
    ]),
    [v('BUTTONS', 'too_many_copy_code_buttons')],
  ],
  ['quick replies split by a URL button', withButtons(base(), [quick('Yes'), link(), quick('No')]), [v('BUTTONS', 'quick_replies_not_grouped', 2)]],
  ['FLOW button', withButtons(base(), [{ type: 'FLOW', text: 'Go' }]), [v('BUTTONS', 'button_type_unknown', 0)]],
  ['copy code in a UTILITY template', withButtons(base(), [{ type: 'COPY_CODE', example: 'A1' }]), [v('BUTTONS', 'button_not_allowed', 0)]],
  ['OTP button in a MARKETING template', withButtons(marketing(base()), [{ type: 'OTP', otp_type: 'COPY_CODE' }]), [v('BUTTONS', 'button_not_allowed', 0)]],
  ['quick reply without text', withButtons(base(), [quick('Yes'), quick('')]), [v('BUTTONS', 'button_text_missing', 1)]],
  ['button text of 26 characters', withButtons(base(), [quick('x'.repeat(26))]), [v('BUTTONS', 'button_text_too_long', 0)]],
  ['ftp URL', withButtons(base(), [link('ftp://files.example/a')]), [v('BUTTONS', 'url_invalid', 0)]],
  ['URL over 2,000 characters', withButtons(base(), [link(`https://shop.example/${'a'.repeat(2000)}`)]), [v('BUTTONS', 'url_too_long', 0)]],
  [
    'URL variable in the middle',
    withButtons(base(), [link('https://shop.example/{{1}}/track', ['https://shop.example/a/track'])]),
    [v('BUTTONS', 'url_variable_not_at_end', 0)],
  ],
  ['URL variable {{2}}', withButtons(base(), [link('https://shop.example/{{2}}', ['https://shop.example/a'])]), [v('BUTTONS', 'url_variable_syntax', 0)]],
  ['URL variable without example', withButtons(base(), [link('https://shop.example/{{1}}')]), [v('BUTTONS', 'example_missing', 0)]],
  ['phone number without country code', withButtons(base(), [phone('0812345')]), [v('BUTTONS', 'phone_number_invalid', 0)]],
  ['coupon example of 16 characters', withButtons(marketing(base()), [{ type: 'COPY_CODE', example: 'X'.repeat(16) }]), [v('BUTTONS', 'copy_code_too_long', 0)]],
  ['copy code without example', withButtons(marketing(base()), [{ type: 'COPY_CODE', example: '' }]), [v('BUTTONS', 'example_missing', 0)]],
  ['authentication without a button', { ...AUTH_CREATE, components: AUTH_CREATE.components.slice(0, 2) }, [v('BUTTONS', 'otp_button_required')]],
  ['authentication with two OTP buttons', authWith([{ type: 'OTP', otp_type: 'COPY_CODE' }, { type: 'OTP', otp_type: 'COPY_CODE' }]), [v('BUTTONS', 'otp_button_required')]],
  ['OTP of type SMS', authWith([{ type: 'OTP', otp_type: 'SMS' }]), [v('BUTTONS', 'otp_type_invalid', 0)]],
  ['one-tap without its app', authWith([{ type: 'OTP', otp_type: 'ONE_TAP' }]), [v('BUTTONS', 'otp_app_missing', 0)]],
  [
    'zero-tap without accepting its terms',
    authWith([{ type: 'OTP', otp_type: 'ZERO_TAP', supported_apps: [{ package_name: 'com.example', signature_hash: 'K8a/AINcGX7' }] }]),
    [v('BUTTONS', 'zero_tap_terms_not_accepted', 0)],
  ],
];

describe('validateTemplate: one violation per rule', () => {
  it.each(INVALID)('%s', (_, def, expected) => {
    const found = validateTemplate(def).map(({ component, index, rule }) => (index === undefined ? { component, rule } : { component, index, rule }));
    expect(found).toEqual(expected);
  });

  it('every violation says what to fix', () => {
    for (const [, def] of INVALID) for (const violation of validateTemplate(def)) expect(violation.message.length).toBeGreaterThan(15);
  });

  it('the table covers every rule code', () => {
    const covered = new Set(INVALID.flatMap(([, , expected]) => expected.map((e) => e.rule)));
    expect(TEMPLATE_RULES.filter((rule) => !covered.has(rule))).toEqual([]);
  });

  it('reports several problems at once', () => {
    const def = { ...withBody('{{1}} {{2}}', null), name: 'Bad Name' };
    expect(validateTemplate(def).map((x) => x.rule)).toEqual([
      'name_invalid',
      'variable_at_start',
      'variable_at_end',
      'variables_adjacent',
      'too_many_variables',
      'example_missing',
    ]);
  });

  it('does not crash on JSON that is not a template', () => {
    const junk = { name: 5, components: [null, { type: 'BODY' }] } as unknown as TemplateInput;
    expect(validateTemplate(junk).map((x) => x.rule)).toEqual([
      'name_invalid',
      'language_invalid',
      'category_invalid',
      'component_type_unknown',
      'body_text_missing',
    ]);
  });
});

describe('case values/01: a body that ends in a variable followed only by punctuation', () => {
  it('is refused with variable_at_end', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const def = require('../../test/fixtures/cases/values/01-variable-then-punctuation-at-end.template.json');
    // Meta refuses it twice over: it ends in a variable, and 2 words carry 2 variables (4 < 7).
    expect(validateTemplate(def).map((x) => x.rule)).toEqual(['variable_at_end', 'too_many_variables']);
  });

  it('en_US is a language WhatsApp takes; id_ID is not (it takes id), and the message says so', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const def = require('../../test/fixtures/cases/values/01-variable-then-punctuation-at-end.template.json');
    expect(validateTemplate(def).map((x) => x.rule)).not.toContain('language_unsupported');
    const local = validateTemplate({ ...def, language: 'id_ID' }).find((x) => x.component === 'language');
    expect(local).toMatchObject({ rule: 'language_unsupported', message: expect.stringMatching(/: use id$/) });
  });
});

describe('language codes: only those WhatsApp takes, with the code meant when there is one', () => {
  const language = (code: string) => validateTemplate({ ...base(), language: code }).filter((x) => x.component === 'language');
  it.each(['id', 'en', 'en_US', 'en_GB', 'pt_BR', 'es_MX', 'es', 'zh_CN', 'fil', 'ms', 'ar_EG'])('%s is taken', (code) => {
    expect(language(code)).toEqual([]);
  });
  it.each([
    ['id_ID', 'use id'],
    ['en-US', 'use en_US'],
    ['en_us', 'use en_US'],
    ['ms_MY', 'use ms'],
    ['pt', 'use pt_BR or pt_PT'],
    ['zh', 'use zh_CN or zh_HK or zh_TW'],
    ['jv', "see Meta's list"],
  ])('%s is refused: %s', (code, hint) => {
    expect(language(code)).toEqual([expect.objectContaining({ rule: 'language_unsupported', message: expect.stringContaining(hint) })]);
  });
});

describe('too many variables for the length of the body (3 × variables + 1 words and variables)', () => {
  const rules = (text: string, examples: string[]) => validateTemplate(withBody(text, examples)).map((x) => x.rule);
  it('accepts a body just long enough, refuses one word less', () => {
    // 1 variable: 4 in all
    expect(rules('Hello {{1}}, welcome aboard.', ['Ana'])).toEqual([]);
    expect(rules('Hello {{1}}, welcome.', ['Ana'])).toEqual(['too_many_variables']);
    // 2 variables: 7 in all
    expect(rules('Hi {{1}}, your order {{2}} has shipped.', ['Ana', 'A-1'])).toEqual([]);
    expect(rules('Hi {{1}}, order {{2}} has shipped.', ['Ana', 'A-1'])).toEqual(['too_many_variables']);
    // 5 variables: 16 in all (Syniverse's example, with a word after the last variable)
    const five = ['A', 'B', 'C', 'D', 'E'];
    expect(rules('Dear Guest, Reservation {{1}} arriving from {{2}} departing at {{3}} on {{4}} departs at {{5}} today.', five)).toEqual([]);
    expect(rules('Dear, Reservation {{1}} arriving from {{2}} departing at {{3}} on {{4}} departs at {{5}} today.', five)).toEqual(['too_many_variables']);
  });

  it('counts only words: punctuation and emoji alone are not words; a repeated variable counts each time', () => {
    expect(rules('Hello {{1}} — 🎉 !', ['Ana'])).toEqual(['too_many_variables']);
    expect(rules('Hello {{1}}, yes {{1}} again ok.', ['Ana'])).toEqual(['too_many_variables']);
    expect(rules('Hello {{1}}, yes {{1}} again, see you soon.', ['Ana'])).toEqual([]);
  });

  it('says how many words to add', () => {
    const [violation] = validateTemplate(withBody('Hi {{1}}, order {{2}} has shipped.'));
    expect(violation.message).toMatch(/2 variables and only 4 other words.*add at least 1 word \(words and variables together at least 7\)/);
  });
});

