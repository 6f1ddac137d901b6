import type { MessageKey } from '../../i18n';

/**
 * The template form's model, the components it makes, and the cheap WhatsApp rules checked as
 * the person types. The API checks every rule again (src/templates/template-rules.ts); these are
 * only the ones that need nothing but the text.
 *
 * The numbers are copies (the console never imports server code): TEMPLATE_LIMITS in
 * src/rendering/template-shape.ts, whose sources are shared/WHATSAPP.md "Templates" and Meta's
 * template components page. Change them together.
 */
export const LIMITS = {
  name: 512,
  body: 1024,
  header: 60,
  footer: 60,
  headerVariables: 1,
  buttons: 10,
  urlButtons: 2,
  phoneNumberButtons: 1,
  buttonText: 25,
  url: 2000,
  phoneNumber: 20,
} as const;

export type ButtonType = 'QUICK_REPLY' | 'URL' | 'PHONE_NUMBER';
export interface ButtonDraft {
  type: ButtonType;
  text: string;
  /** URL buttons: the URL, optionally ending with {{1}}. */
  url: string;
  /** URL buttons with {{1}}: a sample value for it (the example sent is the whole URL with it). */
  example: string;
  /** Phone number buttons: the number, international format. */
  phone: string;
}

export interface TemplateDraft {
  name: string;
  language: string;
  category: 'MARKETING' | 'UTILITY' | 'AUTHENTICATION';
  header: 'none' | 'text';
  headerText: string;
  headerExample: string;
  body: string;
  /** A sample value per body variable name ("1", "2"… or "first_name"). */
  bodyExamples: Record<string, string>;
  footer: string;
  buttons: ButtonDraft[];
}

/** A problem to show under a field: an i18n key and its values. */
export interface Problem {
  key: MessageKey;
  vars?: Record<string, string | number>;
}

/**
 * Field keys of the form, where problems are shown: name, language, category, header,
 * headerExample, body, bodyExamples, footer, buttons, button.<i>.text|url|example|phone, and form
 * (anything else).
 */
export type Problems = Record<string, Problem[]>;

// The variable syntax of src/rendering/template-text.ts: {{1}} (POSITIONAL) or {{first_name}} (NAMED).
const VARIABLE = /\{\{([^{}]*)\}\}/g;
const POSITIONAL = /^[1-9][0-9]*$/;
const NAMED = /^[a-z][a-z0-9_]*$/;

interface Variable {
  raw: string;
  start: number;
  end: number;
}

function scan(text: string): Variable[] {
  return [...text.matchAll(VARIABLE)].map((m) => ({ raw: m[1], start: m.index, end: m.index + m[0].length }));
}

/** Distinct variable names in order of first appearance; POSITIONAL ones in number order. */
export function variableNames(text: string): string[] {
  const names = [...new Set(scan(text).map((v) => v.raw))];
  return names.every((n) => POSITIONAL.test(n)) ? names.sort((a, b) => Number(a) - Number(b)) : names;
}

/** NAMED when the body or header uses {{name}} variables, else POSITIONAL (the API's default). */
export function parameterFormat(d: TemplateDraft): 'POSITIONAL' | 'NAMED' {
  const names = [...variableNames(d.body), ...(d.header === 'text' ? variableNames(d.headerText) : [])];
  return names.some((n) => NAMED.test(n)) ? 'NAMED' : 'POSITIONAL';
}

function strayBraces(text: string): boolean {
  const rest = text.replace(VARIABLE, '\u0000');
  return rest.includes('{{') || rest.includes('}}') || rest.includes('{\u0000') || rest.includes('\u0000}');
}

