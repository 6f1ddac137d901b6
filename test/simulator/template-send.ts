import type { TemplateParameter, TemplateSendComponent } from '../../src/whatsapp/cloud-api.types';
import { graphErrors } from './graph-errors';
import type { ValidSend } from './message-validation';
import type { TemplateVariables } from './template-definition';
import type { StoredTemplate } from './template-registry';

/**
 * What WhatsApp checks when a template message is sent: the template exists in that language and
 * is APPROVED (132001, 132015 paused, 132016 disabled), and the parameters fill its variables
 * exactly (132000 count or names, 132012 type, 132018 forbidden whitespace).
 */
export function checkTemplateSend(stored: StoredTemplate | undefined, template: NonNullable<ValidSend['template']>): StoredTemplate {
  const label = `${template.name} (${template.language})`;
  if (!stored) throw graphErrors.templateNotFound(`template name (${template.name}) does not exist in ${template.language}`);
  switch (stored.record.status) {
    case 'APPROVED':
      break;
    case 'PAUSED':
      throw graphErrors.templatePaused(`Template ${label} is paused because of low quality`);
    case 'DISABLED':
      throw graphErrors.templateDisabled(`Template ${label} is disabled because of low quality`);
    default:
      // Pending, rejected and the other non-sendable states look to a sender like a missing translation.
      throw graphErrors.templateNotFound(`template name (${template.name}) does not exist in ${template.language} (status ${stored.record.status})`);
  }
  checkParameters(stored.variables, template.components);
  return stored;
}

function checkParameters(variables: TemplateVariables, components: TemplateSendComponent[]): void {
  const ofType = (type: TemplateSendComponent['type']) => components.filter((c) => c.type === type);
  for (const type of ['header', 'body'] as const) {
    if (ofType(type).length > 1) throw graphErrors.invalidParameter(`Param template['components'] has more than one ${type} component`);
  }
  checkTextSlots('body', variables.body, ofType('body')[0]?.parameters ?? [], variables.format);
  const header = ofType('header')[0]?.parameters ?? [];
  if (variables.headerMedia) checkMediaHeader(variables.headerMedia, header);
  else checkTextSlots('header', variables.header, header, variables.format);
  checkButtons(variables, ofType('button') as Array<Extract<TemplateSendComponent, { type: 'button' }>>);
}

const BODY_TYPES = ['text', 'currency', 'date_time'];

function checkTextSlots(where: 'body' | 'header', expected: string[], given: TemplateParameter[], format: TemplateVariables['format']): void {
  if (given.length !== expected.length) {
    throw graphErrors.parameterCount(`${where}: number of localizable_params (${given.length}) does not match the expected number of params (${expected.length})`);
  }
  for (const parameter of given) {
    if (!BODY_TYPES.includes(parameter.type)) throw graphErrors.parameterFormat(`${where}: parameter type ${parameter.type} is not allowed here`);
    if (parameter.type === 'text') checkParameterText(parameter.text);
  }
  if (format === 'NAMED') checkNames(where, expected, given);
}

/** Named templates: every parameter carries parameter_name, and the names are exactly the template's. */
function checkNames(where: string, expected: string[], given: TemplateParameter[]): void {
  const names = given.map((p) => ('parameter_name' in p ? p.parameter_name : undefined));
  if (names.some((n) => n === undefined)) throw graphErrors.parameterCount(`${where}: every parameter of a named template needs parameter_name`);
  const unknown = names.filter((n) => !expected.includes(n as string));
  if (unknown.length > 0 || new Set(names).size !== names.length) {
    throw graphErrors.parameterCount(`${where}: parameter names (${names.join(', ')}) do not match the template's (${expected.join(', ')})`);
  }
}

/** WhatsApp refuses parameter text with newlines, tabs or more than four spaces in a row. */
function checkParameterText(text: string): void {
  if (/[\n\r\t]/.test(text) || / {5,}/.test(text)) {
    throw graphErrors.parameterText('Param text cannot have new-line/tab characters or more than 4 consecutive spaces');
  }
}

function checkMediaHeader(media: NonNullable<TemplateVariables['headerMedia']>, given: TemplateParameter[]): void {
  if (given.length !== 1) throw graphErrors.parameterCount(`header: expected 1 ${media} parameter, received ${given.length}`);
  if (given[0].type !== media) throw graphErrors.parameterFormat(`header: expected a ${media} parameter, received ${given[0].type}`);
}

const SUB_TYPE_OF: Record<string, string> = { QUICK_REPLY: 'quick_reply', URL: 'url', COPY_CODE: 'copy_code', FLOW: 'flow', OTP: 'url' };

function checkButtons(variables: TemplateVariables, components: Array<Extract<TemplateSendComponent, { type: 'button' }>>): void {
  const filled = new Set<number>();
  for (const component of components) {
    const index = Number(component.index);
    const button = variables.buttons[index];
    if (!button) throw graphErrors.invalidValue(`button at index ${index} does not exist in the template`);
    if (SUB_TYPE_OF[button.type] !== component.sub_type) {
      throw graphErrors.invalidValue(`button at index ${index} is ${button.type}, not ${component.sub_type}`);
    }
    if (button.type === 'URL') {
      const expected = button.urlVariable ? 1 : 0;
      if (component.parameters.length !== expected) {
        throw graphErrors.parameterCount(`button ${index}: expected ${expected} parameters, received ${component.parameters.length}`);
      }
      for (const p of component.parameters) {
        if (p.type !== 'text') throw graphErrors.parameterFormat(`button ${index}: URL parameters are text`);
      }
    }
    filled.add(index);
  }
  variables.buttons.forEach((button, index) => {
    if (button.urlVariable && !filled.has(index)) throw graphErrors.parameterCount(`button ${index}: its URL variable needs a parameter`);
  });
}
