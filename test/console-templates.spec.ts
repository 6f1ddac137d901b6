import type { Browser } from 'playwright-core';
import { consolePage, launchBrowser, screenshot } from './support/browser';
import { startSimulatedWhatsapp } from './support/simulated-whatsapp';

type World = Awaited<ReturnType<typeof startSimulatedWhatsapp>>;

/**
 * The template pages in a real browser, over the real API, worker and Cloud API simulator (which
 * approves a submitted template after 100 ms, by webhook): a template written with mistakes, each
 * shown at its field (the form's own checks as you type, the API's verdict after saving), fixed,
 * saved, submitted and seen APPROVED without a reload; then previewed for a contact found by name.
 */
describe('console: templates', () => {
  let world: World;
  let browser: Browser;

  beforeAll(async () => {
    world = await startSimulatedWhatsapp({ seed: 16, templateReview: { delayMs: 100 } });
    const made = await world.api.post('/v1/contacts', { phone: '+6281377700001', name: 'Ana Wijaya', attributes: { code: 'SPRING-7' } });
    expect(made.status).toBe(201);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  it('shows each mistake at its field, saves, submits, follows the review to APPROVED and previews for a contact', async () => {
    const { page, problems } = await consolePage(browser, world.env.url);
    await page.getByRole('link', { name: 'Templates', exact: true }).click();
    await page.getByRole('link', { name: 'New template' }).click();
    await page.getByLabel('Name', { exact: true }).fill('promo_konsol');
    // id_ID is not a code WhatsApp takes (it wants id): only the API knows WhatsApp's list.
    await page.getByLabel('Language', { exact: true }).fill('id_ID');
    await page.getByLabel('Body text').fill('Halo {{1}}, diskon {{2}} untukmu hari ini saja!');
    await page.getByLabel('Example for {{1}}').fill('Ana');
    await page.getByLabel('Footer').fill('Balas STOP untuk berhenti menerima promo dari Toko Ana di WhatsApp');
    await page.getByRole('button', { name: 'Add quick reply' }).click();
    await page.getByLabel('Button 1 text').fill('Stop promosi');
    await page.getByRole('button', { name: 'Add link button' }).click();
    await page.getByLabel('Button 2 text').fill('Belanja');
    await page.getByLabel('Button 2 URL').fill('https://toko.example/p/{{1}}');

    // The form's own checks, as typed: each under its field, and nothing can be saved.
    const errorOf = (id: string) => page.locator(`#${id}-error`);
    expect(await errorOf('t-footer').textContent()).toBe('66 characters; at most 60.');
    expect(await errorOf('t-example-2').textContent()).toBe('WhatsApp needs an example for {{2}}.');
    expect(await errorOf('t-button-1-example').textContent()).toBe('WhatsApp needs an example for {{1}}.');
    expect(await page.getByRole('button', { name: 'Save draft' }).isDisabled()).toBe(true);
    await screenshot(page, 'template-form-mistakes');

    await page.getByLabel('Footer').fill('Balas STOP untuk berhenti');
    await page.getByLabel('Example for {{2}}').fill('20%');
    await page.getByRole('group', { name: 'Button 2: Link' }).getByLabel('Example for {{1}}').fill('SPRING-7');
    expect(await errorOf('t-footer').count()).toBe(0);
    // The API's verdict, at the field it names.
    await page.getByRole('button', { name: 'Save draft' }).click();
    await errorOf('t-language').waitFor();
    expect(await errorOf('t-language').textContent()).toBe('WhatsApp has no template language id_ID: use id');
    expect(await page.getByText('WhatsApp would refuse this template: see the marked fields.').count()).toBe(1);
    await screenshot(page, 'template-form');

    await page.getByLabel('Language', { exact: true }).fill('id');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL(/#\/templates\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { level: 1, name: 'promo_konsol' }).waitFor();
    expect(await page.locator('[data-status]').getAttribute('data-status')).toBe('DRAFT');

    await page.getByRole('button', { name: 'Submit to WhatsApp for review' }).click();
    // The simulator approves 100 ms after the submission, by webhook; the page reads it by itself.
    await page.locator('[data-status="APPROVED"]').waitFor({ timeout: 15_000 });
    expect(await page.getByRole('button', { name: 'Submit to WhatsApp for review' }).count()).toBe(0);

    await page.getByLabel('Find a contact').fill('wijaya');
    await page.getByLabel('Contact', { exact: true }).locator('option', { hasText: 'Ana Wijaya' }).waitFor({ state: 'attached' });
    await page.getByLabel('body.1 *').fill('{{name}}');
    await page.getByLabel('body.2 *').fill('{{default attributes.discount "10%"}}');
    await page.getByLabel('button.1.1 *').fill('{{urlencode attributes.code}}');
    await page.getByRole('button', { name: 'Show preview' }).click();
    const bubble = page.getByRole('figure', { name: 'The message as the contact reads it' });
    await bubble.waitFor();
    expect(await bubble.locator('.body').textContent()).toBe('Halo Ana Wijaya, diskon 10% untukmu hari ini saja!');
    expect(await bubble.locator('.footer').textContent()).toBe('Balas STOP untuk berhenti');
    expect(await bubble.locator('.bubble-buttons span').allTextContents()).toEqual(['Stop promosi', 'Belanja']);
    await screenshot(page, 'template-preview');

    await page.getByRole('link', { name: 'Templates', exact: true }).click();
    const row = page.getByRole('row', { name: /promo_konsol/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('Approved');
    expect(await row.textContent()).toContain('Marketing');
    // The one refusal is the API's answer to id_ID, which the browser logs.
    expect(problems).toEqual(['console: Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  });

  it('fits a phone-width screen, in Indonesian', async () => {
    const { page, problems } = await consolePage(browser, world.env.url, { width: 390, height: 844 }, 'id');
    await page.getByRole('link', { name: 'Template', exact: true }).click();
    await page.getByRole('link', { name: 'Template baru' }).click();
    await page.getByLabel('Teks isi').fill('Halo {{1}}, ada kabar untukmu!');
    await page.locator('#t-example-1-error').waitFor();
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'template-form-phone-id');
    expect(problems).toEqual([]);
  });
});
