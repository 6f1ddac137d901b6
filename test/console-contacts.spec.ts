import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { consolePage, launchBrowser, screenshot } from './support/browser';
import { startSimulatedWhatsapp } from './support/simulated-whatsapp';

type World = Awaited<ReturnType<typeof startSimulatedWhatsapp>>;

/**
 * A small audience as a shop would export it: two good rows, a row whose phone is not one (its name
 * a spreadsheet formula), the first phone again (merged), and a day/month consent date without a
 * dateFormat (imported, with a warning).
 */
const CSV = [
  'phone,name,opt_in,opt_in_at,opt_in_text,city',
  '+6281255500001,Ana Wijaya,yes,2026-01-05T09:00:00+07:00,Ya kirimi saya promo Toko Ana,Jakarta',
  '0812-5550-0002,Budi Santoso,yes,2026-01-06T10:00:00+07:00,Ya kirimi saya promo Toko Ana,Bandung',
  'bukan-nomor,"=HYPERLINK(""http://evil.example"")",yes,,,Depok',
  '+6281255500001,Ana Wijaya Putri,,,,Bogor',
  '081255500003,Citra Lestari,yes,27/04/2026,Setuju,Medan',
].join('\r\n');

/**
 * The contact pages in a real browser over the real API and worker: a CSV uploaded with the form,
 * its counts followed live until completed, rejected.csv downloaded (the formula cell neutralised),
 * the contacts found by search, one contact's consent event with its wording, in a phone-width
 * window too.
 */
describe('console: contacts', () => {
  let world: World;
  let browser: Browser;

  beforeAll(async () => {
    world = await startSimulatedWhatsapp({ seed: 15 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('imports a CSV with live counts, downloads its rejected rows, then shows the contacts and their consent', async () => {
    const { page, problems } = await consolePage(browser, world.env.url);
    await page.getByRole('link', { name: 'Contacts', exact: true }).click();
    await page.getByRole('link', { name: 'Import CSV' }).click();
    await page.getByLabel('CSV file').setInputFiles({ name: 'pelanggan.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    await page.getByLabel('Country of national numbers').fill('id');
    await page.getByLabel('Tags for every contact').fill('konsol-impor');
    await page.getByRole('button', { name: 'Upload and import' }).click();

    const progress = page.locator('section[data-import]');
    await progress.getByText('Completed', { exact: true }).waitFor({ timeout: 20_000 });
    const count = async (name: string) => (await progress.locator(`[data-count="${name}"] td`).textContent())?.trim();
    expect({
      rowsRead: await count('rowsRead'),
      inserted: await count('inserted'),
      updated: await count('updated'),
      unchanged: await count('unchanged'),
      rejected: await count('rejected'),
      warnings: await count('warnings'),
      duplicates: await count('duplicates'),
    }).toEqual({ rowsRead: '5', inserted: '3', updated: '0', unchanged: '0', rejected: '1', warnings: '1', duplicates: '1' });
    expect(await page.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('5');
    // The import is in the route: the list of recent imports links to it.
    expect(page.url()).toMatch(/#\/contacts\/import\?id=[0-9a-f-]{36}$/);
    await page.getByRole('link', { name: 'pelanggan.csv' }).waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download rejected rows (1)' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^import-[0-9a-f-]{36}-rejected\.csv$/);
    const rejected = readFileSync((await download.path())!, 'utf8');
    const lines = rejected.trimEnd().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('line,reason,message,phone,name,opt_in,opt_in_at,opt_in_text,city');
    expect(lines[1]).toMatch(/^4,phone_[a-z_]+,/);
    // The formula cell comes back with one more ' in front: a spreadsheet shows it as text.
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    await screenshot(page, 'contacts-import');

    await page.getByRole('link', { name: 'Contacts', exact: true }).click();
    await page.getByLabel('Tags', { exact: true }).fill('konsol-impor');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('Contacts matching: 3').waitFor();
    await page.getByLabel('Name contains').fill('ana');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('Contacts matching: 1').waitFor();
    await screenshot(page, 'contacts-list');

    // Later non-empty values win when one phone is on several rows: the name of line 5.
    await page.getByRole('link', { name: 'Ana Wijaya Putri' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ana Wijaya Putri' }).waitFor();
    const ledger = page.getByRole('table', { name: 'Consent history (oldest first)' });
    const event = ledger.locator('tbody tr');
    await event.first().waitFor();
    expect(await event.count()).toBe(1);
    const cells = await event.first().locator('td').allTextContents();
    expect(cells[0]).toBe('Opt-in');
    expect(cells[1]).toBe('Marketing');
    expect(cells[2]).toBe('CSV import');
    expect(cells[5]).toContain('Ya kirimi saya promo Toko Ana');
    expect(cells[6]).toContain('CSV import, line 2');
    expect(await page.locator('[data-scope="marketing"]').textContent()).toContain('Opted in');
    expect(await page.getByRole('table', { name: 'Attributes' }).textContent()).toContain('Bogor');
    await screenshot(page, 'contact');
    expect(problems).toEqual([]);
  });

  it('fits a phone-width screen, in Indonesian', async () => {
    const { page, problems } = await consolePage(browser, world.env.url, { width: 390, height: 844 }, 'id');
    const overflow = async () => (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    await page.getByRole('link', { name: 'Kontak', exact: true }).click();
    await page.getByText('Kontak yang cocok: 3').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.getByRole('link', { name: 'Citra Lestari' }).click();
    await page.getByRole('heading', { level: 3, name: 'Riwayat persetujuan (terlama dulu)' }).waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'contact-phone-id');
    await page.getByRole('link', { name: 'Kontak', exact: true }).click();
    await page.getByRole('link', { name: 'Impor CSV' }).click();
    await page.getByRole('link', { name: 'pelanggan.csv' }).click();
    await page.locator('section[data-import]').getByText('Selesai', { exact: true }).first().waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'contacts-import-phone-id');
    expect(problems).toEqual([]);
  });
});
