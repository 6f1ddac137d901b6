import type { MessageType, TemplateParameter, TemplateSendComponent } from '../../src/whatsapp/cloud-api.types';
import { graphErrors } from './graph-errors';
import { isNonEmptyString, isObject, type JsonObject } from './json';

/**
 * Checks the body of POST /{phone-number-id}/messages the way WhatsApp does before accepting it:
 * shape errors are code 100 with details naming the field, limits on interactive messages are
 * 131009. Template names, statuses and parameter counts are checked later against the registry.
 */

export interface ValidSend {
  /** `to` exactly as sent, echoed as contacts[].input. */
  to: string;
  /** The recipient's WhatsApp id: digits, with WhatsApp's country quirks applied. */
  waId: string;
  type: MessageType;
  callbackData?: string;
  template?: { name: string; language: string; components: TemplateSendComponent[] };
}

const MESSAGE_TYPES: readonly MessageType[] = ['text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contacts', 'interactive', 'template'];
const LIMITS = {
  text: 4096,
  callbackData: 512,
  caption: 1024,
  interactiveBody: 1024,
  footer: 60,
  buttons: 3,
  buttonTitle: 20,
  buttonId: 256,
  sections: 10,
  rows: 10,
  rowTitle: 24,
  rowId: 200,
  rowDescription: 72,
  listButton: 20,
  templateName: 512,
};

// Error constructors naming the offending field, as WhatsApp's error_data.details does.
const missing = (path: string) => graphErrors.invalidParameter(`Param ${path} is required`);
const malformed = (path: string, why: string) => graphErrors.invalidParameter(`Param ${path} ${why}`);
const outOfRange = (path: string, why: string) => graphErrors.invalidValue(`Param ${path} ${why}`);

const child = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}['${key}']` : key);

export function validateSendRequest(body: unknown): ValidSend {
  if (!isObject(body)) throw graphErrors.invalidParameter('The request body must be a JSON object');
  if (body.messaging_product === undefined) throw missing('messaging_product');
  if (body.messaging_product !== 'whatsapp') throw malformed('messaging_product', "must be 'whatsapp'");
  if (body.recipient_type !== undefined && body.recipient_type !== 'individual') throw malformed('recipient_type', "must be 'individual'");
  const to = recipient(body.to);
  const type = messageType(body.type);
  const callbackData = optionalString(body, 'biz_opaque_callback_data', '', LIMITS.callbackData);
  if (body.context !== undefined) requiredString(requiredObject(body, 'context', ''), 'message_id', 'context');
  const send: ValidSend = { to, waId: waIdOf(to), type, callbackData };
  if (body[type] === undefined) throw missing(type);
  if (type === 'contacts') contactsList(body.contacts);
  else if (type === 'template') send.template = template(requiredObject(body, type, ''), type);
  else CONTENT_CHECKS[type](requiredObject(body, type, ''), type);
  return send;
}

/** WhatsApp wants the international number's digits; a leading '+' is tolerated. */
function recipient(value: unknown): string {
  if (value === undefined || value === '') throw missing('to');
  if (typeof value !== 'string' || !/^\+?\d{7,15}$/.test(value)) throw malformed('to', 'must be the international phone number in digits');
  return value;
}

/** The wa_id WhatsApp reports: digits; Mexican mobile numbers lose the legacy '1' after +52. */
export function waIdOf(to: string): string {
  const digits = to.replace(/^\+/, '');
  return /^521\d{10}$/.test(digits) ? `52${digits.slice(3)}` : digits;
}

function messageType(value: unknown): MessageType {
  if (value === undefined) throw missing('type');
  if (typeof value !== 'string' || !(MESSAGE_TYPES as readonly string[]).includes(value)) {
    throw malformed('type', `must be one of ${MESSAGE_TYPES.join(', ')}`);
  }
  return value as MessageType;
}

// ---------------------------------------------------------------------------------------------
// Field helpers

function requiredObject(parent: JsonObject, key: string, path: string): JsonObject {
  const value = parent[key];
  if (value === undefined) throw missing(child(path, key));
  if (!isObject(value)) throw malformed(child(path, key), 'must be an object');
  return value;
}

function requiredArray(parent: JsonObject, key: string, path: string): unknown[] {
  const value = parent[key];
  if (value === undefined) throw missing(child(path, key));
  if (!Array.isArray(value)) throw malformed(child(path, key), 'must be a list');
  return value;
}

/** A non-empty string; beyond maxLength it is `tooLong` (code 100 unless the limit is a 131009 one). */
function requiredString(parent: JsonObject, key: string, path: string, maxLength = Infinity, tooLong = malformed): string {
  const value = parent[key];
  if (value === undefined || value === '') throw missing(child(path, key));
  if (typeof value !== 'string') throw malformed(child(path, key), 'must be a string');
  if (value.length > maxLength) throw tooLong(child(path, key), `must be at most ${maxLength} characters long`);
  return value;
}

function optionalString(parent: JsonObject, key: string, path: string, maxLength = Infinity, tooLong = malformed): string | undefined {
  return parent[key] === undefined ? undefined : requiredString(parent, key, path, maxLength, tooLong);
}

function requiredUrl(parent: JsonObject, key: string, path: string): string {
  const value = requiredString(parent, key, path);
  if (!/^https?:\/\/[^\s/$.?#][^\s]*$/i.test(value)) throw malformed(child(path, key), 'must be an http(s) URL');
  return value;
}

function coordinate(parent: JsonObject, key: string, path: string, limit: number): void {
  const raw = parent[key];
  if (raw === undefined) throw missing(child(path, key));
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > limit) {
    throw malformed(child(path, key), `must be a number between -${limit} and ${limit}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Content by type