const URL_SHAPE = /^https?:\/\/[^\s/$.?#][^\s]*$/i;

/** The problems the form can see without the API (an empty object: none). */
export function checkDraft(d: TemplateDraft): Problems {
  const problems: Problems = {};
  const add = (field: string, key: MessageKey, vars?: Problem['vars']) => (problems[field] ??= []).push({ key, vars });
  const format = parameterFormat(d);

  if (d.name && !/^[a-z0-9_]+$/.test(d.name)) add('name', 'templates.rule.name');
  if (d.name.length > LIMITS.name) add('name', 'templates.rule.tooLong', { length: d.name.length, max: LIMITS.name });

  if (d.header === 'text') {
    if (d.headerText.length > LIMITS.header) add('header', 'templates.rule.tooLong', { length: d.headerText.length, max: LIMITS.header });
    checkVariables(d.headerText, 'header', format, add);
    const names = variableNames(d.headerText);
    if (names.length > LIMITS.headerVariables) add('header', 'templates.rule.headerVariables');
    if (names.length > 0 && !d.headerExample.trim()) add('headerExample', 'templates.rule.exampleMissing', { variable: `{{${names[0]}}}` });
  }

  if (d.body.length > LIMITS.body) add('body', 'templates.rule.tooLong', { length: d.body.length, max: LIMITS.body });
  checkVariables(d.body, 'body', format, add);
  const variables = scan(d.body);
  if (variables.length > 0) {
    if (d.body.slice(0, variables[0].start).trim() === '') add('body', 'templates.rule.variableAtStart');
    // As the API: a variable followed only by punctuation ends the body too.
    if (/^[\s\p{P}]*$/u.test(d.body.slice(variables[variables.length - 1].end))) add('body', 'templates.rule.variableAtEnd');
    if (variables.some((v, i) => i > 0 && d.body.slice(variables[i - 1].end, v.start).trim() === '')) add('body', 'templates.rule.adjacent');
  }
  for (const name of variableNames(d.body)) {
    if (!d.bodyExamples[name]?.trim()) add(`bodyExample.${name}`, 'templates.rule.exampleMissing', { variable: `{{${name}}}` });
  }

  if (d.footer.length > LIMITS.footer) add('footer', 'templates.rule.tooLong', { length: d.footer.length, max: LIMITS.footer });
  if (d.footer.includes('{{')) add('footer', 'templates.rule.footerVariable');

  const count = (type: ButtonType) => d.buttons.filter((b) => b.type === type).length;
  if (d.buttons.length > LIMITS.buttons) add('buttons', 'templates.rule.tooManyButtons', { max: LIMITS.buttons });
  if (count('URL') > LIMITS.urlButtons) add('buttons', 'templates.rule.tooManyUrl', { max: LIMITS.urlButtons });
  if (count('PHONE_NUMBER') > LIMITS.phoneNumberButtons) add('buttons', 'templates.rule.tooManyPhone', { max: LIMITS.phoneNumberButtons });
  const groups = d.buttons.filter((b, i) => i === 0 || (b.type === 'QUICK_REPLY') !== (d.buttons[i - 1].type === 'QUICK_REPLY')).length;
  if (groups > 2) add('buttons', 'templates.rule.quickRepliesGrouped');
  d.buttons.forEach((b, i) => {
    if (!b.text.trim()) add(`button.${i}.text`, 'templates.rule.required');
    else if (b.text.length > LIMITS.buttonText) add(`button.${i}.text`, 'templates.rule.tooLong', { length: b.text.length, max: LIMITS.buttonText });
    if (b.type === 'URL') {
      if (!URL_SHAPE.test(b.url)) add(`button.${i}.url`, 'templates.rule.url');
      else if (b.url.length > LIMITS.url) add(`button.${i}.url`, 'templates.rule.tooLong', { length: b.url.length, max: LIMITS.url });
      const vars = scan(b.url);
      if (vars.length > 1 || (vars.length === 1 && (vars[0].end !== b.url.length || vars[0].raw !== '1'))) add(`button.${i}.url`, 'templates.rule.urlVariable');
      if (vars.length > 0 && !b.example.trim()) add(`button.${i}.example`, 'templates.rule.exampleMissing', { variable: '{{1}}' });
    }
    if (b.type === 'PHONE_NUMBER' && (!/^\+[0-9 ()-]{6,}$/.test(b.phone.trim()) || b.phone.length > LIMITS.phoneNumber)) {
      add(`button.${i}.phone`, 'templates.rule.phone', { max: LIMITS.phoneNumber });
    }
  });
  return problems;
}

function checkVariables(text: string, field: string, format: 'POSITIONAL' | 'NAMED', add: (field: string, key: MessageKey, vars?: Problem['vars']) => void): void {
  if (strayBraces(text)) add(field, 'templates.rule.braces');
  const names = [...new Set(scan(text).map((v) => v.raw))];
  const positional = names.filter((n) => POSITIONAL.test(n));
  if (names.some((n) => !POSITIONAL.test(n) && !NAMED.test(n))) add(field, 'templates.rule.variableName');
  if (positional.length > 0 && positional.length < names.length) add(field, 'templates.rule.mixed');
  else if (format === 'POSITIONAL' && positional.some((n, i) => n !== String(i + 1))) {
    add(field, 'templates.rule.sequential', { found: positional.map((n) => `{{${n}}}`).join(', ') });
  }
}

/** The components the API takes (WhatsApp's model), and the type of each by position (to place the API's problems). */
export function toComponents(d: TemplateDraft): { components: Array<Record<string, unknown>>; types: string[] } {
  const format = parameterFormat(d);
  const components: Array<Record<string, unknown>> = [];
  if (d.header === 'text') {
    const names = variableNames(d.headerText);
    const example =
      names.length === 0
        ? {}
        : format === 'NAMED'
          ? { example: { header_text_named_params: [{ param_name: names[0], example: d.headerExample }] } }
          : { example: { header_text: [d.headerExample] } };
    components.push({ type: 'HEADER', format: 'TEXT', text: d.headerText, ...example });
  }
  const names = variableNames(d.body);
  const bodyExample =
    names.length === 0
      ? {}
      : format === 'NAMED'
        ? { example: { body_text_named_params: names.map((n) => ({ param_name: n, example: d.bodyExamples[n] ?? '' })) } }
        : { example: { body_text: [names.map((n) => d.bodyExamples[n] ?? '')] } };
  components.push({ type: 'BODY', text: d.body, ...bodyExample });
  if (d.footer.trim()) components.push({ type: 'FOOTER', text: d.footer });
  if (d.buttons.length > 0) {
    components.push({
      type: 'BUTTONS',
      buttons: d.buttons.map((b) => {
        if (b.type === 'URL') return { type: 'URL', text: b.text, url: b.url, ...(scan(b.url).length ? { example: [b.url.replace(VARIABLE, b.example)] } : {}) };
        if (b.type === 'PHONE_NUMBER') return { type: 'PHONE_NUMBER', text: b.text, phone_number: b.phone.trim() };
        return { type: 'QUICK_REPLY', text: b.text };
      }),
    });
  }
  return { components, types: components.map((c) => c.type as string) };
}

/** A violation of the API's TEMPLATE_INVALID details (src/templates/template-rules.ts TemplateViolation). */
interface Violation {
  component: string;
  index?: number;
  rule: string;
  message: string;
}

/** The form field of one of the API's violations: the component, and for a button its part. */
function violationField(v: Violation): string {
  switch (v.component) {
    case 'name':
    case 'language':
    case 'category':
      return v.component;
    case 'parameter_format':
      return 'body';
    case 'HEADER':
      return v.rule.startsWith('example_') ? 'headerExample' : 'header';
    case 'BODY':
      return v.rule.startsWith('example_') ? 'bodyExamples' : 'body';
    case 'FOOTER':
      return 'footer';
    case 'BUTTONS':
      if (v.index === undefined) return 'buttons';
      if (v.rule.startsWith('url_')) return `button.${v.index}.url`;
      if (v.rule === 'example_missing') return `button.${v.index}.example`;
      if (v.rule === 'phone_number_invalid') return `button.${v.index}.phone`;
      return `button.${v.index}.text`;
    default:
      return 'form';
  }
}

const COMPONENT_FIELD: Record<string, string> = { HEADER: 'header', BODY: 'body', FOOTER: 'footer', BUTTONS: 'buttons' };

/**
 * The API's problems by form field, as messages: TEMPLATE_INVALID lists violations by component
 * (and button index); VALIDATION_FAILED lists request fields (`name`, `components.1.text`: the
 * component at that position of what was sent, `types`).
 */
export function apiProblems(details: unknown, types: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (field: string, message: string) => (out[field] ??= []).push(message);
  for (const item of Array.isArray(details) ? (details as Array<Record<string, unknown>>) : []) {
    if (typeof item.component === 'string' && typeof item.rule === 'string') {
      add(violationField(item as unknown as Violation), String(item.message ?? item.rule));
      continue;
    }
    const field = String(item.field ?? item.path ?? '');
    const message = Array.isArray(item.problems) ? item.problems.join('; ') : String(item.message ?? '');
    const at = /^components\.(\d+)(?:\.buttons\.(\d+))?/.exec(field);
    if (at) {
      const type = types[Number(at[1])];
      add(type === 'BUTTONS' && at[2] !== undefined ? `button.${at[2]}.text` : (COMPONENT_FIELD[type] ?? 'form'), message);
    } else if (['name', 'language', 'category'].includes(field)) add(field, message);
    else add('form', field ? `${field}: ${message}` : message);
  }
  return out;
}

/** The draft as the recipient would read it with the examples (the form's own preview). */
export function exampleText(text: string, values: (name: string) => string | undefined): string {
  return text.replace(VARIABLE, (whole, name: string) => values(name)?.trim() || whole);
}
