import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImportSweeper } from '../src/imports/import-sweeper';
import { TestEnv } from './support/app';
import { client } from './support/http';
import { csvForm, importFinished } from './support/imports';

/**
 * Audience files as people really produce them (issue 9, sections 2 and 3), through the real
 * upload path: multipart over HTTP to the API, the worker (with worker threads), PostgreSQL.
 * Consent dates in local time and day-first formats, warnings instead of lost contacts, several
 * rows for one phone, exports of Google Contacts, Outlook, Shopify and WooCommerce, column
 * mappings, and encodings.
 */
describe('CSV import: files as people produce them', () => {
  let env: TestEnv;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    env = await TestEnv.create({ IMPORT_THREADS: '2' });
    await env.startApi();
    await env.startWorker();
    api = client(env.url);
  });
  afterAll(() => env.close());

  const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', 'cases', 'csv', name));

  async function upload(csv: string | Buffer, fields: Record<string, string> = {}) {
    const res = await api.post('/v1/contacts/imports', csvForm(csv, fields));
    expect({ status: res.status, body: res.status === 202 ? 'queued' : res.body }).toEqual({ status: 202, body: 'queued' });
    const done = await importFinished(api, res.body.id);
    expect(done.status).toBe('completed');
    return done;
  }

  async function refused(csv: string | Buffer, fields: Record<string, string> = {}) {
    const before = Number((await env.db.query(`SELECT count(*) FROM contact_imports`))[0].count);
    const res = await api.post('/v1/contacts/imports', csvForm(csv, fields));
    expect(Number((await env.db.query(`SELECT count(*) FROM contact_imports`))[0].count)).toBe(before);
    return res;
  }

  const contact = async (phone: string) => (await api.get(`/v1/contacts?phone=${encodeURIComponent(phone)}`)).body.data[0];
  const ledger = async (id: string) => (await api.get(`/v1/contacts/${id}/consents`)).body.data as Array<Record<string, unknown>>;

  /** warnings.csv as [line, reason] pairs, and its raw lines. */
  async function warnings(importId: string) {
    const res = await api.get(`/v1/contacts/imports/${importId}/warnings.csv`);
    expect(res.status).toBe(200);
    const lines = (res.body as string).split('\r\n').slice(1, -1);
    return { reasons: lines.map((l) => l.split(',').slice(0, 2).join(',')), lines };
  }

  it("README's example audience (test/fixtures/examples/audience.csv) imports as README says: three contacts, two opted in with their evidence", async () => {
    const done = await upload(readFileSync(join(__dirname, 'fixtures', 'examples', 'audience.csv')), { defaultCountry: 'ID' });
    expect(done).toMatchObject({ status: 'completed', inserted: 3, rejected: 0, warnings: 0, consentEvents: 2 });
    const ana = await contact('+6281234560001');
    expect(ana).toMatchObject({ name: 'Ana Wijaya', tags: ['promo'], attributes: { city: 'Bandung' }, consent: { marketing: { status: 'opted_in' } } });
    expect((await contact('+6281234560002')).consent.marketing.status).toBe('opted_in');
    expect((await contact('+6281234560003')).consent.marketing.status).toBeNull();
    expect(await ledger(ana.id)).toEqual([
      expect.objectContaining({ kind: 'opt_in', scope: 'marketing', source: 'csv_import', evidenceRef: 'web_form', wording: 'Ya, kirimi saya promo lewat WhatsApp', occurredAt: '2026-01-15T03:00:00.000Z', importLine: 2 }),
    ]);
  });

  describe('consent dates in local time (cases csv/03a, 03b, 03c)', () => {
    const gita = '+6281257000001';
    const hadi = '+6281257000002';

    it('without timeZone (Indonesia has several zones) imports the contacts without guessing their consent dates', async () => {
      const done = await upload(fixture('03a-optin-local-time.csv'), { defaultCountry: 'ID' });
      expect(done).toMatchObject({ inserted: 2, consentEvents: 0, warnings: 2, timeZone: null });
      expect(await contact(gita)).toMatchObject({ name: 'Gita Contoh', consent: { marketing: { status: null } } });
      expect(await contact(hadi)).toMatchObject({ name: 'Hadi Contoh', consent: { marketing: { status: null } } });
      const report = await warnings(done.id);
      expect(report.reasons).toEqual(['2,opt_in_at_no_time_zone', '3,opt_in_at_no_time_zone']);
      expect(report.lines[0]).toMatch(/timeZone/);
      expect(report.lines[0]).toMatch(/,0812-5700-0001,Gita Contoh,ya,2026-02-01 08:00,toko offline$/);
    });

    it('with timeZone=Asia/Jakarta reads 08:00 as 01:00 UTC, and a later STOP is never undone by an earlier local opt-in', async () => {
      const first = await upload(fixture('03a-optin-local-time.csv'), { defaultCountry: 'ID', timeZone: 'Asia/Jakarta' });
      expect(first).toMatchObject({ consentEvents: 2, warnings: 0, timeZone: 'Asia/Jakarta' });
      for (const phone of [gita, hadi]) {
        expect((await contact(phone)).consent.marketing).toEqual({ status: 'opted_in', since: '2026-02-01T01:00:00.000Z' });
      }

      // 03b: both send STOP at 2026-03-01 03:00 UTC (the webhook's timestamp 1772334000).
      const stop = JSON.parse(fixture('03b-stop-after.webhook.json').toString('utf8'));
      const stopAt = new Date(Number(stop.entry[0].changes[0].value.messages[0].timestamp) * 1000).toISOString();
      expect(stopAt).toBe('2026-03-01T03:00:00.000Z');
      for (const phone of [gita, hadi]) {
        const res = await api.post(`/v1/contacts/${(await contact(phone)).id}/opt-out`, { scope: 'all', occurredAt: stopAt });
        expect(res.status).toBeLessThan(300);
      }

      // 03c: new opt-ins dated 2026-03-01 08:00 Jakarta (no zone) and 08:00+07:00: both 01:00 UTC, before the STOP.
      const again = await upload(fixture('03c-optin-local-time-again.csv'), { defaultCountry: 'ID', timeZone: 'Asia/Jakarta' });
      expect(again).toMatchObject({ consentEvents: 2, warnings: 0 });
      for (const phone of [gita, hadi]) {
        const person = await contact(phone);
        expect(person.consent.marketing).toEqual({ status: 'opted_out', since: stopAt });
        const optIns = (await ledger(person.id)).filter((e) => e.kind === 'opt_in').map((e) => e.occurredAt);
        expect(optIns).toEqual(['2026-02-01T01:00:00.000Z', '2026-03-01T01:00:00.000Z']);
      }
    });

    it('without timeZone, 03c records only the opt-in written with its offset, and both stay opted out', async () => {
      const done = await upload(fixture('03c-optin-local-time-again.csv'), { defaultCountry: 'ID', optInScope: 'utility' });
      expect(done).toMatchObject({ consentEvents: 1, warnings: 1 });
      expect((await warnings(done.id)).reasons).toEqual(['2,opt_in_at_no_time_zone']);
      for (const phone of [gita, hadi]) expect((await contact(phone)).consent.utility.status).toBe('opted_out');
    });

    it('refuses a timeZone that is not an IANA zone, and a dateFormat it does not know', async () => {
      const cases: Array<Record<string, string>> = [{ timeZone: '+07:00' }, { timeZone: 'WIB' }, { dateFormat: 'DD/MM/YY' }, { dateFormat: 'dd-mm-yyyy' }];
      for (const fields of cases) {
        const res = await refused('phone\n+6281257000009\n', fields);
        expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
        expect(res.body.details[0].field).toBe(Object.keys(fields)[0]);
      }
    });
  });

  describe('day-first dates and Indonesian headers (case csv/04)', () => {
    it('without dateFormat does not guess 27/04/2024 or 03/11/2025: the contacts import, their consent rows are warnings', async () => {
      const done = await upload(fixture('04-day-first-dates.csv'), { defaultCountry: 'ID', timeZone: 'Asia/Jakarta' });
      expect(done).toMatchObject({ inserted: 3, rejected: 0, consentEvents: 1, warnings: 2, phoneColumn: 'no_hp' });
      const report = await warnings(done.id);
      expect(report.reasons).toEqual(['2,opt_in_at_needs_date_format', '3,opt_in_at_needs_date_format']);
      expect(report.lines[0]).toMatch(/dateFormat/);
      expect(await contact('+6281261000001')).toMatchObject({ name: 'Dewi Contoh', attributes: { kota: 'Bandung' }, consent: { marketing: { status: null } } });
      expect((await contact('+6281261000003')).consent.marketing).toEqual({ status: 'opted_in', since: '2025-11-02T17:00:00.000Z' });
    });

    it('with dateFormat=DD/MM/YYYY and timeZone=Asia/Jakarta: opt-ins on 27 April 2024, 3 November 2025 and 3 November 2025', async () => {
      const done = await upload(fixture('04-day-first-dates.csv'), { defaultCountry: 'ID', timeZone: 'Asia/Jakarta', dateFormat: 'DD/MM/YYYY' });
      expect(done).toMatchObject({ updated: 0, consentEvents: 2, warnings: 0, dateFormat: 'DD/MM/YYYY' });
      expect(await contact('+6281261000001')).toMatchObject({
        name: 'Dewi Contoh',
        consent: { marketing: { status: 'opted_in', since: '2024-04-26T17:00:00.000Z' } },
      });
      expect(await contact('+6281261000002')).toMatchObject({
        name: 'Eko Contoh',
        attributes: { kota: 'Medan' },
        consent: { marketing: { status: 'opted_in', since: '2025-11-02T17:00:00.000Z' } },
      });
      expect((await contact('+6281261000003')).consent.marketing.since).toBe('2025-11-02T17:00:00.000Z');
    });

    it('never reads a year 00xx as 19xx: the row imports, its consent is a warning', async () => {
      const done = await upload('phone,opt_in,opt_in_at\n0812-6100-0009,ya,0024-04-27T08:00:00+07:00\n', { defaultCountry: 'ID' });
      expect(done).toMatchObject({ inserted: 1, consentEvents: 0, warnings: 1 });
      expect((await warnings(done.id)).reasons).toEqual(['2,opt_in_at_year_out_of_range']);
    });
  });

  describe('several rows for one phone', () => {
    it('merge as if uploaded one after another: empty cells change nothing, later values win, tags accumulate, every consent is kept', async () => {
      const { body: existing } = await api.post('/v1/contacts', { phone: '+6281244000002', name: 'Old', attributes: { tier: 'gold' } });
      const csv = [
        'phone,name,city,tags,opt_in,opt_in_at',
        '0812-4400-0001,Ana,Bandung,vip,ya,2025-01-01T00:00:00Z',
        '0812-4400-0001,,,new,,',
        '0812 4400 0001,Ana B,,"vip, late",tidak,2025-02-01T00:00:00Z',
        '0812-4400-0002,,Solo,,ya,2025-03-01T00:00:00Z',
        '0812-4400-0002,Budi,,,ya,2025-01-15T00:00:00Z',
        '0812-4400-0003,Citra,Medan,,,',
      ].join('\n');
      const done = await upload(csv, { defaultCountry: 'ID' });
      expect(done).toMatchObject({ rowsRead: 6, inserted: 2, updated: 1, rejected: 0, duplicates: 3, consentEvents: 4 });

      const ana = await contact('+6281244000001');
      expect(ana).toMatchObject({
        name: 'Ana B',
        attributes: { city: 'Bandung' },
        tags: ['vip', 'new', 'late'],
        consent: { marketing: { status: 'opted_out', since: '2025-02-01T00:00:00.000Z' } },
      });
      expect((await ledger(ana.id)).map((e) => [e.kind, e.occurredAt, e.importLine])).toEqual([
        ['opt_in', '2025-01-01T00:00:00.000Z', 2],
        ['opt_out', '2025-02-01T00:00:00.000Z', 4],
      ]);
      const budi = await contact('+6281244000002');
      expect(budi).toMatchObject({
        id: existing.id,
        name: 'Budi',
        attributes: { tier: 'gold', city: 'Solo' },
        consent: { marketing: { status: 'opted_in', since: '2025-03-01T00:00:00.000Z' } }, // the newest, not the last row's
      });
      expect(await ledger(budi.id)).toHaveLength(2);
      expect(await contact('+6281244000003')).toMatchObject({ name: 'Citra', attributes: { city: 'Medan' } });

      // The same file again changes nothing and records nothing twice.
      const again = await upload(csv, { defaultCountry: 'ID' });
      expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 3, duplicates: 3, consentEvents: 0 });
    });
  });

  describe('exports of the tools shops use', () => {
    it('imports a Google Contacts export without naming a column (case csv/05)', async () => {
      const done = await upload(fixture('05-google-contacts.csv'), { defaultCountry: 'ID' });
      expect(done).toMatchObject({ inserted: 2, rejected: 0, consentEvents: 0, warnings: 1, phoneColumn: 'Phone 1 - Value' });
      const first = await contact('+6281270000001');
      expect(first).toMatchObject({
        name: 'Contoh Satu',
        attributes: { other_phones: '+62 813-7000-0001', phone_2_value: '021-5550001' },
        consent: { marketing: { status: null }, utility: { status: null } },
      });
      expect(await contact('+6281370000001')).toBeUndefined();
      expect(await contact('+6281270000002')).toMatchObject({ name: 'Contoh Dua', consent: { marketing: { status: null } } });
      const report = await warnings(done.id);
      expect(report.reasons).toEqual(['2,phone_several_numbers']);
      expect(report.lines[0]).toMatch(/other_phones/);
    });

    it('imports Outlook, Shopify and WooCommerce exports; email or SMS marketing consent is never a WhatsApp opt-in', async () => {
      const outlook = 'First Name,Middle Name,Last Name,E-mail Address,Business Phone,Mobile Phone\nRina,,Wati,r@example.com,021-5550002,0812-4600-0001\n';
      expect(await upload(outlook, { defaultCountry: 'ID' })).toMatchObject({ inserted: 1, phoneColumn: 'Mobile Phone' });
      expect(await contact('+6281246000001')).toMatchObject({ name: 'Rina Wati', attributes: { business_phone: '021-5550002' } });

      const shopify = [
        'First Name,Last Name,Email,Accepts Email Marketing,Default Address Phone,Phone,Accepts SMS Marketing,Total Spent,Tags',
        'Sari,Toko,s@example.com,yes,+62 812-4600-0002,,yes,150.000,"vip, reseller"',
        'Tono,,t@example.com,no,,+62 812-4600-0003,no,0,',
      ].join('\n');
      const shop = await upload(shopify, { defaultCountry: 'ID' });
      expect(shop).toMatchObject({ inserted: 2, rejected: 0, consentEvents: 0, phoneColumn: 'Phone' });
      expect(await contact('+6281246000002')).toMatchObject({
        name: 'Sari Toko',
        tags: ['vip', 'reseller'],
        attributes: { accepts_email_marketing: 'yes', accepts_sms_marketing: 'yes' },
        consent: { marketing: { status: null }, utility: { status: null } },
      });

      const woo = "billing_first_name,billing_last_name,billing_email,billing_phone\nWulan,Sari,w@example.com,'081246000004\n";
      expect(await upload(woo, { defaultCountry: 'ID' })).toMatchObject({ inserted: 1, rejected: 0, phoneColumn: 'billing_phone' });
      expect(await contact('+6281246000004')).toMatchObject({ name: 'Wulan Sari', attributes: { billing_email: 'w@example.com' } });
    });

    it('reads common Indonesian headers without a mapping', async () => {
      const done = await upload('Nama Pelanggan;Nomor WhatsApp;Setuju Promo;Kota\nYuni;0812-4600-0010;ya;Bogor\n', { defaultCountry: 'ID' });
      expect(done).toMatchObject({ inserted: 1, consentEvents: 1, phoneColumn: 'Nomor WhatsApp' });
      expect(await contact('+6281246000010')).toMatchObject({ name: 'Yuni', attributes: { kota: 'Bogor' }, consent: { marketing: { status: 'opted_in' } } });
    });
  });

  describe('the columns mapping', () => {
    it('maps file columns to fields and attributes', async () => {
      const columns = JSON.stringify({ Pelanggan: 'name', 'Kontak WA': 'phone', 'Promo OK': 'opt_in', Kota: 'attributes.city', Catatan: 'ignore' });
      const done = await upload('Pelanggan,Kontak WA,Promo OK,Kota,Catatan\nZaki,0812-4700-0001,ya,Depok,secret\n', { defaultCountry: 'ID', columns });
      expect(done).toMatchObject({ inserted: 1, consentEvents: 1, phoneColumn: 'Kontak WA' });
      expect(done.columns).toMatchObject({ 'Kontak WA': 'phone' });
      expect(await contact('+6281247000001')).toMatchObject({ name: 'Zaki', attributes: { city: 'Depok' }, consent: { marketing: { status: 'opted_in' } } });
    });

    it.each([
      ['a column the file does not have', { Nope: 'phone' }, 'IMPORT_COLUMNS_UNKNOWN_COLUMN'],
      ['a field that does not exist', { 'Kontak WA': 'mobile' }, 'IMPORT_COLUMNS_UNKNOWN_FIELD'],
      ['two columns to one field', { 'Kontak WA': 'phone', Lain: 'phone' }, 'IMPORT_COLUMNS_FIELD_TWICE'],
    ])('refuses %s', async (_, columns, code) => {
      const res = await refused('Kontak WA,Lain\n0812-4700-0002,x\n', { defaultCountry: 'ID', columns: JSON.stringify(columns) });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code });
    });

    it('refuses columns that are not a JSON object of field names', async () => {
      for (const columns of ['{nope', '["phone"]', '{"Kontak WA": 1}']) {
        const res = await refused('Kontak WA\n0812-4700-0003\n', { columns });
        expect({ status: res.status, code: res.body.code, field: res.body.details?.[0]?.field }).toEqual({ status: 400, code: 'VALIDATION_FAILED', field: 'columns' });
      }
    });
  });

  describe('encodings', () => {
    const text = 'phone\tname\r\n0812-4500-0001\tJosé Ñandú\r\n';

    it("imports UTF-16 LE and BE with a byte order mark (Excel's Unicode Text)", async () => {
      const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
      expect(await upload(le, { defaultCountry: 'ID' })).toMatchObject({ inserted: 1, encoding: 'utf-16le', delimiter: '\t' });
      expect((await contact('+6281245000001')).name).toBe('José Ñandú');

      const be = Buffer.from(text.replace('0001', '0002'), 'utf16le').swap16();
      expect(await upload(Buffer.concat([Buffer.from([0xfe, 0xff]), be]), { defaultCountry: 'ID' })).toMatchObject({ inserted: 1, encoding: 'utf-16be' });
      expect((await contact('+6281245000002')).name).toBe('José Ñandú');
    });

    it('decodes windows-1252 (and iso-8859-1) when the upload names it', async () => {
      const latin = Buffer.from('phone,name\n0812-4500-0003,Jos\xe9 \x80\n', 'latin1');
      expect(await upload(latin, { defaultCountry: 'ID', encoding: 'windows-1252' })).toMatchObject({ inserted: 1, encoding: 'windows-1252' });
      expect((await contact('+6281245000003')).name).toBe('José €');
      const iso = Buffer.from('phone,name\n0812-4500-0004,Jos\xe9\n', 'latin1');
      expect(await upload(iso, { defaultCountry: 'ID', encoding: 'iso-8859-1' })).toMatchObject({ inserted: 1 });
      expect((await contact('+6281245000004')).name).toBe('José');
    });

    it('refuses text that is not UTF-8 with the exact line and column of the first bad byte, in a file of 4,000+ lines', async () => {
      const lines = ['phone,name,note'];
      for (let i = 0; i < 3999; i++) lines.push(`+62812450${String(10000 + i)},Zoë ${i},${'a note that makes the file span several chunks '.repeat(2)}`);
      const good = Buffer.from(lines.join('\n') + '\n');
      const bad = Buffer.concat([good, Buffer.from('+6281245099999,Zoë Jos'), Buffer.from([0xe9]), Buffer.from(',x\n' + '+6281245099998,y,z\n'.repeat(50))]);
      const res = await refused(bad, { defaultCountry: 'ID' });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'IMPORT_FILE_NOT_UTF8' });
      expect(res.body.details).toMatchObject({ line: 4001, column: 23 });
      expect(res.body.message).toMatch(/line 4001, column 23 \(byte 0xE9\)/);
      expect(res.body.message).toMatch(/encoding/);
    });

    it('reads back a stored file whose pieces split a character (UTF-8 and UTF-16) byte for byte', async () => {
      const store = async (id: string, encoding: string, bytes: Buffer, cut: number) => {
        await env.db.transaction(async (tx) => {
          await tx.query(
            `INSERT INTO contact_imports (id, status, file_bytes, file_sha256, delimiter, header, phone_column, opt_in_scope, default_country, encoding, created_at)
             VALUES ($1, 'queued', $2, 'x', ',', '{phone,name}', 'phone', 'marketing', 'ID', $3, now() - interval '5 minutes')`,
            [id, bytes.length, encoding],
          );
          await tx.query(`INSERT INTO contact_import_chunks (import_id, seq, data) VALUES ($1, 0, $2), ($1, 1, $3)`, [id, bytes.subarray(0, cut), bytes.subarray(cut)]);
        });
      };
      const utf8 = Buffer.from('phone,name\n0812-4500-0007,Zoë\n');
      await store('21111111-2222-4333-8444-555555555555', 'utf-8', utf8, utf8.indexOf(0xc3) + 1);
      const utf16 = Buffer.from('phone,name\n0812-4500-0008,Zoë\n', 'utf16le');
      await store('31111111-2222-4333-8444-555555555555', 'utf-16le', utf16, utf16.length - 5);
      await env.get(ImportSweeper).sweep();
      for (const id of ['21111111-2222-4333-8444-555555555555', '31111111-2222-4333-8444-555555555555']) {
        expect(await importFinished(api, id)).toMatchObject({ status: 'completed', inserted: 1 });
      }
      expect((await contact('+6281245000007')).name).toBe('Zoë');
      expect((await contact('+6281245000008')).name).toBe('Zoë');
    });

    it('refuses an encoding it does not read, or one sent after the file', async () => {
      const res = await refused('phone\n0812-4500-0005\n', { encoding: 'ebcdic' });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
      const form = new FormData();
      form.append('file', new Blob([Buffer.from('phone,name\n0812-4500-0006,Jos\xe9\n', 'latin1')]), 'a.csv');
      form.append('encoding', 'windows-1252');
      const late = await api.post('/v1/contacts/imports', form);
      expect(late.status).toBe(400);
      expect(late.body.code).toBe('IMPORT_FILE_NOT_UTF8');
    });
  });
});
