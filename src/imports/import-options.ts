import type { CountryCode } from 'libphonenumber-js/max';
import { FieldProblem, isStorableText, UNSTORABLE_TEXT, validationFailed } from '../common/validation';
import { CONSENT_SCOPES, ConsentScope } from '../contacts/consent';
import { isCountryCode } from '../contacts/phone';

/** The form fields that may come with an upload. */
export interface ImportOptions {
  defaultCountry?: CountryCode;
  tags: string[];
  optInScope: ConsentScope;
  phoneColumn?: string;
}

const KNOWN = new Set(['defaultCountry', 'tags', 'optInScope', 'phoneColumn']);

/**
 * Validates the multipart fields of an upload. `tags` may be repeated or comma-separated.
 * The default consent scope for `opt_in` columns is marketing: what a campaign manager's audiences
 * are mostly for, and the narrower promise.
 */
export function parseImportOptions(fields: Array<[string, string]>): ImportOptions {
  const problems: FieldProblem[] = [];
  const single = new Map<string, string>();
  const tags: string[] = [];
  for (const [name, value] of fields) {
    if (!isStorableText(name) || !isStorableText(value)) {
      // The same rule as every JSON and query input (RequestValidationPipe): text PostgreSQL can store.
      problems.push({ field: isStorableText(name) ? name : 'field name', problems: [UNSTORABLE_TEXT] });
    } else if (!KNOWN.has(name)) {
      problems.push({ field: name, problems: [`unknown field; expected file, ${[...KNOWN].join(', ')}`] });
    } else if (name === 'tags') {
      tags.push(...value.split(',').map((t) => t.trim()).filter(Boolean));
    } else if (single.has(name)) {
      problems.push({ field: name, problems: ['given more than once'] });
    } else {
      single.set(name, value.trim());
    }
  }

  // Any case: `id` is Indonesia, as in the contacts API.
  const defaultCountry = single.get('defaultCountry')?.toUpperCase() || undefined;
  if (defaultCountry !== undefined && !isCountryCode(defaultCountry)) {
    problems.push({ field: 'defaultCountry', problems: ['must be an ISO 3166-1 alpha-2 country code such as ID'] });
  }
  const optInScope = (single.get('optInScope') || 'marketing') as ConsentScope;
  if (!CONSENT_SCOPES.includes(optInScope)) {
    problems.push({ field: 'optInScope', problems: [`must be one of ${CONSENT_SCOPES.join(', ')}`] });
  }
  const uniqueTags = [...new Set(tags)];
  if (uniqueTags.length > 100 || uniqueTags.some((t) => t.length > 64)) {
    problems.push({ field: 'tags', problems: ['at most 100 tags of at most 64 characters'] });
  }
  const phoneColumn = single.get('phoneColumn') || undefined;
  if (phoneColumn !== undefined && phoneColumn.length > 256) {
    problems.push({ field: 'phoneColumn', problems: ['at most 256 characters'] });
  }
  if (problems.length > 0) throw validationFailed(problems);
  return { defaultCountry: defaultCountry as CountryCode | undefined, tags: uniqueTags, optInScope, phoneColumn };
}
