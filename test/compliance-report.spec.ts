import { BASE_POLICY_VERSION } from '../src/eligibility/country-policy.data';
import { restoreCell } from '../src/common/csv';
import { TEST_API_KEY, TestEnv } from './support/app';
import { client } from './support/http';

const ID_SENDER = '1000000001';
const IR_SENDER = '1000000002';
const WABA = '2000000001';
const PERIOD = 'from=2026-11-01T00:00:00%2B07:00&to=2026-12-01T00:00:00%2B07:00';

/**
 * The compliance report over a period, against a ledger built row by row: each invariant is broken
 * by chosen messages and must list exactly those, while the messages beside them (an opt-in
 * recorded after the send, an opt-out re-opted-in, an opt-out of another scope, one learned only
 * after the send, a failed send, a send outside the period) must not be listed.
 */
describe('compliance report over a period', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    env = await TestEnv.create();
    await env.startApi();
    api = client(env.url);
    const db = env.db;
    await db.query(`INSERT INTO phone_numbers (phone_number_id, waba_id, business_country) VALUES ($1, $3, 'ID'), ($2, $3, 'IR') ON CONFLICT DO NOTHING`, [ID_SENDER, IR_SENDER, WABA]);
    const [{ id: base }] = await db.query(`INSERT INTO eligibility_policy_versions (base_version) VALUES ($1) RETURNING id`, [BASE_POLICY_VERSION]);
    const [{ id: override }] = await db.query(
      `INSERT INTO eligibility_policy_overrides (scope, country, category, allow, reason) VALUES ('business_country', 'ID', 'MARKETING', false, 'test: no marketing from ID') RETURNING id`,
    );
    const [{ id: withOverride }] = await db.query(`INSERT INTO eligibility_policy_versions (base_version, override_ids) VALUES ($1, $2) RETURNING id`, [BASE_POLICY_VERSION, [override]]);
    const [{ id: older }] = await db.query(`INSERT INTO eligibility_policy_versions (base_version) VALUES ('2020-01-01.0') RETURNING id`);

    async function template(category: string): Promise<string> {
      const [{ id }] = await db.query(
        `INSERT INTO templates (waba_id, name, language, category, parameter_format, components, status)
         VALUES ($1, $2, 'id', $3, 'POSITIONAL', '[]', 'APPROVED') RETURNING id`,
        [WABA, `t_${category.toLowerCase()}_${Math.random().toString(36).slice(2, 8)}`, category],
      );
      return id;
    }
    async function campaign(sender: string, templateId: string | null, session: 'marketing' | null = null): Promise<string> {
      const [{ id }] = await db.query(
        `INSERT INTO campaigns (name, phone_number_id, kind, template_id, binding, session, session_scope, status)
         VALUES ('c', $1, $2, $3, $4, $5, $6, 'completed') RETURNING id`,
        [sender, templateId ? 'template' : 'session', templateId, templateId ? '{}' : null, session ? '{}' : null, session],
      );
      return id;
    }
    const marketing = await campaign(ID_SENDER, await template('MARKETING'));
    const utility = await campaign(ID_SENDER, await template('UTILITY'));
    const fromIran = await campaign(IR_SENDER, await template('UTILITY'));
    const session = await campaign(ID_SENDER, null, 'marketing');

    async function contact(name: string, phone: string | null, country: string | null, mergedInto?: string): Promise<string> {
      const [{ id }] = await db.query(`INSERT INTO contacts (phone, country, name, merged_into) VALUES ($1, $2, $3, $4) RETURNING id::text`, [phone, country, name, mergedInto ?? null]);
      ids[name] = id;
      return id;
    }
    async function event(who: string, kind: string, scope: string, occurred: string | null, recorded: string, mergedFrom?: string): Promise<void> {
      await db.query(
        `INSERT INTO consent_events (contact_id, kind, scope, source, occurred_at, recorded_at, merged_from_contact_id) VALUES ($1, $2, $3, 'api', $4, $5, $6)`,
        [who, kind, scope, occurred, recorded, mergedFrom ?? null],
      );
    }
    async function sent(campaignId: string, who: string, at: string, o: { state?: string; category?: string; sends?: string; version?: number } = {}): Promise<void> {
      const state = o.state ?? 'accepted';
      await db.query(
        `INSERT INTO campaign_recipients (campaign_id, contact_id, decision, sends, category, policy_version_id, send_state, attempted_at, sent_at)
         VALUES ($1, $2, 'eligible', $3, $4, $5, $6, $7::timestamptz - interval '1 second', CASE WHEN $6 = 'accepted' THEN $7::timestamptz END)`,
        [campaignId, who, o.sends ?? 'template', o.category ?? 'MARKETING', o.version ?? base, state, at],
      );
    }
    const OCT = '2026-10-01T00:00:00Z';
    const SEND = '2026-11-10T03:00:00Z';
    const optedIn = async (name: string, phone: string, country = 'ID', scope = 'marketing') => {
      const id = await contact(name, phone, country);
      await event(id, 'opt_in', scope, OCT, OCT);
      return id;
    };

    await sent(marketing, await optedIn('clean', '+6281100000001'), SEND);
    await sent(marketing, await contact('never', '+6281100000002', 'ID'), SEND);
    const late = await contact('optInRecordedLate', '+6281100000003', 'ID');
    await event(late, 'opt_in', 'marketing', OCT, '2026-11-20T00:00:00Z');
    await sent(marketing, late, SEND);
    const stopped = await optedIn('stopped', '+6281100000004');
    await event(stopped, 'opt_out', 'all', '2026-11-05T00:00:00Z', '2026-11-05T00:00:01Z');
    await sent(marketing, stopped, SEND);
    const back = await optedIn('optedInAgain', '+6281100000005');
    await event(back, 'opt_out', 'marketing', '2026-11-05T00:00:00Z', '2026-11-05T00:00:00Z');
    await event(back, 'opt_in', 'marketing', '2026-11-07T00:00:00Z', '2026-11-07T00:00:00Z');
    await sent(marketing, back, SEND);
    const learnedLater = await optedIn('optOutLearnedLater', '+6281100000006');
    await event(learnedLater, 'opt_out', 'marketing', '2026-11-05T00:00:00Z', '2026-11-15T00:00:00Z');
    await sent(marketing, learnedLater, SEND);
    const otherScope = await optedIn('optedOutOfUtility', '+6281100000007');
    await event(otherScope, 'opt_out', 'utility', '2026-11-05T00:00:00Z', '2026-11-05T00:00:00Z');
    await sent(marketing, otherScope, SEND);
    // An opt-in without a time never outranks a dated opt-out, whatever the order they came in.
    const undated = await contact('undatedOptIn', '+6281100000008', 'ID');
    await event(undated, 'opt_out', 'marketing', '2026-09-01T00:00:00Z', '2026-09-01T00:00:00Z');
    await event(undated, 'opt_in', 'marketing', null, OCT);
    await sent(marketing, undated, SEND);
    // Merged: the survivor holds both ledgers; a STOP after the merge binds the absorbed contact's row too.
    const survivor = await contact('survivor', '+6281100000009', 'ID');
    const absorbed = await contact('absorbed', null, null, survivor);
    await event(survivor, 'opt_in', 'marketing', OCT, OCT, absorbed);
    await event(survivor, 'opt_out', 'marketing', '2026-11-05T00:00:00Z', '2026-11-05T00:00:00Z');
    await sent(marketing, absorbed, SEND);
    const lost = await optedIn('unknownAfterStop', '+6281100000010');
    await event(lost, 'opt_out', 'marketing', '2026-11-05T00:00:00Z', '2026-11-05T00:00:00Z');
    await sent(marketing, lost, SEND, { state: 'unknown' });
    const refused = await contact('failedSend', '+6281100000011', 'ID');
    await sent(marketing, refused, SEND, { state: 'failed' });
    await sent(marketing, await contact('beforePeriod', '+6281100000012', 'ID'), '2026-10-15T00:00:00Z');
    // A session message is not business-initiated, but an opt-out of its scope binds it.
    await sent(session, await contact('sessionNoOptIn', '+6281100000013', 'ID'), SEND, { sends: 'session', category: 'SERVICE' });
    const sessionStopped = await optedIn('sessionAfterStop', '+6281100000014');
    await event(sessionStopped, 'opt_out', 'marketing', '2026-11-05T00:00:00Z', '2026-11-05T00:00:00Z');
    await sent(session, sessionStopped, SEND, { sends: 'session', category: 'SERVICE' });
    // Countries.
    await sent(marketing, await optedIn('usMarketing', '+12025550123', 'US'), SEND);
    await sent(utility, await optedIn('usUtility', '+12025550124', 'US', 'utility'), SEND, { category: 'UTILITY' });
    await sent(utility, await optedIn('crimea', '+380652000001', 'UA', 'utility'), SEND, { category: 'UTILITY' });
    await sent(fromIran, await optedIn('fromIran', '+6281100000015', 'ID', 'utility'), SEND, { category: 'UTILITY' });
    await sent(marketing, await optedIn('underOverride', '+6281100000016'), SEND, { version: withOverride });
    await sent(marketing, await optedIn('olderPolicy', '+6281100000017'), SEND, { version: older });
  });
  afterAll(async () => {
    await env.close();
  });

  function offenders(report: any, invariant: string): string[] {
    const found = report.invariants.find((i: any) => i.id === invariant);
    expect(found).toBeDefined();
    expect(found.violations).toBe(found.rows.length);
    const names = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
    return found.rows.map((r: any) => names[r.contactId]).sort();
  }

  it('lists exactly the messages that break each invariant', async () => {
    const res = await api.get(`/v1/compliance/report?${PERIOD}`);
    expect(res.status).toBe(200);
    const report = res.body;
    expect(offenders(report, 'business_initiated_without_opt_in')).toEqual(['never', 'optInRecordedLate']);
    expect(offenders(report, 'sent_after_opt_out')).toEqual(['absorbed', 'sessionAfterStop', 'stopped', 'undatedOptIn', 'unknownAfterStop']);
    expect(offenders(report, 'business_country_not_qualified')).toEqual(['fromIran', 'underOverride']);
    expect(offenders(report, 'recipient_country_restricted')).toEqual(['crimea', 'usMarketing']);
    expect(report.violations).toBe(11);
    expect(report.unverifiablePolicyMessages).toBe(1);

    const stop = report.invariants.find((i: any) => i.id === 'sent_after_opt_out').rows.find((r: any) => r.contactId === ids.stopped);
    expect(stop.detail).toMatchObject({ scope: 'marketing', optOutRecordedAt: expect.any(String) });
    expect(report.invariants.find((i: any) => i.id === 'recipient_country_restricted').rows.find((r: any) => r.contactId === ids.usMarketing).detail.ruleId).toBe(
      'us-marketing-pause-2025-04-01',
    );
  });

  it('counts the messages of the period by sender and category, a lost answer among them', async () => {
    const report = (await api.get(`/v1/compliance/report?${PERIOD}`)).body;
    // 20 recipients: one failed and one before the period are not messages of it.
    expect(report.messages.total).toBe(18);
    const bySender = Object.fromEntries(report.messages.bySender.map((m: any) => [`${m.phoneNumberId}/${m.category}`, m]));
    expect(bySender[`${ID_SENDER}/MARKETING`]).toMatchObject({ messages: 13, unknown: 1, businessCountry: 'ID' });
    expect(bySender[`${ID_SENDER}/SERVICE`].messages).toBe(2);
    expect(bySender[`${ID_SENDER}/UTILITY`].messages).toBe(2);
    expect(bySender[`${IR_SENDER}/UTILITY`]).toMatchObject({ messages: 1, businessCountry: 'IR' });
  });

  it('measures opt-outs recorded in the period, per source', async () => {
    const report = (await api.get(`/v1/compliance/report?${PERIOD}`)).body;
    // Seven opt-outs were recorded in November, all through the API: suppressed as they were recorded.
    expect(report.optOuts.total).toBe(7);
    expect(report.optOuts.bySource).toEqual([
      { source: 'api', optOuts: 7, measured: 7, fromReceived: { p50: 0, p90: 0, p99: 0, max: 0 }, fromOccurred: expect.objectContaining({ max: 10 * 86_400 }) },
    ]);
  });

  it('answers each invariant with the query that finds it, which a person can run on its own', async () => {
    const report = (await api.get(`/v1/compliance/report?${PERIOD}&rows=0`)).body;
    for (const invariant of report.invariants) {
      expect(invariant.rows).toEqual([]);
      expect(invariant.truncated).toBe(invariant.violations > 0);
      const params: unknown[] = ['2026-11-01T00:00:00+07:00', '2026-12-01T00:00:00+07:00'];
      if (invariant.usesPolicyRules) params.push(JSON.stringify(report.policyRules));
      const found = await env.db.query(invariant.query, params);
      expect(found).toHaveLength(invariant.violations);
    }
  });

  it('a period without messages has every invariant at 0', async () => {
    const res = await api.get('/v1/compliance/report?from=2027-01-01T00:00:00Z&to=2027-02-01T00:00:00Z');
    expect(res.status).toBe(200);
    expect(res.body.violations).toBe(0);
    expect(res.body.messages).toEqual({ total: 0, bySender: [] });
  });

  it('the CSV lists each invariant with its count, then its messages, cells neutralised', async () => {
    const res = await fetch(`${env.url}/v1/compliance/report.csv?${PERIOD}`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="compliance-2026-10-31-2026-11-30.csv"');
    const text = await res.text();
    const lines = text.split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe('invariant,violations,campaign_id,contact_id,phone,category,phone_number_id,sent_at,detail');
    expect(lines[1]).toBe('business_initiated_without_opt_in,2,,,,,,,');
    // A phone in international format starts with + and is written with a ' in front.
    const never = lines.find((l) => l.split(',')[3] === ids.never)!;
    expect(never.split(',')[4]).toBe("'+6281100000002");
    expect(restoreCell("'+6281100000002")).toBe('+6281100000002');
    expect(lines.filter((l) => /^[a-z_]+,\d+,/.test(l)).map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
      'business_initiated_without_opt_in,2',
      'sent_after_opt_out,5',
      'business_country_not_qualified,2',
      'recipient_country_restricted,2',
    ]);
  });

  it('refuses a period that is ambiguous or empty, with a stable code', async () => {
    const noZone = await api.get('/v1/compliance/report?from=2026-11-01T00:00:00&to=2026-12-01T00:00:00Z');
    expect(noZone.status).toBe(400);
    expect(noZone.body.code).toBe('VALIDATION_FAILED');
    const missing = await api.get('/v1/compliance/report?from=2026-11-01T00:00:00Z');
    expect(missing.status).toBe(400);
    const backwards = await api.get('/v1/compliance/report?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z');
    expect(backwards.status).toBe(400);
    expect(backwards.body.code).toBe('COMPLIANCE_PERIOD_INVALID');
    const csv = await fetch(`${env.url}/v1/compliance/report.csv?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(csv.status).toBe(400);
    expect(((await csv.json()) as { code: string }).code).toBe('COMPLIANCE_PERIOD_INVALID');
    expect((await client(env.url, null).get(`/v1/compliance/report?${PERIOD}`)).status).toBe(401);
  });
});
