import type { Browser } from 'playwright-core';
import { TestEnv } from './support/app';
import { consolePage, launchBrowser, screenshot } from './support/browser';

/**
 * The console's shell in a real browser (Debian's Chromium through playwright-core): served by the
 * API under /console with a strict Content-Security-Policy, signing in with an API key (a wrong one
 * refused), every section reachable from the keyboard, English and Indonesian, a phone-width screen.
 */
describe('console: shell, sign-in, languages', () => {
  let env: TestEnv;
  let browser: Browser;

  beforeAll(async () => {
    env = await TestEnv.create();
    await env.startApi();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await env.close();
  });

  it('is served under /console without a key, from this origin only', async () => {
    const res = await fetch(`${env.url}/console/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await res.text();
    expect(html).toContain('<div id="app">');
    // Nothing from another origin: no CDN, no web font.
    expect(html).not.toMatch(/(src|href)="https?:/);
    const redirect = await fetch(`${env.url}/console`, { redirect: 'manual' });
    expect([301, 302, 308]).toContain(redirect.status);
  });

  it('refuses a wrong key, signs in with a right one, and signs out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${env.url}/console/`);
    await page.getByLabel('API key').fill('sk_wrong_key_0123456789012345678901234567890');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('This key was refused').waitFor();
    await context.close();

    const { page: signedIn, problems } = await consolePage(browser, env.url);
    for (const section of ['Contacts', 'Templates', 'Campaigns', 'Compliance']) {
      await signedIn.getByRole('link', { name: section, exact: true }).click();
      await signedIn.getByRole('heading', { level: 1, name: section }).waitFor();
    }
    await signedIn.getByRole('button', { name: 'Sign out' }).click();
    await signedIn.getByLabel('API key').waitFor();
    expect(problems).toEqual([]);
  });

  it('shows the compliance invariants at a glance, and downloads their CSV', async () => {
    const { page, problems } = await consolePage(browser, env.url);
    await page.getByRole('link', { name: 'Compliance', exact: true }).click();
    const invariants = page.locator('[data-invariant]');
    await invariants.first().waitFor();
    expect(await invariants.count()).toBe(4);
    expect(await page.locator('[data-invariant] .badge.good').count()).toBe(4);
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(file.suggestedFilename()).toMatch(/^compliance-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    await screenshot(page, 'compliance');
    expect(problems).toEqual([]);
  });

  it('speaks Indonesian, and fits a phone-width screen', async () => {
    const { page, problems } = await consolePage(browser, env.url, { width: 390, height: 844 }, 'id');
    await page.getByRole('link', { name: 'Kampanye', exact: true }).waitFor();
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    // Keyboard: on a page freshly loaded (the key kept for the session), the first Tab reaches the skip link.
    await page.reload();
    await page.getByRole('navigation', { name: 'sections' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement && document.activeElement.textContent')).toBe('Langsung ke isi');
    await screenshot(page, 'shell-phone-id');
    expect(problems).toEqual([]);
  });
});
