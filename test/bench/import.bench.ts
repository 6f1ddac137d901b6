/**
 * npm run bench:import — imports a generated 1,000,000-row contacts CSV through the real API and
 * worker (built, run as child processes) and prints rows/s, wall seconds and the worker's peak RSS.
 *
 * The file has varied phone formats (national with dashes, +62 with spaces, 62 without +, 00…),
 * 0.5% invalid numbers, 1% duplicated phones (the later row wins) and 10% of rows without opt-in.
 * Each run draws its own block of numbers, so the first measurement is a new audience; the same
 * file is then imported again (every contact unchanged, no new consent event) and measured too.
 *
 * Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/siaran_bench; migrated
 * first), REDIS_URL, BENCH_ROWS (default 1000000), BENCH_DUPLICATES (rows per thousand repeating an earlier phone, default 10), IMPORT_THREADS (passed to the worker).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { createWriteStream, openAsBlob, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { ImportView } from '../../src/imports/import.view';
import { freePort, ROOT, ServiceProcess, waitForHealth } from '../support/processes';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
/** Rows per thousand that repeat an earlier row's phone (BENCH_DUPLICATES, default 10: 1%). */
const DUPLICATES_PER_MILLE = Number(process.env.BENCH_DUPLICATES ?? 10);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/siaran_bench';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const FIRST = ['Ana', 'Budi', 'Citra', 'Dewi', 'Eko', 'Fajar', 'Gita', 'Hadi', 'Indah', 'Joko'];
const CITIES = ['Jakarta', 'Surabaya', 'Bandung', 'Medan', 'Semarang', 'Makassar', 'Denpasar', 'Yogyakarta'];

function formatPhone(national: string, style: number): string {
  // national: 8xxxxxxxxxx (11 digits, Indonesian mobile without the trunk 0)
  switch (style) {
    case 0:
      return `0${national.slice(0, 3)}-${national.slice(3, 7)}-${national.slice(7)}`;
    case 1:
      return `+62 ${national.slice(0, 3)} ${national.slice(3, 7)} ${national.slice(7)}`;
    case 2:
      return `62${national}`;
    case 3:
      return `(0${national.slice(0, 3)}) ${national.slice(3)}`;
    default:
      return `0${national}`;
  }
}

async function generate(path: string): Promise<{ expectedInvalid: number; expectedDuplicates: number }> {
  const out = createWriteStream(path);
  out.write('phone,name,city,segment,opt_in,opt_in_at,opt_in_source\n');
  // 812 + 8 digits: a block of 10^8 numbers; each run starts at a random offset.
  const base = randomInt(0, 90_000_000);
  let buffer = '';
  let invalid = 0;
  let duplicates = 0;
  const recent: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    let phone: string;
    const roll = i % 1000;
    if (roll < 5) {
      phone = ['12345', '0812-34', 'not a phone', '+62 000 0000', '0812345678901234567'][roll];
      invalid++;
    } else if (roll >= 1000 - DUPLICATES_PER_MILLE && recent.length > 0) {
      phone = recent[randomInt(0, recent.length)]; // the same person, written again later in the file
      duplicates++;
    } else {
      phone = formatPhone(`812${String(base + i).padStart(8, '0')}`, i % 5);
      if (recent.length < 1000) recent.push(phone);
      else recent[i % 1000] = phone;
    }
    const optedIn = i % 10 !== 3;
    const name = `${FIRST[i % FIRST.length]} ${i}`;
    buffer += `${phone},${name},${CITIES[i % CITIES.length]},s${i % 7},${optedIn ? 'yes' : ''},${optedIn ? '2025-06-01T10:00:00Z' : ''},${optedIn ? 'checkout-form-v2' : ''}\n`;
    if (buffer.length > 1 << 16) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  return { expectedInvalid: invalid, expectedDuplicates: duplicates };
}

