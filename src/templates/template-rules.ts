import { TEMPLATE_CATEGORIES, TEMPLATE_LANGUAGES, type TemplateCategory } from '../whatsapp/cloud-api.types';
import { normalisePhone } from '../contacts/phone';
import {
  distinctNames,
  hasStrayBraces,
  NAMED_NAME,
  POSITIONAL_NAME,
  scanVariables,
  TEMPLATE_LIMITS,
  templateParts,
  type AnyButton,
  type BodyPart,
  type FooterPart,
  type HeaderPart,
  type OtpButtonDefinition,
  type ParameterFormat,
  type TemplateInput,
  type TextVariable,
} from '../rendering';

/**
 * WhatsApp's rules for a template definition, checked before anything is stored or submitted (the
 * template's shape, and the parameters a send must fill, are read by src/rendering/template-shape.ts).
 *
 * Sources: the "Templates" section of shared/WHATSAPP.md; Meta's template pages
 * (developers.facebook.com/documentation/business-messaging/whatsapp/templates/components,
 * …/templates/overview, …/authentication-templates/copy-code-button-authentication-templates,
 * …/marketing-templates/coupon-templates); button grouping and per-category button kinds as Meta's
 * API enforces them, documented by BSPs that pass its errors through (Gupshup's "Template Button
 * List"). Each rule code below names its source.
 */

export const HEADER_FORMATS = ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'] as const;
export const BUTTON_TYPES = ['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE', 'OTP'] as const;
export const OTP_TYPES = ['COPY_CODE', 'ONE_TAP', 'ZERO_TAP'] as const;

// ---------------------------------------------------------------------------------------------
// Violations

/**
 * Stable codes. Source: W = shared/WHATSAPP.md "Templates"; C = Meta's template components page;
 * O = Meta's template overview page; A = Meta's authentication template pages; P = Meta's coupon
 * code template page; G = Meta's API behaviour as documented by Gupshup's "Template Button List";
 * L = Meta's "Supported languages" page (see TEMPLATE_LANGUAGES in cloud-api.types.ts);
 * R = Meta's template review page ("Common rejection reasons": "The template contains too many
 * variable parameters relative to the message length"); V = a threshold Meta does not publish, as
 * two messaging providers found it by testing (Syniverse, "How to avoid too many parameters
 * rejection in WhatsApp Templates"; Mercuri, "WhatsApp Template: Minimum words/parameters ratio");
 * S = Siaran's own conservative reading where Meta is silent (see the rule's comment).
 */
