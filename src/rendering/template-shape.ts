import type { TemplateButtonDefinition, TemplateComponentDefinition, TemplateDefinition } from '../whatsapp/cloud-api.types';
import { distinctNames, literalLength, POSITIONAL_NAME, scanVariables } from './template-text';

/**
 * The shape of a template as a send sees it: its components by type, and the parameters a send of
 * it must fill (keys, kinds, positions and how long each value may be). Reads any definition, valid
 * or not: validating a definition is the templates module's business (template-rules.ts there).
 *
 * Sources: the "Templates" section of shared/WHATSAPP.md; Meta's template pages
 * (developers.facebook.com/documentation/business-messaging/whatsapp/templates/components,
 * …/authentication-templates/copy-code-button-authentication-templates,
 * …/marketing-templates/coupon-templates).
 */

// ---------------------------------------------------------------------------------------------
// AUTHENTICATION templates: shapes Meta accepts that cloud-api.types.ts does not model (yet).
// Meta presets their text ("<code> is your verification code."); the business chooses only the
// security note, the expiry and the one-time-password button. Once created, Meta lists them with
// a BODY text and a URL button, which the common types describe: both forms are accepted here.

export interface OtpButtonDefinition {
  type: 'OTP';
  otp_type: 'COPY_CODE' | 'ONE_TAP' | 'ZERO_TAP';
  text?: string;
  autofill_text?: string;
  supported_apps?: Array<{ package_name: string; signature_hash: string }>;
  zero_tap_terms_accepted?: boolean;
}

export type AuthenticationComponentDefinition =
  | { type: 'BODY'; text?: string; add_security_recommendation?: boolean }
  | { type: 'FOOTER'; text?: string; code_expiration_minutes?: number }
  | { type: 'BUTTONS'; buttons: Array<TemplateButtonDefinition | OtpButtonDefinition> };

export interface AuthenticationTemplateDefinition extends Omit<TemplateDefinition, 'category' | 'components'> {
  category: 'AUTHENTICATION';
  components: AuthenticationComponentDefinition[];
  message_send_ttl_seconds?: number;
}

/** Any template this module reads: the common definition, or an authentication one in Meta's creation form. */
export type TemplateInput = TemplateDefinition | AuthenticationTemplateDefinition;

export type AnyButton = TemplateButtonDefinition | OtpButtonDefinition;
export type AnyComponent = TemplateComponentDefinition | AuthenticationComponentDefinition;

/** How a template's variables are written: {{1}}, {{2}}… (POSITIONAL, the default) or {{name}} (NAMED). */
export type ParameterFormat = 'POSITIONAL' | 'NAMED';

// ---------------------------------------------------------------------------------------------
// Limits

/**
 * WhatsApp's limits on a template: lengths in UTF-16 code units, the variable and button entries
 * as counts, codeExpirationMinutes in minutes. Sources: shared/WHATSAPP.md "Templates" and Meta's
 * pages above (each validation rule that applies one names its own). The templates module checks a
 * definition against all of them; rendering checks each recipient's values against the lengths.
 */
export const TEMPLATE_LIMITS = {
  name: 512,
  body: 1024,
  header: 60,
  footer: 60,
  headerVariables: 1,
  buttons: 10,
  urlButtons: 2,
  phoneNumberButtons: 1,
  copyCodeButtons: 1,
  buttonText: 25,
  url: 2000,
  phoneNumber: 20,
  couponCode: 15,
  otpCode: 15,
  codeExpirationMinutes: 90,
} as const;

// ---------------------------------------------------------------------------------------------
// Components, read loosely: a definition may come straight from JSON.

export interface HeaderPart {
  format: string;
  text?: string;
  example?: { header_text?: string[]; header_text_named_params?: Array<{ param_name: string; example: string }>; header_handle?: string[] };
}
export interface BodyPart {
  text?: string;
  example?: { body_text?: string[][]; body_text_named_params?: Array<{ param_name: string; example: string }> };
  add_security_recommendation?: boolean;
}
export interface FooterPart {
  text?: string;
  code_expiration_minutes?: number;
}

export interface TemplateParts {
  header?: HeaderPart;
  body?: BodyPart;
  footer?: FooterPart;
  buttons?: AnyButton[];
}

/** A component `templateParts` leaves out: of a type WhatsApp does not know, or a second one of a type. */
export type SkippedComponent =
  | { reason: 'unknown_type'; index: number; type: unknown }
  | { reason: 'duplicate'; index: number; type: 'HEADER' | 'BODY' | 'FOOTER' | 'BUTTONS' };

