import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { TEST_API_KEY } from './app';
import { ROOT } from './processes';

/** Debian's Chromium (apt-get install chromium; .ci/run installs it): Playwright's own download fails offline. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of the console's pages: artifacts of the test run, not committed (.gitignore). */
export const SCREENSHOTS = join(ROOT, 'test-artifacts', 'console');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/**
 * A page of the console at `baseUrl`, signed in with the test key through the sign-in form, in a
 * laptop-sized window (`{ width: 390, height: 844 }` for a phone). Console errors and failed
 * requests are collected in `problems`, for specs to assert there are none.
 */
export async function consolePage(browser: Browser, baseUrl: string, viewport = { width: 1280, height: 900 }, language: 'en' | 'id' = 'en'): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport, locale: language === 'id' ? 'id-ID' : 'en-US', acceptDownloads: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel(language === 'id' ? 'Kunci API' : 'API key').fill(TEST_API_KEY);
  await page.getByRole('button', { name: language === 'id' ? 'Masuk' : 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'sections' }).waitFor();
  return { page, problems };
}

/** Saves a full-page screenshot as test-artifacts/console/<name>.png; answers its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