export const TEMPLATE_RULES = [
  'name_invalid', // W: [a-z0-9_], not empty
  'name_too_long', // W: at most 512
  'language_invalid', // W, O: a language code at all ("id", "en_US", "pt_BR"), not a name ("english")
  'language_unsupported', // L: a code WhatsApp does not take (id_ID: use id; en-US: use en_US)
  'category_invalid', // W: MARKETING | UTILITY | AUTHENTICATION
  'parameter_format_invalid', // O: POSITIONAL | NAMED
  'component_type_unknown', // C: HEADER, BODY, FOOTER, BUTTONS
  'duplicate_component', // C: at most one of each
  'body_missing', // C, W: the body is the one required component
  'body_text_missing', // C
  'body_too_long', // W, C: 1,024
  'header_format_invalid', // C: TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION
  'header_text_missing', // C
  'header_too_long', // W, C: 60
  'header_too_many_variables', // W, C: one
  'header_not_allowed', // A: authentication templates have no header
  'footer_text_missing', // C
  'footer_too_long', // W, C: 60
  'footer_has_variable', // W, C
  'code_expiration_invalid', // A: 1 to 90 minutes
  'variable_syntax', // W: {{1}}, {{2}}… exactly, no stray braces
  'named_parameter_syntax', // W, O: lowercase letters, digits, underscores
  'mixed_parameter_styles', // O: one component uses {{1}} and {{name}} together
  'parameter_format_mismatch', // O: {{name}} in a POSITIONAL template, {{1}} in a NAMED one
  'variables_not_sequential', // W: {{1}}, {{2}}… in order, without gaps
  'variable_at_start', // W
  'variable_at_end', // W; S (from other tools' rejected templates): a variable followed only by punctuation ends the body too
  'variables_adjacent', // W; S: only white space between two variables counts as adjacent
  'too_many_variables', // R, V: too many variables for the body's length (the threshold: see TOO_MANY_VARIABLES)
  'example_missing', // C, O: every variable, media header and dynamic URL needs an example
  'example_mismatch', // C, O: examples for variables the text does not have
  'buttons_missing', // C: a BUTTONS component lists at least one button
  'too_many_buttons', // W, C: 10
  'too_many_url_buttons', // W, C: 2
  'too_many_phone_number_buttons', // W, C: 1
  'too_many_copy_code_buttons', // W, P: 1
  'quick_replies_not_grouped', // G, C: quick replies together, before or after the other buttons
  'button_type_unknown', // C
  'button_not_allowed', // P, G, A: COPY_CODE only in MARKETING, OTP only in AUTHENTICATION
  'button_text_missing', // C
  'button_text_too_long', // W, C: 25
  'url_invalid', // C: an http(s) URL
  'url_too_long', // C: 2,000 (as remembered from Meta's page; the copy searched did not show this line)
  'url_variable_not_at_end', // W, C: one variable, at the very end
  'url_variable_syntax', // C: the URL variable is {{1}}; S: also in NAMED templates
  'phone_number_invalid', // C: an international number; at most 20 characters (AWS End User Messaging's copy of Meta's limit)
  'copy_code_too_long', // P: codes of at most 15 characters
  'otp_button_required', // A: exactly one one-time-password button
  'otp_type_invalid', // A: COPY_CODE, ONE_TAP or ZERO_TAP
  'otp_app_missing', // A: one-tap and zero-tap buttons name the Android app (package name and signature hash)
  'zero_tap_terms_not_accepted', // A: zero-tap requires accepting its terms
] as const;

export type TemplateRule = (typeof TEMPLATE_RULES)[number];

export type ViolationComponent = 'name' | 'language' | 'category' | 'parameter_format' | 'components' | 'HEADER' | 'BODY' | 'FOOTER' | 'BUTTONS';

export interface TemplateViolation {
  component: ViolationComponent;
  /** The button's position for BUTTONS violations about one button; the component's position for `component_type_unknown`. */
  index?: number;
  rule: TemplateRule;
  /** What is wrong and what to do about it. */
  message: string;
}

/** Every rule the definition breaks; an empty array means WhatsApp should accept it. */
export function validateTemplate(def: TemplateInput): TemplateViolation[] {
  const violations: TemplateViolation[] = [];
  const add = (component: ViolationComponent, rule: TemplateRule, message: string, index?: number) =>
    violations.push(index === undefined ? { component, rule, message } : { component, index, rule, message });

  checkIdentity(def, add);
  const format: ParameterFormat = def.parameter_format === 'NAMED' ? 'NAMED' : 'POSITIONAL';
  const isAuth = def.category === 'AUTHENTICATION';
  const parts = templateParts(def, (skipped) => {
    if (skipped.reason === 'unknown_type') {
      add('components', 'component_type_unknown', `component ${skipped.index} has type ${String(skipped.type)}: use HEADER, BODY, FOOTER or BUTTONS`, skipped.index);
    } else {
      add(skipped.type, 'duplicate_component', `a template has at most one ${skipped.type} component`);
    }
  });

  if (parts.header) {
    if (isAuth) add('HEADER', 'header_not_allowed', 'authentication templates have no header: remove it');
    else checkHeader(parts.header, format, add);
  }
  if (!parts.body) add('BODY', 'body_missing', 'a template needs exactly one BODY component');
  else checkBody(parts.body, format, isAuth, add);
  if (parts.footer) checkFooter(parts.footer, isAuth, add);
  if (parts.buttons) checkButtons(parts.buttons, def.category, add);
  if (isAuth && countOtpButtons(parts.buttons) !== 1) {
    add('BUTTONS', 'otp_button_required', 'an authentication template has exactly one button, of type OTP (copy code, one-tap or zero-tap)');
  }
  return violations;
}

