/**
 * The variables in a template's text: `{{1}}`, `{{2}}`… (POSITIONAL) or `{{first_name}}` (NAMED).
 * These are WhatsApp's placeholders, not Handlebars: they are only ever read, never rendered by
 * Handlebars.
 */

export interface TextVariable {
  /** The text between the braces, as written ("1", "first_name", " 1 "). */
  raw: string;
  start: number;
  end: number;
}

const VARIABLE = /\{\{([^{}]*)\}\}/g;
export const POSITIONAL_NAME = /^[1-9][0-9]*$/;
/** Lowercase letters, digits and underscores, starting with a letter (as Meta's examples and our simulator do). */
export const NAMED_NAME = /^[a-z][a-z0-9_]*$/;

export function scanVariables(text: string): TextVariable[] {
  const found: TextVariable[] = [];
  for (const match of text.matchAll(VARIABLE)) {
    found.push({ raw: match[1], start: match.index, end: match.index + match[0].length });
  }
  return found;
}

/** Whether braces remain around or between the variables ("{{{1}}}", "{{1}", "{1}}"). */
export function hasStrayBraces(text: string): boolean {
  const rest = text.replace(VARIABLE, '\u0000');
  return rest.includes('{{') || rest.includes('}}') || rest.includes('{\u0000') || rest.includes('\u0000}');
}

/** Distinct variable names in order of first appearance. */
export function distinctNames(variables: readonly TextVariable[]): string[] {
  return [...new Set(variables.map((v) => v.raw))];
}

/** A text split at its variables: literal pieces and variable names, alternating, for substitution. */
export type TextPiece = { literal: string } | { variable: string };

export function splitText(text: string): TextPiece[] {
  const pieces: TextPiece[] = [];
  let at = 0;
  for (const v of scanVariables(text)) {
    if (v.start > at) pieces.push({ literal: text.slice(at, v.start) });
    pieces.push({ variable: v.raw });
    at = v.end;
  }
  if (at < text.length) pieces.push({ literal: text.slice(at) });
  return pieces;
}

/** Length of the text without its variables. */
export function literalLength(text: string): number {
  return text.replace(VARIABLE, '').length;
}
