import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { eventually } from './support/app';
import { consolePage, launchBrowser, screenshot } from './support/browser';
import { insertOptedInContacts } from './support/opted-in-contacts';
import { ROOT } from './support/processes';
import { startSimulatedWhatsapp } from './support/simulated-whatsapp';

type World = Awaited<ReturnType<typeof startSimulatedWhatsapp>>;

const BULK = 96;
/** The four opted-in Indonesian contacts tagged konsol, and the bulk ones. */
const ELIGIBLE = 4 + BULK;

/**
 * The campaign pages in a real browser, over the real API, worker and Cloud API simulator: create a
 * campaign with the form (the audience counted as it is built), read its exclusions, launch it,
 * watch it complete, download its report; pause, resume and cancel a slow one.
 */
describe('console: campaigns', () => {
  let world: World;
  let browser: Browser;
  let templateName: string;

  beforeAll(async () => {
    world = await startSimulatedWhatsapp({
      seed: 14,
      phoneNumbers: [{ id: '1000000001', wabaId: '2000000001', mps: 20 }],
      statusDelaysMs: { sent: 5, delivered: 10, read: 15 },
      templateReview: { delayMs: 10 },
    });
    const { api } = world;
    expect((await api.patch('/v1/phone-numbers/1000000001', { throughputMps: 20 })).status).toBe(200);
    const people: Array<[string, boolean, string]> = [
      ['+6281300000001', true, 'konsol'],
      ['+6281300000002', true, 'konsol'],
      ['+6281300000003', true, 'konsol'],
      ['+6281300000004', true, 'konsol'],
      ['+6281300000005', false, 'konsol'],
      ['+12025550100', true, 'konsol'],
      ['+6281300000011', true, 'lambat'],
      ['+6281300000012', true, 'lambat'],
      ['+6281300000013', true, 'lambat'],
      ['+6281300000014', true, 'lambat'],
      ['+6281300000015', true, 'lambat'],
      ['+6281300000016', true, 'lambat'],
    ];
    for (const [i, [phone, optedIn, tag]] of people.entries()) {
      const made = await api.post('/v1/contacts', { phone, name: `Orang ${i + 1}`, tags: [tag] });
      expect(made.status).toBe(201);
      if (optedIn) expect((await api.post(`/v1/contacts/${made.body.id}/opt-in`, { scope: 'marketing', wording: 'Ya, kirimi saya promo' })).status).toBe(201);
    }
    // Enough people for a few seconds of sending at 20 a second: the rate chart has a curve to show.
    await insertOptedInContacts(world.env.db, { phonePrefix: '+62814', tag: 'konsol', count: BULK });
    templateName = 'promo_konsol';
    const template = await api.post('/v1/templates', {
      name: templateName,
      language: 'id',
      category: 'MARKETING',
      components: [{ type: 'BODY', text: 'Halo {{1}}, promo minggu ini!', example: { body_text: [['Ana']] } }],
    });
    expect(template.status).toBe(201);
    expect((await api.post(`/v1/templates/${template.body.id}/submit`)).status).toBeLessThan(300);
    await world.templateUntil(template.body.id, (t) => t.status === 'APPROVED');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  async function createCampaign(page: Page, name: string, tag: string, maxMps?: number): Promise<string> {
    await page.goto(`${world.env.url}/console/#/campaigns`);
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Template').selectOption({ label: `${templateName} (id, MARKETING)` });
    await page.getByLabel('body.1 *').fill('{{name}}');
    await page.getByLabel('Any of these tags').fill(tag);
    if (maxMps) await page.getByLabel('At most (messages per second)').fill(String(maxMps));
    await page.getByRole('button', { name: 'Create draft' }).click();
    await page.waitForURL(/#\/campaigns\/[0-9a-f-]{36}$/);
    return page.url().split('/').pop()!;
  }

  it('creates a campaign with a live audience count, shows its exclusions, launches it and watches it complete', async () => {
    const { page, problems } = await consolePage(browser, world.env.url);
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByLabel('Any of these tags').fill('konsol');
    await page.getByText(`${ELIGIBLE + 2} contacts in this audience`).waitFor();

    const id = await createCampaign(page, 'Promo konsol', 'konsol');
    const bars = page.getByRole('list', { name: 'Recipients by decision and reason' });
    await bars.waitFor();
    expect(await bars.locator('[data-reason="eligible"] .bar-count').textContent()).toBe(String(ELIGIBLE));
    expect(await bars.locator('[data-reason="no_opt_in"] .bar-count').textContent()).toBe('1');
    expect(await bars.locator('[data-reason="recipient_country_restricted"] .bar-count').textContent()).toBe('1');
    await screenshot(page, 'campaign-dry-run');

    await page.getByRole('button', { name: 'Launch' }).click();
    await page.getByText('Completed', { exact: true }).waitFor({ timeout: 30_000 });
    await eventually(async () => ((await page.getByTestId('progress-line').textContent())?.startsWith(`${ELIGIBLE} of ${ELIGIBLE} done`) ? true : undefined), 10_000, 'all done');
    // Delivery statuses arrive by webhook after the last send: the page keeps reading them.
    await eventually(
      async () => ((await page.getByTestId('delivery-states').locator('[data-state="read"] td').textContent()) === String(ELIGIBLE) ? true : undefined),
      15_000,
      'read by everyone',
    );
    const shot = await screenshot(page, 'campaign');
    copyFileSync(shot, join(ROOT, 'console', 'screenshots', 'campaign.png'));

    await page.getByTestId('timeline').getByText('completed').waitFor();
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download report (CSV)' }).click()]);
    expect(file.suggestedFilename()).toBe(`campaign-${id}.csv`);
    const csv = readFileSync((await file.path())!, 'utf8');
    // A header and one row per recipient: the eligible ones and the two excluded.
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(1 + ELIGIBLE + 2);
    expect(problems).toEqual([]);
  });

  it('pauses, resumes and cancels a slow campaign from its page', async () => {
    const { page, problems } = await consolePage(browser, world.env.url);
    await createCampaign(page, 'Promo lambat', 'lambat', 1);
    await page.getByRole('button', { name: 'Launch' }).click();
    await page.getByText('Sending', { exact: true }).first().waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByText('Paused', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByText('Sending', { exact: true }).first().waitFor();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Cancel campaign' }).click();
    await page.getByText('Cancelled', { exact: true }).waitFor();
    await screenshot(page, 'campaign-cancelled');
    const notSent = await page.getByTestId('send-states').locator('[data-state="cancelled"] td').textContent();
    expect(Number(notSent)).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
