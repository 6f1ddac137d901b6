/** Narrowing helpers for JSON that arrives over HTTP. */
import { graphErrors } from './graph-errors';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Parses JSON, or undefined when the text is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A Graph request body: JSON, or code 100 naming the problem. */
export function requireJsonBody(text: string): unknown {
  if (text.trim() === '') throw graphErrors.invalidParameter('The request body is empty: send JSON');
  const value = parseJson(text);
  if (value === undefined) throw graphErrors.invalidParameter('The request body is not valid JSON');
  return value;
}
