import { Client } from 'pg';
import { BASE_POLICY_RULES, BASE_POLICY_VERSION } from '../src/eligibility/country-policy.data';
import { MessageCategory, restrictedRecipients } from '../src/eligibility/country-policy';
import { applyMessagingLimit, CampaignMessage, decideRecipient, RecipientFacts } from '../src/eligibility/eligibility-rules';
import { decidedQuery, decisionCountsQuery, EligibilityQuery, RoutedMessage } from '../src/eligibility/eligibility.repository';
import { isMissing } from '../src/rendering/helpers';
import { createTestDatabase } from './support/database';

/**
 * The eligibility SQL must decide every contact as decideRecipient and applyMessagingLimit do (the
 * pure rules, table-tested in src/eligibility). Generated contacts cover each fact's values in
 * combination; each campaign shape is decided both ways and compared contact by contact.
 */
const SENDER = '1000001';
const OTHER_SENDER = '1000002';
const policy = { version: BASE_POLICY_VERSION, rules: BASE_POLICY_RULES };
const AT = new Date('2026-11-30T10:00:00Z');
const HOUR = 3_600_000;

interface Generated {
  id: string;
  phone: string;
  country: string | null;
  name: string | null;
  attributes: Record<string, unknown>;
  marketing: 'opted_in' | 'opted_out' | null;
  utility: 'opted_in' | 'opted_out' | null;
  windowAt: Date | null;
  windowSender: string;
  marketingSent: number;
  reachedLately: boolean;
}

