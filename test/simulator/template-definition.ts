import { TEMPLATE_LANGUAGES, type TemplateButtonDefinition, type TemplateComponentDefinition, type TemplateDefinition } from '../../src/whatsapp/cloud-api.types';
import { graphErrors } from './graph-errors';
import { isNonEmptyString, isObject, type JsonObject } from './json';
import { TEMPLATE_CATEGORIES } from './options';

/**
 * Checks a template definition as WhatsApp does on creation (code 100 with details), and extracts
 * the variables a send must fill: {{1}}, {{2}}… (POSITIONAL) or {{first_name}} (NAMED).
 */

export interface TemplateVariables {
  format: 'POSITIONAL' | 'NAMED';
  /** Distinct body variables: "1", "2"… or names, in order of appearance. */
  body: string[];
  /** The header's variable, if its text has one (at most one). */
  header: string[];
  /** A media or location header, which every send must fill with one parameter of that type. */
  headerMedia?: 'image' | 'video' | 'document' | 'location';
  /** Per button position: its type and whether its URL ends with a variable. */
  buttons: Array<{ type: TemplateButtonDefinition['type']; urlVariable: boolean }>;
}

const LIMITS = { name: 512, body: 1024, header: 60, footer: 60, buttons: 10, buttonText: 25, urlButtons: 2 };
const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const HEADER_FORMATS = ['TEXT', 'IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION'] as const;
const BUTTON_TYPES = ['QUICK_REPLY', 'URL', 'PHONE_NUMBER', 'COPY_CODE', 'OTP', 'FLOW'];

const invalid = (details: string) => graphErrors.invalidParameter(details);

export function validateTemplateDefinition(input: unknown): TemplateDefinition {
  if (!isObject(input)) throw invalid('The template must be a JSON object');
  const { name, language, category } = input;
  if (!isNonEmptyString(name)) throw invalid('Param name is required');
  if (name.length > LIMITS.name || !/^[a-z0-9_]+$/.test(name)) {
    throw invalid(`Param name must be at most ${LIMITS.name} characters of lowercase letters, digits and underscores`);
  }
  if (!isNonEmptyString(language)) throw invalid('Param language is required');
  if (!(TEMPLATE_LANGUAGES as readonly string[]).includes(language)) throw graphErrors.templateLanguage(language);
  if (typeof category !== 'string' || !(TEMPLATE_CATEGORIES as readonly string[]).includes(category)) {
    throw invalid(`Param category must be one of ${TEMPLATE_CATEGORIES.join(', ')}`);
  }
  const format = input.parameter_format ?? 'POSITIONAL';
  if (format !== 'POSITIONAL' && format !== 'NAMED') throw invalid('Param parameter_format must be POSITIONAL or NAMED');
  if (!Array.isArray(input.components) || input.components.length === 0) throw invalid('Param components is required');
  const components = input.components.map((c, i) => component(c, `components[${i}]`));
  if (components.filter((c) => c.type === 'BODY').length !== 1) throw invalid('Param components must have exactly one BODY');
  const definition: TemplateDefinition = {
    name,
    language,
    category: category as TemplateDefinition['category'],
    ...(input.parameter_format !== undefined ? { parameter_format: format } : {}),
    components,
  };
  templateVariables(definition); // rejects badly numbered or named variables
  return definition;
}

/**
 * The components of an edit (POST /{template-id}), checked as on creation against the template's
 * own name, language and parameter format; every component is replaced.
 */
export function validateEditedComponents(current: TemplateDefinition, input: unknown): TemplateComponentDefinition[] {
  if (!isObject(input) || !Array.isArray(input.components) || input.components.length === 0) throw invalid('Param components is required');
  const components = input.components.map((c, i) => component(c, `components[${i}]`));
  if (components.filter((c) => c.type === 'BODY').length !== 1) throw invalid('Param components must have exactly one BODY');
  templateVariables({ ...current, components });
  return components;
}

function component(raw: unknown, path: string): TemplateComponentDefinition {
  if (!isObject(raw)) throw invalid(`Param ${path} must be an object`);
  const type = typeof raw.type === 'string' ? raw.type.toUpperCase() : '';
  switch (type) {
    case 'BODY':
      return { ...raw, type, text: text(raw, path, LIMITS.body) } as TemplateComponentDefinition;
    case 'FOOTER': {
      const footer = text(raw, path, LIMITS.footer);
      if (/\{\{[^{}]*\}\}/.test(footer)) throw invalid(`Param ${path}.text cannot have variables`);
      return { ...raw, type, text: footer } as TemplateComponentDefinition;
    }
    case 'HEADER': {
      const format = typeof raw.format === 'string' ? raw.format.toUpperCase() : '';
      if (!(HEADER_FORMATS as readonly string[]).includes(format)) throw invalid(`Param ${path}.format must be one of ${HEADER_FORMATS.join(', ')}`);
      if (format === 'TEXT') text(raw, path, LIMITS.header);
      return { ...raw, type, format } as TemplateComponentDefinition;
    }
    case 'BUTTONS':
      return { ...raw, type, buttons: buttons(raw, path) } as TemplateComponentDefinition;
    default:
      throw invalid(`Param ${path}.type must be one of HEADER, BODY, FOOTER, BUTTONS`);
  }
}