type Add = (component: ViolationComponent, rule: TemplateRule, message: string, index?: number) => void;

function checkIdentity(def: TemplateInput, add: Add): void {
  const name: unknown = def.name;
  if (typeof name !== 'string' || !/^[a-z0-9_]+$/.test(name)) {
    add('name', 'name_invalid', 'the name must be lowercase letters, digits and underscores (e.g. spring_sale_2026)');
  } else if (name.length > TEMPLATE_LIMITS.name) {
    add('name', 'name_too_long', `the name has ${name.length} characters; at most ${TEMPLATE_LIMITS.name}`);
  }
  const language: unknown = def.language;
  if (typeof language !== 'string' || !LANGUAGE_SHAPE.test(language)) {
    add('language', 'language_invalid', 'the language must be a WhatsApp language code such as id, en_US or pt_BR');
  } else if (!isTemplateLanguage(language)) {
    const suggestions = suggestLanguages(language);
    const hint = suggestions.length > 0 ? `: use ${suggestions.join(' or ')}` : ' (see Meta\'s list of supported languages: id, en, en_US, pt_BR, es_MX…)';
    add('language', 'language_unsupported', `WhatsApp has no template language ${language}${hint}`);
  }
  if (!(TEMPLATE_CATEGORIES as readonly string[]).includes(def.category)) {
    add('category', 'category_invalid', `the category must be one of ${TEMPLATE_CATEGORIES.join(', ')}`);
  }
  const format: unknown = def.parameter_format;
  if (format !== undefined && format !== 'POSITIONAL' && format !== 'NAMED') {
    add('parameter_format', 'parameter_format_invalid', 'parameter_format must be POSITIONAL or NAMED');
  }
}

// ---------------------------------------------------------------------------------------------
// Languages

/** Looks like a language code, whatever its case or separator (id, id_ID, en-us, prs_AF); not "english". */
const LANGUAGE_SHAPE = /^[A-Za-z]{2,3}([_-][A-Za-z]{2})?$/;
const LANGUAGES: ReadonlySet<string> = new Set(TEMPLATE_LANGUAGES);

/** Whether WhatsApp takes this template language code, exactly as written (`en_US`, `id`). */
export function isTemplateLanguage(code: string): boolean {
  return LANGUAGES.has(code);
}

/**
 * The WhatsApp codes someone who wrote `code` most likely meant: the same code written WhatsApp's
 * way (en-us → en_US), else the language without its region when WhatsApp has only that (id_ID →
 * id), else its regional codes (pt → pt_BR, pt_PT). Empty when WhatsApp has nothing for that
 * language.
 */
export function suggestLanguages(code: string): string[] {
  const match = /^([A-Za-z]{2,3})(?:[_-]([A-Za-z]{2}))?$/.exec(code);
  if (!match) return [];
  const base = match[1].toLowerCase();
  const region = match[2]?.toUpperCase();
  const exact = region ? `${base}_${region}` : base;
  if (LANGUAGES.has(exact) && exact !== code) return [exact];
  if (region && LANGUAGES.has(base)) return [base];
  return TEMPLATE_LANGUAGES.filter((l) => l.startsWith(`${base}_`));
}

// ---------------------------------------------------------------------------------------------
// Components

function checkHeader(header: HeaderPart, format: ParameterFormat, add: Add): void {
  if (!(HEADER_FORMATS as readonly string[]).includes(header.format)) {
    add('HEADER', 'header_format_invalid', `the header format must be one of ${HEADER_FORMATS.join(', ')}`);
    return;
  }
  if (header.format !== 'TEXT') {
    if (header.format !== 'LOCATION' && !nonEmptyStrings(header.example?.header_handle)) {
      add('HEADER', 'example_missing', `a ${header.format.toLowerCase()} header needs example.header_handle: the handle of a sample uploaded to Meta`);
    }
    return;
  }
  const text = header.text;
  if (typeof text !== 'string' || text.trim() === '') {
    add('HEADER', 'header_text_missing', 'a TEXT header needs its text');
    return;
  }
  if (text.length > TEMPLATE_LIMITS.header) add('HEADER', 'header_too_long', `the header has ${text.length} characters; at most ${TEMPLATE_LIMITS.header}`);
  const names = checkVariables(text, 'HEADER', format, add);
  if (names.length > TEMPLATE_LIMITS.headerVariables) add('HEADER', 'header_too_many_variables', 'a header has at most one variable');
  checkExamples('HEADER', names, format, header.example?.header_text, header.example?.header_text_named_params, add);
}