async function importFile(api: string, key: string, path: string): Promise<{ seconds: number; uploadSeconds: number; status: ImportView }> {
  const started = process.hrtime.bigint();
  const form = new FormData();
  form.set('file', await openAsBlob(path), 'bench.csv');
  form.set('defaultCountry', 'ID');
  const res = await fetch(`${api}/v1/contacts/imports`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  const uploadSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (;;) {
    const status = (await (await fetch(`${api}/v1/contacts/imports/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as ImportView;
    if (status.status === 'completed' || status.status === 'failed') {
      return { seconds: Number(process.hrtime.bigint() - started) / 1e9, uploadSeconds, status };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The worker logs each import's phase timings; shown to explain where the time went. */
function phaseTimings(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.includes('"Import timings"'))
    .map((line) => {
      const { loadMs, mergeMs, commitMs } = JSON.parse(line) as { loadMs: number; mergeMs: Record<string, number>; commitMs: number };
      return `load ${loadMs}, ${Object.entries(mergeMs).map(([k, v]) => `${k} ${v}`).join(', ')}, commit ${commitMs}`;
    });
}

async function main(): Promise<void> {
  const file = join(tmpdir(), `siaran-bench-${randomBytes(4).toString('hex')}.csv`);
  process.stdout.write(`Generating ${ROWS.toLocaleString('en')} rows… `);
  const expected = await generate(file);
  process.stdout.write(`${(statSync(file).size / 1e6).toFixed(1)} MB\n`);

  execFileSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'migrate.js')], {
    env: { ...process.env, DATABASE_URL },
    stdio: 'inherit',
  });

  const key = `bench-${randomBytes(16).toString('hex')}`;
  const port = await freePort();
  const env = {
    DATABASE_URL,
    REDIS_URL,
    REDIS_PREFIX: `siaran-bench-${randomBytes(4).toString('hex')}`,
    API_BOOTSTRAP_KEY: key,
    PORT: String(port),
    LOG_LEVEL: 'warn',
  };
  const api = ServiceProcess.start('api', env);
  const worker = ServiceProcess.start('worker', { ...env, LOG_LEVEL: 'info' });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, api);
    const first = await importFile(url, key, file);
    if (first.status.status !== 'completed') throw new Error(`import failed: ${JSON.stringify(first.status.error)}`);
    const again = await importFile(url, key, file);
    const peak = worker.peakRssBytes();
    const report = (label: string, r: { seconds: number; uploadSeconds: number; status: ImportView }) => {
      const s = r.status;
      process.stdout.write(
        `${label}: ${ROWS.toLocaleString('en')} rows in ${r.seconds.toFixed(2)} s = ${Math.round(ROWS / r.seconds).toLocaleString('en')} rows/s ` +
          `(upload ${r.uploadSeconds.toFixed(2)} s) ` +
          `(inserted ${s.inserted}, updated ${s.updated}, unchanged ${s.unchanged}, rejected ${s.rejected}, duplicates ${s.duplicates}, consent events ${s.consentEvents})\n`,
      );
    };
    report('new audience   ', first);
    report('same file again', again);
    for (const timing of phaseTimings(worker.recentOutput())) process.stdout.write(`  worker phases (ms): ${timing}\n`);
    process.stdout.write(`worker peak RSS: ${peak ? `${Math.round(peak / 1024 / 1024)} MB` : 'unknown (needs Linux /proc)'}\n`);
    process.stdout.write(`expected: rejected ${expected.expectedInvalid}, duplicates ${expected.expectedDuplicates}\n`);
    const ok =
      first.status.rejected === expected.expectedInvalid &&
      first.status.duplicates === expected.expectedDuplicates &&
      again.status.inserted === 0 &&
      again.status.consentEvents === 0;
    if (!ok) throw new Error('counts differ from what the generator wrote');
  } finally {
    await Promise.all([api.stop(), worker.stop()]);
    execFileSync('rm', ['-f', file]);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
