/**
 * A campaign's audience: which contacts it is for, before any rule decides who may receive it.
 * Every condition given must hold (AND); an empty audience is every contact. Erased contacts
 * (`deleted_at`), contacts merged into another (`merged_into`) and contacts without a phone (a
 * BSUID alone: sending needs a number) are never in an audience.
 */
export interface Audience {
  tags?: {
    /** At least one of these tags. */
    any?: string[];
    /** Every one of these tags. */
    all?: string[];
    /** None of these tags. */
    none?: string[];
  };
  /** ISO 3166-1 alpha-2, upper case: the contact's country (from its number). */
  countries?: string[];
  /** Attribute equality: each key must hold exactly this string. */
  attributes?: Record<string, string>;
  /** The contacts an import merged (imports record them since issue 11). */
  importId?: string;
  /** Contact ids (decimal strings). */
  contactIds?: string[];
}

/**
 * The SQL condition selecting `audience` from `contacts` aliased `alias`, with its values appended
 * to `params` (placeholders numbered after the ones already there). Never interpolates a value.
 */
export function audienceCondition(audience: Audience, alias: string, params: unknown[]): string {
  const c = alias;
  const add = (value: unknown) => `$${params.push(value)}`;
  const conditions = [`${c}.deleted_at IS NULL`, `${c}.merged_into IS NULL`, `${c}.phone IS NOT NULL`];
  const { tags } = audience;
  if (tags?.any?.length) conditions.push(`${c}.tags && ${add(tags.any)}::text[]`);
  if (tags?.all?.length) conditions.push(`${c}.tags @> ${add(tags.all)}::text[]`);
  if (tags?.none?.length) conditions.push(`NOT (${c}.tags && ${add(tags.none)}::text[])`);
  if (audience.countries?.length) conditions.push(`${c}.country = ANY (${add(audience.countries)}::text[])`);
  if (audience.attributes && Object.keys(audience.attributes).length > 0) conditions.push(`${c}.attributes @> ${add(JSON.stringify(audience.attributes))}::jsonb`);
  if (audience.importId !== undefined) {
    conditions.push(`${c}.id IN (SELECT unnest(m.contact_ids) FROM contact_import_members m WHERE m.import_id = ${add(audience.importId)}::uuid)`);
  }
  if (audience.contactIds !== undefined) conditions.push(`${c}.id = ANY (${add(audience.contactIds)}::bigint[])`);
  return conditions.join(' AND ');
}