function checkBody(body: BodyPart, format: ParameterFormat, isAuth: boolean, add: Add): void {
  const text = body.text;
  // Meta writes an authentication template's body itself; when listed, it is "{{1}} is your…".
  if (isAuth && text === undefined) return;
  if (typeof text !== 'string' || text.trim() === '') {
    add('BODY', 'body_text_missing', 'the body needs its text');
    return;
  }
  if (text.length > TEMPLATE_LIMITS.body) add('BODY', 'body_too_long', `the body has ${text.length} characters; at most ${TEMPLATE_LIMITS.body}`);
  const names = checkVariables(text, 'BODY', format, add);
  if (isAuth) return; // placement and examples are Meta's business for its preset text
  checkPlacement(text, add);
  checkVariableDensity(text, add);
  const example = body.example?.body_text;
  checkExamples('BODY', names, format, Array.isArray(example) ? example[0] : undefined, body.example?.body_text_named_params, add);
}

function checkFooter(footer: FooterPart, isAuth: boolean, add: Add): void {
  if (isAuth) {
    const minutes = footer.code_expiration_minutes;
    if (minutes !== undefined && !(Number.isInteger(minutes) && minutes >= 1 && minutes <= TEMPLATE_LIMITS.codeExpirationMinutes)) {
      add('FOOTER', 'code_expiration_invalid', `code_expiration_minutes must be a whole number from 1 to ${TEMPLATE_LIMITS.codeExpirationMinutes}`);
    }
    if (footer.text === undefined) return;
  }
  const text = footer.text;
  if (typeof text !== 'string' || text.trim() === '') {
    add('FOOTER', 'footer_text_missing', 'the footer needs its text (or remove the footer)');
    return;
  }
  if (text.length > TEMPLATE_LIMITS.footer) add('FOOTER', 'footer_too_long', `the footer has ${text.length} characters; at most ${TEMPLATE_LIMITS.footer}`);
  if (text.includes('{{')) add('FOOTER', 'footer_has_variable', 'a footer cannot have variables: move the variable to the body');
}

// ---------------------------------------------------------------------------------------------
// Variables

function variableStyle(raw: string): 'positional' | 'named' | 'invalid' {
  return POSITIONAL_NAME.test(raw) ? 'positional' : NAMED_NAME.test(raw) ? 'named' : 'invalid';
}

/** Checks the variables of one text and returns their distinct names in order of appearance. */
function checkVariables(text: string, component: 'HEADER' | 'BODY', format: ParameterFormat, add: Add): string[] {
  const variables = scanVariables(text);
  const names = distinctNames(variables);
  const list = (items: string[]) => items.map((n) => `{{${n}}}`).join(', ');
  if (hasStrayBraces(text)) add(component, 'variable_syntax', 'the text has unbalanced braces: variables are written {{1}} or {{name}}');
  const styles = names.map(variableStyle);
  if (styles.includes('positional') && styles.includes('named')) {
    add(component, 'mixed_parameter_styles', 'the text mixes {{1}} and {{name}} variables: use one style, the one of parameter_format');
  }
  const invalid = names.filter((_, i) => styles[i] === 'invalid');
  if (invalid.length > 0) {
    if (format === 'NAMED') {
      add(component, 'named_parameter_syntax', `${list(invalid)}: named variables are lowercase letters, digits and underscores, starting with a letter`);
    } else {
      add(component, 'variable_syntax', `${list(invalid)}: variables are {{1}}, {{2}}… (no spaces, no leading zero)`);
    }
  }
  const wrongStyle = names.filter((_, i) => styles[i] === (format === 'NAMED' ? 'positional' : 'named'));
  if (wrongStyle.length > 0) {
    const fix = format === 'NAMED' ? 'use {{name}} variables' : 'set parameter_format to NAMED, or use {{1}}, {{2}}…';
    add(component, 'parameter_format_mismatch', `${list(wrongStyle)} does not match parameter_format ${format}: ${fix}`);
  }
  if (format === 'POSITIONAL' && styles.every((s) => s === 'positional') && names.some((n, i) => n !== String(i + 1))) {
    add(component, 'variables_not_sequential', `variables must appear as {{1}}, {{2}}… in order without gaps; found ${list(names)}`);
  }
  return names;
}

