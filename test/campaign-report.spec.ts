import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { neutraliseCell } from '../src/common/csv';
import { CsvLineEnds } from '../src/reports/crlf';
import { eventually, TEST_API_KEY } from './support/app';
import { startSimulatedWhatsapp } from './support/simulated-whatsapp';

type World = Awaited<ReturnType<typeof startSimulatedWhatsapp>>;

/** Our CSV (RFC 4180, CRLF) as rows of cells, read by csv-parse (quoted cells may hold commas, quotes and line breaks). */
const parseCsv = (text: string): string[][] => parse(text, { record_delimiter: '\r\n' });

describe('CSV line ends (COPY writes LF; our CSVs end lines with CRLF)', () => {
  it('turns record ends into CRLF and leaves line breaks inside quoted fields, across chunk boundaries', async () => {
    const input = 'a,b\n"x\ny","say ""hi""\n"\nlast,row\n';
    for (let cut = 1; cut < input.length; cut++) {
      const out: Buffer[] = [];
      const t = new CsvLineEnds();
      const sink = new PassThrough();
      sink.on('data', (b: Buffer) => out.push(b));
      t.pipe(sink);
      t.write(Buffer.from(input.slice(0, cut)));
      t.end(Buffer.from(input.slice(cut)));
      await new Promise((r) => sink.on('end', r));
      expect(Buffer.concat(out).toString()).toBe('a,b\r\n"x\ny","say ""hi""\n"\r\nlast,row\r\n');
    }
  });
});

/**
 * The campaign report against rows the real dispatcher wrote through the Cloud API simulator: the
 * JSON agrees with GET /v1/campaigns/:id and with the CSV; the timeline has the pause and its
 * reason; an opt-out after the campaign is listed; every text cell a spreadsheet would run is
 * neutralised exactly as src/common/csv.ts does.
 */
