import { DomainError } from '../common/domain-error';

/**
 * What binding and rendering share: the contact that expressions read, and the two kinds of
 * problem. A `BindingError` is about the campaign's configuration (found once, when compiling);
 * a `RenderProblem` is about one recipient's data (found per render, returned, never thrown).
 */

/**
 * The data an expression can read. Exposed to Handlebars as the root context, as is:
 * `{{name}}`, `{{phone}}` (E.164), `{{country}}` (ISO 3166 alpha-2), `{{attributes.city}}`
 * (any attribute, nested objects too: `{{attributes.address.zip}}`; keys with spaces through
 * `{{lookup attributes "favourite colour"}}`), `{{tags}}` (an array: `{{#each tags}}…{{/each}}`)
 * and `{{id}}`. Only own properties are read (Handlebars' prototype-access rules).
 */
export interface RenderContact {
  id?: string;
  name?: string | null;
  phone?: string | null;
  country?: string | null;
  attributes: Record<string, unknown>;
  tags?: readonly string[];
}

/** Configuration problems, found when a binding or a session message is compiled. */
export type BindingRule =
  /** A parameter the template needs has no binding. */
  | 'binding_missing'
  /** A binding names a parameter the template does not have. */
  | 'unknown_parameter'
  /** The Handlebars source does not parse. */
  | 'syntax_error'
  /** A helper that is not registered ({{shout name}}), or a path used as a helper. */
  | 'unknown_helper'
  /** Partials, decorators and other Handlebars features that have no place in a message. */
  | 'unsupported_syntax'
  /** A literal helper argument that can never work: an unknown currency code, time zone, locale or date pattern. */
  | 'invalid_helper_argument'
  /** A binding of the wrong kind for its parameter (media for a text variable, text for a media header…). */
  | 'type_mismatch'
  /** A typed binding without a field it needs (currency without amount, media without link or id…). */
  | 'invalid_binding'
  /** A session message whose structure WhatsApp refuses whatever the data (4 reply buttons, 11 list rows…). */
  | 'invalid_structure'
  /** A constant text (no expression in it) that breaks a rule every recipient would break. */
  | ValueRule;

export interface BindingProblem {
  /** The parameter key (`body.1`, `header.media`, `button.0.1`) or, for session messages, the field path (`interactive.body.text`). */
  parameter: string;
  rule: BindingRule;
  message: string;
}

/** Per-recipient problems: the data of this contact cannot make a message WhatsApp accepts. */
export type ValueRule =
  /** The value is empty (or only spaces) after rendering. */
  | 'empty_value'
  /** The value is not empty, but a variable it reads is missing for this contact ("Your order  is ready"). */
  | 'missing_value'
  /** A template parameter with a newline or tab (WhatsApp refuses them in parameters). */
  | 'newline_or_tab'
  /** A template parameter with more than 4 consecutive spaces. */
  | 'too_many_spaces'
  /** Longer than WhatsApp allows for that field. */
  | 'too_long'
  /** A currency amount, latitude or longitude that is not a number. */
  | 'not_a_number'
  /** A latitude or longitude outside its range; epoch milliseconds beyond what a date can hold (±8.64e15) for the date helper. */
  | 'out_of_range'
  /** What the date helper got is no date: not ISO 8601 nor epoch milliseconds, or a day that does not exist (2025-02-30). */
  | 'not_a_date'
  /** A helper argument from the contact's data that Intl does not know (a time zone, locale or currency code), or text urlencode cannot encode. */
  | 'invalid_value'
  /** Rendering this contact's data threw (nothing in the data should make it; the contact is reported rather than the render broken). */
  | 'render_failed'
  /** A URL-button suffix with characters that are not allowed in a URL (use {{urlencode …}}). */
  | 'not_url_safe'
  /** A media link or call-to-action URL that is not an http(s) URL. */
  | 'invalid_url'
  /** Two reply buttons of one interactive message with the same title or id. */
  | 'duplicate_title';

export interface RenderProblem {
  parameter: string;
  rule: ValueRule;
  message: string;
}

export const BINDING_ERROR_MESSAGE = 'the binding cannot be used with this template';

/**
 * Every configuration problem at once, so a user fixes them in one pass. A DomainError with code
 * TEMPLATE_BINDING_INVALID: the API's error filter answers 400 with `details.problems`.
 */
export class BindingError extends DomainError {
  constructor(readonly problems: BindingProblem[]) {
    super('TEMPLATE_BINDING_INVALID', `${BINDING_ERROR_MESSAGE}: ${problems.map((p) => `${p.parameter}: ${p.message}`).join('; ')}`, {
      problems,
    });
    this.name = 'BindingError';
  }
}