const ONLY_SPACE = /^\s*$/;
/**
 * What may follow the last variable of a body and still count as "ending with a variable": Meta
 * rejects `Hi {{1}}, gate {{2}}.` as it rejects `… gate {{2}}` (reported by other tools' users; Meta's
 * pages only say "cannot end with a variable").
 */
const ONLY_SPACE_OR_PUNCTUATION = /^[\s\p{P}]*$/u;

function checkPlacement(text: string, add: Add): void {
  const variables = scanVariables(text);
  if (variables.length === 0) return;
  if (ONLY_SPACE.test(text.slice(0, variables[0].start))) {
    add('BODY', 'variable_at_start', 'the body cannot start with a variable: put some text before it');
  }
  if (ONLY_SPACE_OR_PUNCTUATION.test(text.slice(variables[variables.length - 1].end))) {
    add('BODY', 'variable_at_end', 'the body cannot end with a variable, even one followed only by punctuation: put some words after it');
  }
  if (adjacentPair(text, variables)) {
    add('BODY', 'variables_adjacent', 'two variables are next to each other: put some text between them');
  }
}

/**
 * Meta rejects a body with "too many variable parameters relative to the message length" and
 * publishes no number. Syniverse and Mercuri, who found one by testing, agree: the words and the
 * variables together must be at least three times the variables plus one (1 variable: 4; 2: 7;
 * 5: 16). A word is a run of text between white space with at least one letter or digit in it,
 * outside the variables ("Hi {{1}}, gate {{2}}." has 2 words and 2 variables: 4 < 7); every
 * variable counts, a repeated one too.
 */
export const TOO_MANY_VARIABLES = { wordsPerVariable: 3, plus: 1 } as const;

const WORDLIKE = /[\p{L}\p{N}]/u;

/** Words of a body outside its variables (see TOO_MANY_VARIABLES). */
export function countWords(text: string, variables: readonly TextVariable[] = scanVariables(text)): number {
  let rest = '';
  let from = 0;
  for (const v of variables) {
    rest += `${text.slice(from, v.start)} `;
    from = v.end;
  }
  rest += text.slice(from);
  return rest.split(/\s+/).filter((token) => WORDLIKE.test(token)).length;
}

function checkVariableDensity(text: string, add: Add): void {
  const variables = scanVariables(text);
  if (variables.length === 0) return;
  const words = countWords(text, variables);
  const needed = TOO_MANY_VARIABLES.wordsPerVariable * variables.length + TOO_MANY_VARIABLES.plus;
  if (words + variables.length < needed) {
    const more = needed - words - variables.length;
    add(
      'BODY',
      'too_many_variables',
      `the body has ${variables.length} variable${variables.length === 1 ? '' : 's'} and only ${words} other word${words === 1 ? '' : 's'}: Meta rejects templates with too many variables for their length; add at least ${more} word${more === 1 ? '' : 's'} (words and variables together at least ${needed}) or use fewer variables`,
    );
  }
}

function adjacentPair(text: string, variables: readonly TextVariable[]): boolean {
  for (let i = 1; i < variables.length; i++) if (ONLY_SPACE.test(text.slice(variables[i - 1].end, variables[i].start))) return true;
  return false;
}