function text(raw: JsonObject, path: string, max: number): string {
  if (!isNonEmptyString(raw.text)) throw invalid(`Param ${path}.text is required`);
  if (raw.text.length > max) throw invalid(`Param ${path}.text must be at most ${max} characters long`);
  return raw.text;
}

function buttons(raw: JsonObject, path: string): TemplateButtonDefinition[] {
  const list = raw.buttons;
  if (!Array.isArray(list) || list.length === 0) throw invalid(`Param ${path}.buttons is required`);
  if (list.length > LIMITS.buttons) throw invalid(`Param ${path}.buttons must have at most ${LIMITS.buttons} buttons`);
  list.forEach((button, i) => {
    const at = `${path}.buttons[${i}]`;
    if (!isObject(button) || typeof button.type !== 'string' || !BUTTON_TYPES.includes(button.type)) {
      throw invalid(`Param ${at}.type must be one of ${BUTTON_TYPES.join(', ')}`);
    }
    if (button.type !== 'COPY_CODE' && (!isNonEmptyString(button.text) || button.text.length > LIMITS.buttonText)) {
      throw invalid(`Param ${at}.text must be 1 to ${LIMITS.buttonText} characters`);
    }
    if (button.type === 'URL' && !(isNonEmptyString(button.url) && /^https?:\/\//.test(button.url))) throw invalid(`Param ${at}.url must be an http(s) URL`);
  });
  if (list.filter((b: JsonObject) => b.type === 'URL').length > LIMITS.urlButtons) {
    throw invalid(`Param ${path}.buttons may have at most ${LIMITS.urlButtons} URL buttons`);
  }
  return list as TemplateButtonDefinition[];
}

/** The variables of a (validated) definition; throws code 100 when they break WhatsApp's rules. */
export function templateVariables(definition: TemplateDefinition): TemplateVariables {
  const format = definition.parameter_format ?? 'POSITIONAL';
  const variables: TemplateVariables = { format, body: [], header: [], buttons: [] };
  for (const c of definition.components) {
    if (c.type === 'BODY') {
      variables.body = distinctVariables(c.text, format, 'BODY');
      const trimmed = c.text.trim();
      if (variables.body.length > 0 && (trimmed.startsWith('{{') || trimmed.endsWith('}}'))) {
        throw invalid('Param BODY.text cannot start or end with a variable');
      }
    } else if (c.type === 'HEADER') {
      if (c.format === 'TEXT') variables.header = distinctVariables(c.text ?? '', format, 'HEADER');
      else variables.headerMedia = c.format.toLowerCase() as TemplateVariables['headerMedia'];
      if (variables.header.length > 1) throw invalid('Param HEADER.text may have at most one variable');
    } else if (c.type === 'BUTTONS') {
      variables.buttons = c.buttons.map((b) => ({ type: b.type, urlVariable: b.type === 'URL' && /\{\{\s*1\s*\}\}\s*$/.test(b.url) }));
    }
  }
  return variables;
}

function distinctVariables(text: string, format: 'POSITIONAL' | 'NAMED', where: string): string[] {
  const names = [...new Set([...text.matchAll(VARIABLE)].map((m) => m[1]))];
  if (format === 'NAMED') {
    const bad = names.find((n) => !/^[a-z][a-z0-9_]*$/.test(n));
    if (bad !== undefined) throw invalid(`Param ${where}.text has variable {{${bad}}}: named variables are lowercase letters, digits and underscores`);
    return names;
  }
  const bad = names.find((n) => !/^[1-9]\d*$/.test(n));
  if (bad !== undefined) throw invalid(`Param ${where}.text has variable {{${bad}}}: positional variables are {{1}}, {{2}}…`);
  const numbers = names.map(Number).sort((a, b) => a - b);
  if (numbers.some((n, i) => n !== i + 1)) throw invalid(`Param ${where}.text variables must be numbered from {{1}} without gaps`);
  return numbers.map(String);
}