describe('campaign report (JSON and report.csv)', () => {
  let world: World;
  let campaignId: string;
  const people: Array<{ id: string; phone: string }> = [];

  beforeAll(async () => {
    world = await startSimulatedWhatsapp({
      seed: 13,
      phoneNumbers: [{ id: '1000000001', wabaId: '2000000001', mps: 40 }],
      statusDelaysMs: { sent: 5, delivered: 10, read: 15 },
      templateReview: { delayMs: 10 },
    });
    const { api } = world;
    for (let i = 1; i <= 5; i++) {
      const phone = `+6281500000${String(i).padStart(3, '0')}`;
      const made = await api.post('/v1/contacts', { phone, name: i === 2 ? '=HYPERLINK("http://x.invalid")' : `Orang ${i}`, tags: ['laporan'] });
      expect(made.status).toBe(201);
      people.push({ id: made.body.id, phone });
      if (i <= 4) {
        const wording = i === 3 ? '=cmd|" /C calc"!A0' : 'Ya, kirimi saya promo';
        expect((await api.post(`/v1/contacts/${made.body.id}/opt-in`, { scope: 'marketing', wording })).status).toBe(201);
      }
    }
    const template = await api.post('/v1/templates', {
      name: 'promo_laporan',
      language: 'id',
      category: 'MARKETING',
      components: [{ type: 'BODY', text: 'Halo {{1}}, promo minggu ini!', example: { body_text: [['Ana']] } }],
    });
    expect((await api.post(`/v1/templates/${template.body.id}/submit`)).status).toBeLessThan(300);
    await world.templateUntil(template.body.id, (t) => t.status === 'APPROVED');
    const created = await api.post('/v1/campaigns', {
      name: 'Laporan',
      phoneNumberId: '1000000001',
      templateId: template.body.id,
      binding: { 'body.1': '{{name}}' },
      audience: { tags: { any: ['laporan'] } },
    });
    campaignId = created.body.id;
    expect((await api.post(`/v1/campaigns/${campaignId}/launch`)).status).toBe(200);
    expect((await api.post(`/v1/campaigns/${campaignId}/pause`)).status).toBe(200);
    expect((await api.post(`/v1/campaigns/${campaignId}/resume`)).status).toBe(200);
    await eventually(async () => ((await api.get(`/v1/campaigns/${campaignId}`)).body.status === 'completed' ? true : undefined), 30_000, 'completed');
    await world.sim.idle();
    await eventually(async () => {
      const p = (await api.get(`/v1/campaigns/${campaignId}`)).body.progress;
      return p.deliveryStates.read === 4 ? true : undefined;
    }, 15_000, 'read');
    // After the campaign, one recipient replies STOP.
    world.sim.sendInbound({ from: people[0].phone.slice(1), text: 'STOP' });
    await eventually(async () => ((await api.get(`/v1/contacts/${people[0].id}/consents`)).body.consent.marketing.status === 'opted_out' ? true : undefined), 10_000, 'opted out');
  });
  afterAll(async () => {
    await world?.close();
  });

  it('csv_cell (the SQL COPY uses) neutralises exactly as neutraliseCell', async () => {
    const values = ['=1+1', '+6281', '-5', '@SUM(1)', '\tx', '\rx', "'=x", "''+x", 'a=b', '', 'plain', ' =x', '"=x"', 'é=x'];
    const [{ cells }] = await world.env.db.query(`SELECT array_agg(csv_cell(v) ORDER BY i) AS cells FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i)`, [values]);
    expect(cells).toEqual(values.map(neutraliseCell));
    const [{ nothing }] = await world.env.db.query(`SELECT csv_cell(NULL) AS nothing`);
    expect(nothing).toBeNull();
  });

  it('the JSON report: the campaign, its template, sender, policy, decisions, outcomes, pricing, timeline and the opt-outs since', async () => {
    const res = await world.api.get(`/v1/campaigns/${campaignId}/report`);
    expect(res.status).toBe(200);
    const r = res.body;
    const plain = (await world.api.get(`/v1/campaigns/${campaignId}`)).body;
    expect(r.campaign.recipients).toEqual(plain.recipients);
    expect(r.campaign.recipients).toMatchObject({ total: 5, eligible: 4, excluded: { no_opt_in: 1 } });
    expect(r.campaign.progress.sendStates).toMatchObject({ accepted: 4, pending: 0 });
    expect(r.campaign.audience).toEqual({ tags: { any: ['laporan'] } });
    expect(r.templates).toEqual([expect.objectContaining({ name: 'promo_laporan', language: 'id', category: 'MARKETING', role: 'main', editedSinceStart: false })]);
    expect(r.sender).toMatchObject({ phoneNumberId: '1000000001', businessCountry: 'ID' });
    expect(r.policy.version).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+\+\d+$/);
    expect(r.timeline.map((e: { status: string }) => e.status)).toEqual(['draft', 'running', 'paused', 'running', 'completed']);
    expect(r.timeline.find((e: { status: string }) => e.status === 'paused').reason).toBe('requested');
    expect(r.pricing.reduce((n: number, p: { messages: number }) => n + p.messages, 0)).toBe(4);
    expect(r.pricing[0]).toMatchObject({ category: 'marketing' });
    expect(r.optOuts).toMatchObject({ total: 1, bySource: [{ source: 'keyword', scope: 'all', count: 1 }] });
    expect(r.optOuts.latest[0]).toMatchObject({ contactId: people[0].id, afterReceiving: true });
  });

  it('report.csv: one row per recipient, agreeing with the JSON, every formula-like cell neutralised', async () => {
    const res = await fetch(`${world.env.url}/v1/campaigns/${campaignId}/report.csv`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="campaign-${campaignId}.csv"`);
    const text = await res.text();
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    const [header, ...lines] = parseCsv(text);
    expect(header).toEqual([
      'contact_id', 'phone', 'decision', 'reason', 'consent_event_id', 'consent_source', 'consent_occurred_at', 'consent_wording', 'consent_evidence_ref',
      'policy_version', 'sends', 'category', 'template_name', 'template_language', 'parameters_or_text', 'send_state', 'skip_reason', 'attempts',
      'attempted_at', 'sent_at', 'wamid', 'wa_id', 'delivery_state', 'delivery_at', 'error_code', 'error_title', 'pricing_category',
    ]);
    expect(lines).toHaveLength(5);
    const byContact = new Map(lines.map((l) => [l[0], Object.fromEntries(header.map((h, i) => [h, l[i]]))]));
    const first = byContact.get(people[0].id)!;
    expect(first).toMatchObject({ phone: `'${people[0].phone}`, decision: 'eligible', consent_source: 'api', template_name: 'promo_laporan', template_language: 'id', send_state: 'accepted', delivery_state: 'read', pricing_category: 'marketing' });
    expect(first.parameters_or_text).toBe('["Orang 1"]');
    expect(first.sent_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00$/);
    expect(new Date(first.sent_at.replace(' ', 'T') + ':00').getTime()).toBeGreaterThan(0);
    expect(first.wamid).toMatch(/^wamid\./);
    // The name sent as a parameter is inside JSON (not a formula); the opt-in wording is a cell of its own.
    expect(byContact.get(people[1].id)!.parameters_or_text).toBe('["=HYPERLINK(\\"http://x.invalid\\")"]');
    expect(byContact.get(people[2].id)!.consent_wording).toBe(`'=cmd|" /C calc"!A0`);
    expect(byContact.get(people[4].id)).toMatchObject({ decision: 'excluded', reason: 'no_opt_in', send_state: '', consent_event_id: '' });
    const json = (await world.api.get(`/v1/campaigns/${campaignId}/report`)).body;
    expect(lines.filter((l) => byContact.get(l[0])!.send_state === 'accepted')).toHaveLength(json.campaign.progress.sendStates.accepted);
    expect(byContact.get(people[0].id)!.policy_version).toBe(json.policy.version);
  });

  it('answers 404 CAMPAIGN_NOT_FOUND as JSON, before any CSV, for a campaign that does not exist', async () => {
    for (const path of ['report', 'report.csv']) {
      const res = await world.api.get(`/v1/campaigns/00000000-0000-4000-8000-000000000000/${path}`);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('CAMPAIGN_NOT_FOUND');
    }
    expect((await world.api.get('/v1/campaigns/not-a-uuid/report.csv')).status).toBe(404);
  });
});