function checkExamples(
  component: 'HEADER' | 'BODY',
  names: readonly string[],
  format: ParameterFormat,
  positional: unknown,
  named: unknown,
  add: Add,
): void {
  if (names.length === 0) return;
  const field = component === 'HEADER' ? 'header_text' : 'body_text';
  if (format === 'POSITIONAL') {
    const values = Array.isArray(positional) ? positional : [];
    const given = values.filter((v) => typeof v === 'string' && v.trim() !== '').length;
    if (given < names.length) {
      add(component, 'example_missing', `example.${field} needs one sample value per variable (${names.length}); it has ${given}`);
    } else if (values.length > names.length) {
      add(component, 'example_mismatch', `example.${field} has ${values.length} values for ${names.length} variables`);
    }
    return;
  }
  const entries = (Array.isArray(named) ? named : []) as Array<{ param_name?: unknown; example?: unknown }>;
  const withValue = new Set(entries.filter((e) => typeof e.example === 'string' && e.example.trim() !== '').map((e) => e.param_name));
  const missing = names.filter((n) => !withValue.has(n));
  if (missing.length > 0) {
    add(component, 'example_missing', `example.${field}_named_params needs a sample for ${missing.map((n) => `{{${n}}}`).join(', ')}`);
  }
  const unknown = entries.map((e) => e.param_name).filter((n) => typeof n !== 'string' || !names.includes(n));
  if (unknown.length > 0) {
    add(component, 'example_mismatch', `example.${field}_named_params has samples for ${unknown.map(String).join(', ')}, which the text does not use`);
  }
}

function nonEmptyStrings(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== '');
}

// ---------------------------------------------------------------------------------------------
// Buttons

function countOtpButtons(buttons: readonly AnyButton[] | undefined): number {
  return (buttons ?? []).filter((b) => b?.type === 'OTP' || b?.type === 'URL').length;
}

function checkButtons(buttons: readonly AnyButton[], category: TemplateCategory, add: Add): void {
  if (buttons.length === 0) {
    add('BUTTONS', 'buttons_missing', 'a BUTTONS component lists at least one button (or remove it)');
    return;
  }
  if (buttons.length > TEMPLATE_LIMITS.buttons) add('BUTTONS', 'too_many_buttons', `at most ${TEMPLATE_LIMITS.buttons} buttons; there are ${buttons.length}`);
  const count = (type: string) => buttons.filter((b) => b?.type === type).length;
  if (count('URL') > TEMPLATE_LIMITS.urlButtons) add('BUTTONS', 'too_many_url_buttons', `at most ${TEMPLATE_LIMITS.urlButtons} URL buttons`);
  if (count('PHONE_NUMBER') > TEMPLATE_LIMITS.phoneNumberButtons) add('BUTTONS', 'too_many_phone_number_buttons', 'at most one phone number button');
  if (count('COPY_CODE') > TEMPLATE_LIMITS.copyCodeButtons) add('BUTTONS', 'too_many_copy_code_buttons', 'at most one copy code button');
  const ungrouped = firstUngroupedQuickReply(buttons);
  if (ungrouped !== null) {
    add(
      'BUTTONS',
      'quick_replies_not_grouped',
      'quick reply buttons must be next to each other, all before or all after the other buttons',
      ungrouped,
    );
  }
  buttons.forEach((button, index) => checkButton(button, index, category, add));
}

/** The index of the button that splits the quick replies (or the others) into two groups; null when grouped. */
function firstUngroupedQuickReply(buttons: readonly AnyButton[]): number | null {
  let groups = 0;
  for (let i = 0; i < buttons.length; i++) {
    const quick = buttons[i]?.type === 'QUICK_REPLY';
    if (i === 0 || quick !== (buttons[i - 1]?.type === 'QUICK_REPLY')) groups++;
    if (groups > 2) return i;
  }
  return null;
}