/** The components by type (the first of each); `onSkipped` hears of each unknown or repeated one. */
export function templateParts(def: TemplateInput, onSkipped: (skipped: SkippedComponent) => void = () => undefined): TemplateParts {
  const parts: TemplateParts = {};
  const components: readonly AnyComponent[] = Array.isArray(def.components) ? def.components : [];
  const seen = new Set<string>();
  components.forEach((component, index) => {
    const type: unknown = component?.type;
    if (type !== 'HEADER' && type !== 'BODY' && type !== 'FOOTER' && type !== 'BUTTONS') {
      onSkipped({ reason: 'unknown_type', index, type });
      return;
    }
    if (seen.has(type)) {
      onSkipped({ reason: 'duplicate', index, type });
      return;
    }
    seen.add(type);
    if (component.type === 'HEADER') parts.header = component;
    else if (component.type === 'BODY') parts.body = component;
    else if (component.type === 'FOOTER') parts.footer = component;
    else parts.buttons = Array.isArray(component.buttons) ? component.buttons : [];
  });
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Parameters a send must fill

/**
 * Stable keys: `header.1` / `header.<name>` (text header variable), `header.media` (image, video,
 * document or location header), `body.1`…`body.N` / `body.<name>`, `button.<index>.1` (URL suffix),
 * `button.<index>.code` (copy-code coupon, or an authentication template's one-time password),
 * `button.<index>.payload` (optional quick-reply payload, echoed back when the button is tapped).
 */
export type ParameterKey = string;

export type SlotKind = 'text' | 'image' | 'video' | 'document' | 'location' | 'url' | 'coupon_code' | 'otp' | 'payload';

export interface ParameterSlot {
  key: ParameterKey;
  component: 'header' | 'body' | 'button';
  /** 1-based position of the parameter within its component's `parameters`, in WhatsApp's order. */
  position: number;
  /** The variable's name: sent as `parameter_name` in NAMED templates; "1", "2"… in POSITIONAL ones. */
  name?: string;
  kind: SlotKind;
  /** For button slots: the button's position in the template. */
  buttonIndex?: number;
  /** The longest value WhatsApp takes there (UTF-16 code units), when there is a limit. */
  maxLength?: number;
  /** False only for quick-reply payloads. */
  required: boolean;
}

/**
 * The parameters a send of this template needs, in send order: header, body, then buttons by
 * position. Works on any definition (an invalid one gives its best reading); validate first.
 */
export function templateParameters(def: TemplateInput): ParameterSlot[] {
  const parts = templateParts(def);
  const format: ParameterFormat = def.parameter_format === 'NAMED' ? 'NAMED' : 'POSITIONAL';
  const isAuth = def.category === 'AUTHENTICATION';
  const slots: ParameterSlot[] = [];

  const header = parts.header;
  if (header && !isAuth) {
    if (header.format === 'TEXT' && typeof header.text === 'string') {
      const max = TEMPLATE_LIMITS.header - literalLength(header.text);
      orderedNames(header.text, format).slice(0, 1).forEach((name, i) => {
        slots.push({ key: `header.${name}`, component: 'header', position: i + 1, name, kind: 'text', maxLength: max, required: true });
      });
    } else if (header.format === 'IMAGE' || header.format === 'VIDEO' || header.format === 'DOCUMENT' || header.format === 'LOCATION') {
      slots.push({ key: 'header.media', component: 'header', position: 1, kind: header.format.toLowerCase() as SlotKind, required: true });
    }
  }

  if (isAuth) {
    slots.push({ key: 'body.1', component: 'body', position: 1, name: '1', kind: 'text', maxLength: TEMPLATE_LIMITS.otpCode, required: true });
  } else if (typeof parts.body?.text === 'string') {
    const text = parts.body.text;
    const max = TEMPLATE_LIMITS.body - literalLength(text);
    orderedNames(text, format).forEach((name, i) => {
      slots.push({ key: `body.${name}`, component: 'body', position: i + 1, name, kind: 'text', maxLength: max, required: true });
    });
  }

  (parts.buttons ?? []).forEach((button, index) => {
    const slot = buttonSlot(button, index, isAuth);
    if (slot) slots.push(slot);
  });
  return slots;
}

function buttonSlot(button: AnyButton, index: number, isAuth: boolean): ParameterSlot | null {
  const base = { component: 'button' as const, position: 1, buttonIndex: index };
  switch (button?.type) {
    case 'OTP':
      return { ...base, key: `button.${index}.code`, kind: 'otp', maxLength: TEMPLATE_LIMITS.otpCode, required: true };
    case 'URL': {
      if (isAuth) return { ...base, key: `button.${index}.code`, kind: 'otp', maxLength: TEMPLATE_LIMITS.otpCode, required: true };
      if (typeof button.url !== 'string' || scanVariables(button.url).length === 0) return null;
      const max = TEMPLATE_LIMITS.url - literalLength(button.url);
      return { ...base, key: `button.${index}.1`, name: '1', kind: 'url', maxLength: max, required: true };
    }
    case 'COPY_CODE':
      return { ...base, key: `button.${index}.code`, kind: 'coupon_code', maxLength: TEMPLATE_LIMITS.couponCode, required: true };
    case 'QUICK_REPLY':
      return { ...base, key: `button.${index}.payload`, kind: 'payload', required: false };
    default:
      return null;
  }
}

/** Variable names in send order: by number for POSITIONAL, by first appearance for NAMED. */
function orderedNames(text: string, format: ParameterFormat): string[] {
  const names = distinctNames(scanVariables(text));
  if (format === 'NAMED') return names;
  return names.filter((n) => POSITIONAL_NAME.test(n)).sort((a, b) => Number(a) - Number(b));
}