type ContentCheck = (content: JsonObject, path: string) => void;

function text(content: JsonObject, path: string): void {
  requiredString(content, 'body', path, LIMITS.text);
  if (content.preview_url !== undefined && typeof content.preview_url !== 'boolean') throw malformed(child(path, 'preview_url'), 'must be true or false');
}

/** Media by URL or by uploaded id: exactly one of the two. */
function mediaRef(content: JsonObject, path: string): void {
  if ((content.link === undefined) === (content.id === undefined)) throw malformed(path, "must have exactly one of 'link' or 'id'");
  if (content.link !== undefined) requiredUrl(content, 'link', path);
  else requiredString(content, 'id', path);
}

const media =
  (options: { caption?: boolean; filename?: boolean } = {}): ContentCheck =>
  (content, path) => {
    mediaRef(content, path);
    if (options.caption) optionalString(content, 'caption', path, LIMITS.caption);
    if (options.filename) optionalString(content, 'filename', path);
  };

function location(content: JsonObject, path: string): void {
  coordinate(content, 'latitude', path, 90);
  coordinate(content, 'longitude', path, 180);
  optionalString(content, 'name', path);
  optionalString(content, 'address', path);
}

function contactsList(value: unknown): void {
  if (!Array.isArray(value) || value.length === 0) throw malformed('contacts', 'must be a non-empty list');
  value.forEach((card, i) => {
    const path = child('contacts', i);
    if (!isObject(card)) throw malformed(path, 'must be an object');
    requiredString(requiredObject(card, 'name', path), 'formatted_name', child(path, 'name'));
    if (card.phones !== undefined && !Array.isArray(card.phones)) throw malformed(child(path, 'phones'), 'must be a list');
  });
}

function interactive(content: JsonObject, path: string): void {
  const kind = content.type;
  if (kind === undefined) throw missing(child(path, 'type'));
  if (kind !== 'button' && kind !== 'list' && kind !== 'cta_url') throw malformed(child(path, 'type'), "must be one of button, list, cta_url");
  requiredString(requiredObject(content, 'body', path), 'text', child(path, 'body'), LIMITS.interactiveBody);
  if (content.footer !== undefined) requiredString(requiredObject(content, 'footer', path), 'text', child(path, 'footer'), LIMITS.footer);
  const action = requiredObject(content, 'action', path);
  const actionPath = child(path, 'action');
  if (kind === 'button') replyButtons(action, actionPath);
  else if (kind === 'list') listSections(action, actionPath);
  else callToAction(action, actionPath);
}

function replyButtons(action: JsonObject, path: string): void {
  const buttons = requiredArray(action, 'buttons', path);
  const listPath = child(path, 'buttons');
  if (buttons.length === 0) throw missing(child(listPath, 0));
  if (buttons.length > LIMITS.buttons) throw outOfRange(listPath, `must have at most ${LIMITS.buttons} elements`);
  const ids = new Set<string>();
  buttons.forEach((button, i) => {
    const buttonPath = child(listPath, i);
    if (!isObject(button)) throw malformed(buttonPath, 'must be an object');
    if (button.type !== 'reply') throw malformed(child(buttonPath, 'type'), "must be 'reply'");
    const reply = requiredObject(button, 'reply', buttonPath);
    const replyPath = child(buttonPath, 'reply');
    const id = requiredString(reply, 'id', replyPath, LIMITS.buttonId, outOfRange);
    requiredString(reply, 'title', replyPath, LIMITS.buttonTitle, outOfRange);
    if (ids.has(id)) throw outOfRange(child(replyPath, 'id'), 'must be unique');
    ids.add(id);
  });
}

