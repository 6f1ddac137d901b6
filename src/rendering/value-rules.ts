import type { RenderContact, RenderProblem, ValueRule } from './binding-problems';
import type { ExpressionBatch } from './expressions';

/**
 * Per-recipient rules for rendered values. WhatsApp refuses a template parameter that is empty, has
 * a newline or tab, or more than 4 spaces in a row (shared/WHATSAPP.md "Sending"), and every field
 * has a length limit. These run once per value per recipient, so they scan with precompiled
 * regular expressions and allocate nothing unless a rule fails.
 *
 * Lengths are counted in UTF-16 code units (`string.length`): an emoji counts 2, a flag 4. Meta does
 * not say how it counts; code units are never fewer than characters, so this errs on the safe side.
 */

const NOT_BLANK = /\S/;
const NEWLINE_OR_TAB = /[\n\r\t]/;
const FIVE_SPACES = '     ';

export interface TextLimits {
  /** Longest accepted value, in UTF-16 code units. */
  maxLength?: number;
  /** Template parameters: no newline, tab or 5 spaces in a row. Session texts may have them. */
  singleLine: boolean;
}

/** The first rule a rendered text breaks, or null. Emptiness is checked first: it explains the rest. */
export function textRule(value: string, limits: TextLimits): ValueRule | null {
  if (value.length === 0 || !NOT_BLANK.test(value)) return 'empty_value';
  if (limits.singleLine) {
    if (NEWLINE_OR_TAB.test(value)) return 'newline_or_tab';
    if (value.includes(FIVE_SPACES)) return 'too_many_spaces';
  }
  if (limits.maxLength !== undefined && value.length > limits.maxLength) return 'too_long';
  return null;
}

/** RFC 3986 characters, with every % starting an escape: what may be appended to a URL as is. */
const URL_SAFE = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;

export function isUrlSafe(value: string): boolean {
  return URL_SAFE.test(value);
}

const HTTP_URL = /^https?:\/\/[^\s/$.?#][^\s]*$/i;

export function isHttpUrl(value: string): boolean {
  return HTTP_URL.test(value);
}

/**
 * Collects a recipient's problems. One instance per compiled template or session message, reset per
 * render: the happy path allocates no problem array. One problem per parameter: the first explains
 * it (a date the helper could not use), later ones would only be its consequences (the empty value
 * it left).
 */
export class ProblemCollector {
  list: RenderProblem[] | null = null;

  reset(): void {
    this.list = null;
  }

  add(parameter: string, rule: ValueRule, message: string): void {
    if (this.list?.some((p) => p.parameter === parameter)) return;
    (this.list ??= []).push({ parameter, rule, message });
  }

  has(parameter: string, rule: ValueRule): boolean {
    return this.list?.some((p) => p.parameter === parameter && p.rule === rule) ?? false;
  }
}

/** Explains a broken rule for one value, naming the missing paths when that is the cause. */
export function describeRule(
  rule: ValueRule,
  value: string,
  limits: TextLimits,
  batch: ExpressionBatch,
  expression: number,
  contact: RenderContact,
): string {
  switch (rule) {
    case 'empty_value':
    case 'missing_value': {
      const missing = batch.missingPaths(expression, contact);
      const what = rule === 'empty_value' ? 'renders empty' : 'renders, but with a missing value';
      if (missing.length === 0) return batch.usesDefault(expression) ? `${what}, and so does its default` : `${what} for this contact`;
      const fallback = `{{default ${missing[0]} "…"}}`;
      return `${what}: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing for this contact (give a fallback with ${fallback})`;
    }
    case 'newline_or_tab':
      return 'has a newline or tab, which WhatsApp refuses in a template parameter';
    case 'too_many_spaces':
      return 'has more than 4 spaces in a row, which WhatsApp refuses in a template parameter';
    case 'too_long':
      return `renders ${value.length} characters; at most ${limits.maxLength ?? 0}`;
    default:
      return rule;
  }
}