function checkButton(button: AnyButton, index: number, category: TemplateCategory, add: Add): void {
  const at = (rule: TemplateRule, message: string) => add('BUTTONS', rule, `button ${index}: ${message}`, index);
  const type: unknown = button?.type;
  if (!(BUTTON_TYPES as readonly unknown[]).includes(type)) {
    at('button_type_unknown', `type ${String(type)} is not one of ${BUTTON_TYPES.join(', ')}`);
    return;
  }
  if (button.type !== 'COPY_CODE') checkButtonText(button.text, button.type === 'OTP', at);
  switch (button.type) {
    case 'URL':
      checkUrlButton(button, category, at);
      break;
    case 'PHONE_NUMBER': {
      const phone: unknown = button.phone_number;
      if (typeof phone !== 'string' || phone.length > TEMPLATE_LIMITS.phoneNumber || !normalisePhone(phone).ok) {
        at('phone_number_invalid', `phone_number must be a valid international number such as +6281234567890 (at most ${TEMPLATE_LIMITS.phoneNumber} characters)`);
      }
      break;
    }
    case 'COPY_CODE': {
      if (category !== 'MARKETING') at('button_not_allowed', 'copy code buttons are for MARKETING templates (authentication templates use an OTP button)');
      const example: unknown = button.example;
      if (typeof example !== 'string' || example.trim() === '') at('example_missing', 'a copy code button needs an example code');
      else if (example.length > TEMPLATE_LIMITS.couponCode) at('copy_code_too_long', `the example code has ${example.length} characters; at most ${TEMPLATE_LIMITS.couponCode}`);
      break;
    }
    case 'OTP':
      checkOtpButton(button, category, at);
      break;
    default:
      break;
  }
}

function checkButtonText(text: unknown, optional: boolean, at: (rule: TemplateRule, message: string) => void): void {
  if (text === undefined && optional) return;
  if (typeof text !== 'string' || text.trim() === '') at('button_text_missing', 'the button needs its text');
  else if (text.length > TEMPLATE_LIMITS.buttonText) at('button_text_too_long', `the text has ${text.length} characters; at most ${TEMPLATE_LIMITS.buttonText}`);
}

function checkUrlButton(button: Extract<AnyButton, { type: 'URL' }>, category: TemplateCategory, at: (rule: TemplateRule, message: string) => void): void {
  const url: unknown = button.url;
  if (typeof url !== 'string' || !/^https?:\/\/[^\s/$.?#][^\s]*$/i.test(url)) {
    at('url_invalid', 'url must be an http(s) URL such as https://shop.example/orders/{{1}}');
    return;
  }
  if (url.length > TEMPLATE_LIMITS.url) at('url_too_long', `the URL has ${url.length} characters; at most ${TEMPLATE_LIMITS.url}`);
  const variables = scanVariables(url);
  if (variables.length === 0) return;
  if (variables.length > 1 || variables[0].end !== url.length) {
    at('url_variable_not_at_end', 'a URL has at most one variable, at its very end (https://shop.example/orders/{{1}})');
  }
  if (variables.some((v) => v.raw !== '1')) at('url_variable_syntax', 'the URL variable is written {{1}}');
  // Meta lists authentication templates with a URL button whose example it fills itself.
  if (category !== 'AUTHENTICATION' && !nonEmptyStrings(button.example)) {
    at('example_missing', 'a URL with a variable needs example: ["<the full URL for a sample value>"]');
  }
}

function checkOtpButton(button: OtpButtonDefinition, category: TemplateCategory, at: (rule: TemplateRule, message: string) => void): void {
  if (category !== 'AUTHENTICATION') at('button_not_allowed', 'OTP buttons are only for AUTHENTICATION templates');
  if (!(OTP_TYPES as readonly unknown[]).includes(button.otp_type)) {
    at('otp_type_invalid', `otp_type must be one of ${OTP_TYPES.join(', ')}`);
    return;
  }
  if (button.otp_type === 'COPY_CODE') return;
  const apps: unknown = button.supported_apps;
  const named =
    Array.isArray(apps) &&
    apps.length > 0 &&
    apps.every((a: { package_name?: unknown; signature_hash?: unknown }) => typeof a?.package_name === 'string' && typeof a?.signature_hash === 'string');
  if (!named) at('otp_app_missing', 'one-tap and zero-tap buttons need supported_apps: [{ package_name, signature_hash }]');
  if (button.otp_type === 'ZERO_TAP' && button.zero_tap_terms_accepted !== true) {
    at('zero_tap_terms_not_accepted', 'zero-tap buttons need zero_tap_terms_accepted: true');
  }
}