function listSections(action: JsonObject, path: string): void {
  requiredString(action, 'button', path, LIMITS.listButton, outOfRange);
  const sections = requiredArray(action, 'sections', path);
  const sectionsPath = child(path, 'sections');
  if (sections.length === 0) throw missing(child(sectionsPath, 0));
  if (sections.length > LIMITS.sections) throw outOfRange(sectionsPath, `must have at most ${LIMITS.sections} elements`);
  let rowCount = 0;
  sections.forEach((section, i) => {
    const sectionPath = child(sectionsPath, i);
    if (!isObject(section)) throw malformed(sectionPath, 'must be an object');
    // A title is optional for a single section and required as soon as there are several.
    if (sections.length > 1) requiredString(section, 'title', sectionPath, LIMITS.rowTitle, outOfRange);
    const rows = requiredArray(section, 'rows', sectionPath);
    if (rows.length === 0) throw missing(child(child(sectionPath, 'rows'), 0));
    rowCount += rows.length;
    rows.forEach((row, j) => {
      const rowPath = child(child(sectionPath, 'rows'), j);
      if (!isObject(row)) throw malformed(rowPath, 'must be an object');
      requiredString(row, 'id', rowPath, LIMITS.rowId, outOfRange);
      requiredString(row, 'title', rowPath, LIMITS.rowTitle, outOfRange);
      optionalString(row, 'description', rowPath, LIMITS.rowDescription, outOfRange);
    });
  });
  if (rowCount > LIMITS.rows) throw outOfRange(sectionsPath, `must have at most ${LIMITS.rows} rows in all`);
}

function callToAction(action: JsonObject, path: string): void {
  if (action.name !== 'cta_url') throw malformed(child(path, 'name'), "must be 'cta_url'");
  const parameters = requiredObject(action, 'parameters', path);
  requiredString(parameters, 'display_text', child(path, 'parameters'), LIMITS.buttonTitle, outOfRange);
  requiredUrl(parameters, 'url', child(path, 'parameters'));
}

const CONTENT_CHECKS: Record<Exclude<MessageType, 'template' | 'contacts'>, ContentCheck> = {
  text,
  image: media({ caption: true }),
  video: media({ caption: true }),
  audio: media(),
  document: media({ caption: true, filename: true }),
  sticker: media(),
  location,
  interactive,
};

// ---------------------------------------------------------------------------------------------
// Template messages: the shape only (the registry checks names, statuses and parameters)

const COMPONENT_TYPES = ['header', 'body', 'button'];
const BUTTON_SUB_TYPES = ['quick_reply', 'url', 'copy_code', 'flow', 'catalog', 'voice_call'];

function template(content: JsonObject, path: string): NonNullable<ValidSend['template']> {
  const name = requiredString(content, 'name', path, LIMITS.templateName);
  const language = requiredString(requiredObject(content, 'language', path), 'code', child(path, 'language'));
  const raw = content.components === undefined ? [] : requiredArray(content, 'components', path);
  const components = raw.map((component, i) => templateComponent(component, child(child(path, 'components'), i)));
  return { name, language, components };
}

function templateComponent(component: unknown, path: string): TemplateSendComponent {
  if (!isObject(component)) throw malformed(path, 'must be an object');
  const type = typeof component.type === 'string' ? component.type.toLowerCase() : component.type;
  if (type === undefined) throw missing(child(path, 'type'));
  if (typeof type !== 'string' || !COMPONENT_TYPES.includes(type)) throw malformed(child(path, 'type'), `must be one of ${COMPONENT_TYPES.join(', ')}`);
  const rawParameters = component.parameters === undefined && type === 'button' ? [] : requiredArray(component, 'parameters', path);
  const parameters = rawParameters.map((p, i) => templateParameter(p, child(child(path, 'parameters'), i)));
  if (type !== 'button') return { type, parameters } as TemplateSendComponent;
  const subType = requiredString(component, 'sub_type', path);
  if (!BUTTON_SUB_TYPES.includes(subType)) throw malformed(child(path, 'sub_type'), `must be one of ${BUTTON_SUB_TYPES.join(', ')}`);
  const index = String(component.index ?? '');
  if (!/^\d$/.test(index)) throw malformed(child(path, 'index'), 'must be the button position, 0 to 9');
  return { type: 'button', sub_type: subType as 'url', index, parameters };
}

function templateParameter(parameter: unknown, path: string): TemplateParameter {
  if (!isObject(parameter)) throw malformed(path, 'must be an object');
  if (parameter.parameter_name !== undefined && !isNonEmptyString(parameter.parameter_name)) {
    throw malformed(child(path, 'parameter_name'), 'must be a non-empty string');
  }
  switch (parameter.type) {
    case 'text':
      requiredString(parameter, 'text', path);
      break;
    case 'currency': {
      const currency = requiredObject(parameter, 'currency', path);
      requiredString(currency, 'fallback_value', child(path, 'currency'));
      requiredString(currency, 'code', child(path, 'currency'));
      if (typeof currency.amount_1000 !== 'number') throw malformed(child(child(path, 'currency'), 'amount_1000'), 'must be a number');
      break;
    }
    case 'date_time':
      requiredString(requiredObject(parameter, 'date_time', path), 'fallback_value', child(path, 'date_time'));
      break;
    case 'image':
    case 'video':
    case 'document':
      mediaRef(requiredObject(parameter, parameter.type, path), child(path, parameter.type));
      break;
    case 'location':
      location(requiredObject(parameter, 'location', path), child(path, 'location'));
      break;
    case 'payload':
    case 'coupon_code':
      requiredString(parameter, parameter.type, path);
      break;
    case undefined:
      throw missing(child(path, 'type'));
    default:
      throw malformed(child(path, 'type'), 'is not a valid parameter type');
  }
  return parameter as TemplateParameter;
}
