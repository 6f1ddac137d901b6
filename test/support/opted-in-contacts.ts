import type { DataSource } from 'typeorm';

/**
 * `count` contacts straight into the tables, opted in to marketing a day ago, as the API would
 * leave them: the contact's consent state AND the opt-in in the ledger it is folded from (the
 * compliance invariants read the ledger, not the state). Phones are `phonePrefix` + the number
 * (`from`, `from + 1`, …) padded to 7 digits; names `orang <number>`; tagged `tag`. For audiences
 * of hundreds or thousands, where one request per contact would be the test's slowest part.
 * Answers the ids and phones in id order.
 */
export async function insertOptedInContacts(
  db: DataSource,
  options: { phonePrefix: string; tag: string; from?: number; count: number },
): Promise<Array<{ id: string; phone: string }>> {
  const from = options.from ?? 1;
  const inserted: Array<{ id: string; phone: string }> = await db.query(
    `WITH c AS (
       INSERT INTO contacts (phone, country, name, tags, marketing_consent, marketing_consent_at)
       SELECT $1 || lpad(g::text, 7, '0'), 'ID', 'orang ' || g, ARRAY[$2::text], 'opted_in', now() - interval '1 day'
         FROM generate_series($3::int, $4::int) g
       RETURNING id, phone, marketing_consent_at),
     e AS (
       INSERT INTO consent_events (contact_id, kind, scope, source, wording, occurred_at)
       SELECT id, 'opt_in', 'marketing', 'api', 'Ya, kirimi saya promo', marketing_consent_at FROM c)
     SELECT c.id::text, c.phone FROM c ORDER BY c.id`,
    [options.phonePrefix, options.tag, from, from + options.count - 1],
  );
  return inserted;
}
