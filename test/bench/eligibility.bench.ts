/**
 * npm run bench:eligibility — decides a campaign's audience of 1,000,000 contacts: the dry run
 * (counts and samples, nothing written) and the snapshot (campaign_recipients written), through
 * the real EligibilityService in a Nest application context on a database of its own.
 *
 * The contacts (generated in SQL): 60% opted in to marketing, 10% opted out, the rest without a
 * statement; utility consent likewise shuffled; 1% US numbers, 0.1% Iranian, 0.1% Crimean; 20%
 * with an open window with the sender; a tag on half of them; a city on 95% (the binding needs it:
 * the others are render_problem). The campaign: a MARKETING template, a TIER_100K number, a cap of
 * 2 per 7 days. Each stated consent has its event in the ledger.
 *
 * Environment: BENCH_CONTACTS (default 1000000), BENCH_ROUNDS (default 3), DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/siaran_bench_eligibility; dropped and created again).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/config/app-config';
import { EligibilityCampaign, EligibilityService } from '../../src/eligibility/eligibility.service';
import { WorkerModule } from '../../src/worker.module';
import { ROOT } from '../support/processes';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/siaran_bench_eligibility';
const SENDER = '1000001';

async function recreate(): Promise<void> {
  const url = new URL(DATABASE_URL);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)}`);
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  await admin.end();
  execFileSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'migrate.js')], { env: { ...process.env, DATABASE_URL }, stdio: 'ignore' });
}

async function seed(db: DataSource): Promise<{ templateId: string }> {
  const started = Date.now();
  await db.query(`INSERT INTO phone_numbers (phone_number_id, waba_id, business_country, business_portfolio_id, messaging_limit) VALUES ($1, '200', 'ID', '300', 'TIER_100K')`, [SENDER]);
  // i: 1..N. Phone ranges by i; consent and facts by residues, so every combination occurs.
  await db.query(
    `INSERT INTO contacts (phone, country, name, attributes, tags, marketing_consent, marketing_consent_at, utility_consent, utility_consent_at)
     SELECT CASE WHEN i % 100 = 7 THEN '+1202' || lpad(i::text, 7, '0')
                 WHEN i % 1000 = 13 THEN '+98912' || lpad(i::text, 7, '0')
                 WHEN i % 1000 = 17 THEN '+7978' || lpad(i::text, 7, '0')
                 ELSE '+62812' || lpad(i::text, 8, '0') END,
            CASE WHEN i % 100 = 7 THEN 'US' WHEN i % 1000 = 13 THEN 'IR' WHEN i % 1000 = 17 THEN 'RU' ELSE 'ID' END,
            'Name ' || i,
            CASE WHEN i % 20 = 3 THEN '{}'::jsonb ELSE jsonb_build_object('city', 'Kota ' || (i % 50)) END,
            CASE WHEN i % 2 = 0 THEN ARRAY['vip'] ELSE '{}'::text[] END,
            CASE WHEN i % 10 < 6 THEN 'opted_in' WHEN i % 10 = 6 THEN 'opted_out' END,
            CASE WHEN i % 10 <= 6 THEN now() - interval '30 days' END,
            CASE WHEN i % 7 < 5 THEN 'opted_in' WHEN i % 7 = 5 THEN 'opted_out' END,
            CASE WHEN i % 7 <= 5 THEN now() - interval '30 days' END
       FROM generate_series(1, $1::int) i`,
    [CONTACTS],
  );
  // The ledger behind the consent columns: one event per stated scope (the snapshot records the opt-in that allowed each recipient).
  await db.query(
    `INSERT INTO consent_events (contact_id, kind, scope, source, wording, occurred_at)
     SELECT id, CASE marketing_consent WHEN 'opted_in' THEN 'opt_in' ELSE 'opt_out' END, 'marketing', 'api', 'Ya, kirimi saya promo', marketing_consent_at
       FROM contacts WHERE marketing_consent IS NOT NULL
     UNION ALL
     SELECT id, CASE utility_consent WHEN 'opted_in' THEN 'opt_in' ELSE 'opt_out' END, 'utility', 'api', 'Ya, kirimi saya info pesanan', utility_consent_at
       FROM contacts WHERE utility_consent IS NOT NULL`,
  );
  await db.query(
    `INSERT INTO contact_windows (contact_id, phone_number_id, last_inbound_at)
     SELECT id, $1, now() - interval '2 hours' FROM contacts WHERE id % 5 = 0`,
    [SENDER],
  );
  const [template] = await db.query(
    `INSERT INTO templates (waba_id, name, language, category, parameter_format, components, status)
     VALUES ('200', 'promo', 'id', 'MARKETING', 'POSITIONAL',
             '[{"type":"BODY","text":"Halo {{1}}, promo di {{2}} minggu ini saja!","example":{"body_text":[["Ana","Bandung"]]}}]', 'APPROVED')
     RETURNING id`,
  );
  await db.query('VACUUM ANALYZE contacts');
  await db.query('VACUUM ANALYZE contact_windows');
  await db.query('VACUUM ANALYZE consent_events');
  console.log(`Seeded ${CONTACTS.toLocaleString('en')} contacts in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { templateId: template.id };
}

async function main(): Promise<void> {
  await recreate();
  const config = AppConfig.fromEnvironment({ ...process.env, DATABASE_URL, CAMPAIGN_MARKETING_FREQUENCY_CAP: '2/7d', LOG_LEVEL: 'silent' });
  const app = await NestFactory.createApplicationContext(WorkerModule.register(config), { logger: false });
  const db = app.get(DataSource);
  const eligibility = app.get(EligibilityService);
  const { templateId } = await seed(db);

  const campaign = async (): Promise<EligibilityCampaign> => {
    const [row] = await db.query(
      `INSERT INTO campaigns (name, phone_number_id, kind, template_id, binding) VALUES ('bench', $1, 'template', $2, $3) RETURNING id`,
      [SENDER, templateId, JSON.stringify({ 'body.1': '{{name}}', 'body.2': '{{attributes.city}}' })],
    );
    return {
      id: row.id,
      phoneNumberId: SENDER,
      audience: {},
      message: { kind: 'template', category: 'MARKETING' },
      templateId,
      binding: { 'body.1': '{{name}}', 'body.2': '{{attributes.city}}' },
      session: null,
      fallbackTemplateId: null,
      fallbackBinding: null,
      maxMps: null,
    };
  };

  for (let round = 1; round <= ROUNDS; round++) {
    const c = await campaign();
    let started = Date.now();
    const dry = await eligibility.dryRun(c);
    const dryMs = Date.now() - started;
    started = Date.now();
    const snapshot = await db.transaction((tx) => eligibility.snapshot(tx, c));
    const snapshotMs = Date.now() - started;
    const rows = Number((await db.query(`SELECT count(*) FROM campaign_recipients WHERE campaign_id = $1`, [c.id]))[0].count);
    if (rows !== CONTACTS || snapshot.total !== dry.total || snapshot.eligible !== dry.eligible) {
      throw new Error(`disagreement: ${rows} rows, snapshot ${JSON.stringify(snapshot)}, dry run ${JSON.stringify(dry)}`);
    }
    console.log(
      `round ${round}: dry run ${(dryMs / 1000).toFixed(2)} s; snapshot ${(snapshotMs / 1000).toFixed(2)} s = ${Math.round(rows / (snapshotMs / 1000)).toLocaleString('en')} rows/s` +
        ` (eligible ${dry.eligible.toLocaleString('en')}, excluded ${JSON.stringify(dry.excluded)}, deferred ${JSON.stringify(dry.deferred)})`,
    );
    // The next round's campaign starts from the same contacts: this one's rows go.
    await db.query(`DELETE FROM campaign_recipients WHERE campaign_id = $1`, [c.id]);
    await db.query('VACUUM campaign_recipients');
  }
  await app.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