describe('the eligibility SQL agrees with the pure rules', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: Client;
  const contacts: Generated[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query(`INSERT INTO phone_numbers (phone_number_id, waba_id, business_country, business_portfolio_id) VALUES ($1, '200', 'ID', '300'), ($2, '200', 'ID', '300')`, [SENDER, OTHER_SENDER]);
    await client.query(`INSERT INTO eligibility_policy_versions (base_version) VALUES ($1)`, [BASE_POLICY_VERSION]);
    const template = await client.query(
      `INSERT INTO templates (waba_id, name, language, category, parameter_format, components, status) VALUES ('200', 'past', 'id', 'MARKETING', 'POSITIONAL', '[]', 'APPROVED') RETURNING id`,
    );
    const past = await client.query(
      `INSERT INTO campaigns (name, phone_number_id, kind, template_id, binding, status) VALUES ('past', $1, 'template', $2, '{}', 'running') RETURNING id`,
      [OTHER_SENDER, template.rows[0].id],
    );

    const phones: Array<[string, string | null]> = [
      ['+6281200000', 'ID'],
      ['+1202555', 'US'],
      ['+1416555', 'CA'],
      ['+7978123', 'RU'],
      ['+98912123', 'IR'],
      ['+6281300000', null],
    ];
    const consents = [null, 'opted_in', 'opted_out'] as const;
    const names = ['Ana', '  ', null];
    // A number is a value (the SQL reads it as its JSON text, never blank); U+3000 is white space.
    const cities: Array<unknown> = ['Bandung', '', undefined, null, 0, '\u3000'];
    let n = 0;
    // Every combination of country, both consents, window, name and city: 3,888 contacts.
    for (const [prefix, country] of phones)
      for (const marketing of consents)
        for (const utility of consents)
          for (let window = 0; window < 4; window++)
            for (const name of names)
              for (const city of cities) {
                n++;
                contacts.push({
                  id: '',
                  phone: `${prefix}${String(n).padStart(4, '0')}`,
                  country,
                  name,
                  attributes: city === undefined ? {} : { city },
                  marketing,
                  utility,
                  // Open with the sender, expired, open with another number, none.
                  windowAt: window === 3 ? null : new Date(AT.getTime() - (window === 1 ? 30 : 2) * HOUR),
                  windowSender: window === 2 ? OTHER_SENDER : SENDER,
                  // A marketing message 5 hours ago (inside the cap's period and the messaging limit's 24 hours) or none.
                  marketingSent: n % 3 === 0 ? 1 : 0,
                  // …sent outside a window: this person is among those the portfolio reached lately.
                  reachedLately: n % 2 === 0,
                });
              }
    const { rows: ids } = await client.query<{ id: string }>(
      `INSERT INTO contacts (phone, country, name, attributes, marketing_consent, marketing_consent_at, utility_consent, utility_consent_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::timestamptz[], $7::text[], $8::timestamptz[])
       RETURNING id`,
      [
        contacts.map((c) => c.phone),
        contacts.map((c) => c.country),
        contacts.map((c) => c.name),
        contacts.map((c) => JSON.stringify(c.attributes)),
        contacts.map((c) => c.marketing),
        contacts.map((c) => (c.marketing ? AT : null)),
        contacts.map((c) => c.utility),
        contacts.map((c) => (c.utility ? AT : null)),
      ],
    );
    ids.forEach((row, i) => (contacts[i].id = row.id));
    const windows = contacts.filter((c) => c.windowAt);
    await client.query(`INSERT INTO contact_windows (contact_id, phone_number_id, last_inbound_at) SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[])`, [
      windows.map((c) => c.id),
      windows.map((c) => c.windowSender),
      windows.map((c) => c.windowAt),
    ]);
    const sent = contacts.filter((c) => c.marketingSent > 0);
    await client.query(
      `INSERT INTO campaign_recipients (campaign_id, contact_id, decision, sends, category, policy_version_id, send_state, sent_at, outside_window)
       SELECT $1, u.id, 'eligible', 'template', 'MARKETING', 1, 'accepted', $2, u.outside FROM unnest($3::bigint[], $4::boolean[]) u(id, outside)`,
      [past.rows[0].id, new Date(AT.getTime() - 5 * HOUR), sent.map((c) => c.id), sent.map((c) => c.reachedLately)],
    );
    // Not in any audience: erased, merged away.
    await client.query(`INSERT INTO contacts (phone, country, marketing_consent, utility_consent, deleted_at) VALUES ('+6289900000001', 'ID', 'opted_in', 'opted_in', now())`);
  });
  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  function facts(c: Generated, paths: { main: string[]; fallback: string[] }, periodHours: number): RecipientFacts {
    const contact = { name: c.name, country: c.country, attributes: c.attributes } as Record<string, unknown>;
    const lacks = (list: string[]) => list.some((p) => isMissing(p.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' && Object.prototype.hasOwnProperty.call(v, k) ? (v as Record<string, unknown>)[k] : undefined), contact)));
    return {
      phone: c.phone,
      country: c.country,
      consent: { marketing: c.marketing, utility: c.utility },
      windowOpen: c.windowAt !== null && c.windowSender === SENDER && AT.getTime() - c.windowAt.getTime() < 24 * HOUR,
      marketingReceived: c.marketingSent > 0 && 5 < periodHours ? c.marketingSent : 0,
      missingValues: { main: lacks(paths.main), fallback: lacks(paths.fallback) },
    };
  }

  const shapes: Array<{ title: string; message: CampaignMessage; paths: { main: string[]; fallback: string[] }; cap: number | null; budget: number | null }> = [
    { title: 'marketing template, cap 1 per 7 days, budget 20', message: { kind: 'template', category: 'MARKETING' }, paths: { main: ['name', 'attributes.city'], fallback: [] }, cap: 1, budget: 20 },
    { title: 'utility template, unlimited', message: { kind: 'template', category: 'UTILITY' }, paths: { main: ['attributes.city'], fallback: [] }, cap: null, budget: null },
    { title: 'utility template, budget 50', message: { kind: 'template', category: 'UTILITY' }, paths: { main: [], fallback: [] }, cap: null, budget: 50 },
    { title: 'authentication template, budget 0', message: { kind: 'template', category: 'AUTHENTICATION' }, paths: { main: [], fallback: [] }, cap: 1, budget: 0 },
    { title: 'session (utility), no fallback: the budget is not used', message: { kind: 'session', scope: 'utility', fallbackCategory: null }, paths: { main: ['name'], fallback: [] }, cap: null, budget: 10 },
    {
      title: 'session (marketing) with a marketing fallback, cap 1, budget 15',
      message: { kind: 'session', scope: 'marketing', fallbackCategory: 'MARKETING' },
      paths: { main: ['name'], fallback: ['attributes.city'] },
      cap: 1,
      budget: 15,
    },
  ];

  it.each(shapes)('$title', async ({ message, paths, cap, budget }) => {
    const mainCategory: MessageCategory = message.kind === 'template' ? message.category : 'SERVICE';
    const routed: RoutedMessage = {
      kind: message.kind,
      category: message.kind === 'template' ? message.category : null,
      sessionScope: message.kind === 'session' ? message.scope : null,
      fallbackCategory: message.kind === 'session' ? message.fallbackCategory : null,
      mainRequiredPaths: paths.main,
      fallbackRequiredPaths: paths.fallback,
    };
    const query: EligibilityQuery = {
      phoneNumberId: SENDER,
      audience: {},
      message: routed,
      restrictions: {
        main: restrictedRecipients(policy, mainCategory, AT),
        fallback: restrictedRecipients(policy, routed.fallbackCategory ?? 'UTILITY', AT),
      },
      marketingCap: cap === null ? null : { max: cap, periodSeconds: 7 * 24 * 3600 },
      messagingBudget: budget,
      businessPortfolioId: '300',
      at: AT,
    };
    const params: unknown[] = [];
    const sql = decidedQuery(query, params);
    const { rows } = await client.query<{ id: string; decision: string; reason: string | null; sends: string }>(`SELECT * FROM (${sql}) q ORDER BY id`, params);
    expect(rows).toHaveLength(contacts.length);

    const expected = applyMessagingLimit(
      contacts.map((c) => ({
        decision: decideRecipient(facts(c, paths, 7 * 24), { policy, at: AT, message, marketingCap: cap }),
        counted: c.reachedLately && c.marketingSent > 0,
      })),
      budget ?? Number.MAX_SAFE_INTEGER,
    );
    const got = rows.map((r) => (r.decision === 'eligible' ? { decision: r.decision, sends: r.sends } : r.decision === 'deferred' ? { decision: r.decision, reason: r.reason, sends: r.sends } : { decision: r.decision, reason: r.reason }));
    for (let i = 0; i < contacts.length; i++) expect({ contact: contacts[i], decided: got[i] }).toEqual({ contact: contacts[i], decided: expected[i] });
    // Every reason the shape can give appears, so the comparison is not vacuous; with a budget
    // smaller than the eligible people, some are deferred and some are not.
    expect(new Set(rows.map((r) => r.reason)).size).toBeGreaterThanOrEqual(4);

    // The dry run's one pass (the messaging limit as arithmetic, samples cut from the groups)
    // gives the same counts, and each sample is a contact decided with that reason.
    const countParams: unknown[] = [];
    const counted = await client.query<{ kind: string; decision: string | null; reason: string | null; n: number | null; id: string | null }>(
      decisionCountsQuery(query, countParams, 5),
      countParams,
    );
    const tally = new Map<string, number>();
    for (const r of rows) tally.set(`${r.decision}/${r.reason}`, (tally.get(`${r.decision}/${r.reason}`) ?? 0) + 1);
    const counts = new Map<string, number>();
    for (const r of counted.rows) if (r.kind === 'count' && r.n! > 0) counts.set(`${r.decision}/${r.reason}`, (counts.get(`${r.decision}/${r.reason}`) ?? 0) + r.n!);
    expect(counts).toEqual(tally);
    const reasonOf = new Map(rows.map((r) => [r.id, r.reason]));
    const samples = counted.rows.filter((r) => r.kind === 'sample');
    for (const sample of samples) expect({ id: sample.id, reason: reasonOf.get(sample.id!) }).toEqual({ id: sample.id, reason: sample.reason });
    for (const [key, count] of tally) {
      const reason = key.split('/')[1];
      if (reason !== 'null') expect({ reason, samples: samples.filter((s) => s.reason === reason).length }).toEqual({ reason, samples: Math.min(5, count) });
    }
    const spendsBudget = message.kind === 'template' || message.fallbackCategory !== null;
    if (budget !== null && budget > 0 && spendsBudget) {
      expect(rows.some((r) => r.decision === 'deferred')).toBe(true);
      expect(rows.filter((r) => r.decision === 'eligible' && r.sends !== 'session').length).toBeGreaterThanOrEqual(budget);
    }
  });
});
