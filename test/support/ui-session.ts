/**
 * Test support for tests that use the API server and the web UI of `gale standalone`: start it
 * and read its URL and the admin's generated password from its output; open Debian's Chromium on
 * a fresh profile (never a downloaded browser).
 */
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterEach, beforeAll } from 'vitest';
import { CHROMIUM_ARGS, chromiumPath, freshUserDataDir } from './chromium.js';
import { type GaleHome, makeGaleHome, type Service, waitFor } from './gale-home.js';

export async function startStandalone(
  g: GaleHome,
  env: NodeJS.ProcessEnv = {},
): Promise<{ base: string; password: string; s: Service }> {
  const s = g.start(['standalone'], env);
  const base = await waitFor(() => /"ui":"(http:\/\/localhost:\d+)"/.exec(s.output())?.[1], {
    what: 'the UI URL in the log',
    seen: () => s.output().slice(-2000),
  });
  const password = await waitFor(() => /^ {2}password: (\S+)$/m.exec(s.output())?.[1], {
    what: 'the admin password on stdout',
    seen: () => s.output().slice(-2000),
  });
  return { base, password, s };
}

/** Headless Chromium with a fresh profile under `home`, at a desktop size. */
export function openChromium(executablePath: string, home: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(freshUserDataDir(home), {
    headless: true,
    executablePath,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
  });
}

/**
 * Registers what every browser test needs around it: Debian's Chromium found (installed if need
 * be) before the tests, and after each test its browser closed and its GALE_HOME cleaned up.
 */
export function useBrowserSession(): {
  makeHome(env?: NodeJS.ProcessEnv): GaleHome;
  openBrowser(g: GaleHome): Promise<BrowserContext>;
} {
  let executablePath = '';
  let g: GaleHome | undefined;
  let browser: BrowserContext | undefined;
  beforeAll(() => {
    executablePath = chromiumPath();
  }, 900_000);
  afterEach(async () => {
    await browser?.close();
    browser = undefined;
    g?.cleanup();
    g = undefined;
  });
  return {
    makeHome(env = {}) {
      g = makeGaleHome(env);
      return g;
    },
    async openBrowser(home) {
      browser = await openChromium(executablePath, home.home);
      return browser;
    },
  };
}

/** Saves a screenshot to $GALE_UI_SCREENSHOT_DIR when set, to look at after the test. */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.GALE_UI_SCREENSHOT_DIR;
  if (dir) await page.screenshot({ path: join(dir, name), fullPage: true });
}

/** Logs in through the login page and waits for the app. */
export async function logIn(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}
