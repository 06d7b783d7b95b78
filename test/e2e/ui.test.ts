/**
 * The web UI in a real browser (Debian's Chromium driven by playwright-core) against
 * `gale standalone`: log in (a wrong password shows why), see the DAG list, trigger a DAG from its
 * params form (a refused value shows the server's message), watch
 * its grid turn green and red live, read the failed try's log, clear it and see it run again. The server answers browser pages with the app and API paths with problem+json.
 */
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/gale-home.js';
import { useBrowserSession } from '../support/ui-session.js';

const ERROR_TEXT = 'the boom task failed on purpose';

const DAG = `
import { dag, param, task } from 'gale/sdk';
const ok = task('ok', (ctx) => {
  ctx.log.info('all good');
  return 1;
});
const boom = task({ taskId: 'boom', retries: 0 }, (ctx) => {
  ctx.log.info('boom starts try ' + ctx.tryNumber);
  throw new Error('${ERROR_TEXT}');
});
const params = {
  rows: param(3, { type: 'integer', minimum: 1, description: 'How many rows to load' }),
  mode: param('fast', { type: 'string', enum: ['fast', 'full'] }),
};
dag({ dagId: 'ui_demo', schedule: null, tags: ['ui'], params, defaultArgs: { owner: 'ui-team' } }, () => {
  ok();
  boom();
});
`;

describe('web UI', () => {
  const session = useBrowserSession();

  it('logs in, triggers a DAG, shows its grid live, the failed try log, and runs it again when cleared', async () => {
    const g = session.makeHome();
    g.writeDag('ui_demo.ts', DAG);
    g.writeDag('broken.ts', "import { dag } from 'gale/sdk';\nthrow new Error('this DAG file is broken');\n");
    const s = g.start(['standalone']);
    const base = await waitFor(() => /"ui":"(http:\/\/localhost:\d+)"/.exec(s.output())?.[1], {
      what: 'the UI URL in the log',
      seen: () => s.output().slice(-2000),
    });
    const password = /^ {2}password: (\S+)$/m.exec(s.output())?.[1];
    expect(password).toBeTruthy();

    // the server: pages get the app, API paths keep their problem+json 404
    const page404 = await fetch(`${base}/dags/ui_demo?run=x`, { headers: { accept: 'text/html' } });
    expect(page404.status).toBe(200);
    expect(await page404.text()).toContain('<div id="root">');
    const login = await fetch(`${base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    const api404 = await fetch(`${base}/api/v2/no-such-thing`, {
      headers: { accept: 'text/html', authorization: `Bearer ${access_token}` },
    });
    expect(api404.status).toBe(404);
    expect(api404.headers.get('content-type')).toContain('application/problem+json');

    const browser = await session.openBrowser(g);
    const page = browser.pages()[0] ?? (await browser.newPage());
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    });
    page.setDefaultTimeout(30_000);
    try {
      await page.goto(base);
      // not logged in: the app sends us to the login page
      await page.waitForURL(/\/login/);
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Log in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong username or password');
      await page.getByLabel('Password').fill(password!);
      await page.getByRole('button', { name: 'Log in' }).click();

      // the DAG list
      const row = page.locator('tr[data-dag-id="ui_demo"]');
      await row.waitFor();
      expect(await row.textContent()).toContain('ui-team');
      await page.getByRole('button', { name: 'Log out' }).waitFor();
      // the broken file shows in the import errors banner
      const banner = page.locator('details.error-banner');
      await expect.poll(() => banner.textContent()).toContain('1 DAG file failed to load');
      await banner.locator('summary').click();
      await expect.poll(() => banner.textContent()).toContain('this DAG file is broken');
      // search, and pause and unpause (a PATCH with the CSRF header)
      await page.getByLabel('Search DAGs').fill('no_such_dag');
      await page.getByText('No DAGs match.').waitFor();
      await page.getByLabel('Search DAGs').fill('demo');
      const active = row.getByLabel('ui_demo is active');
      await active.waitFor({ state: 'attached' }); // drawn as a switch: the box itself is hidden
      await expect.poll(() => active.isChecked()).toBe(true);
      await row.locator('.switch .slider').click();
      await expect
        .poll(() => g!.db().prepare("select is_paused from dag where dag_id = 'ui_demo'").get())
        .toEqual({ is_paused: 1 });
      await expect.poll(() => active.isChecked()).toBe(false);
      await row.locator('.switch .slider').click();
      await expect
        .poll(() => g!.db().prepare("select is_paused from dag where dag_id = 'ui_demo'").get())
        .toEqual({ is_paused: 0 });
      await expect.poll(() => active.isChecked()).toBe(true);

      // trigger it from the form made from its params' schemas: a value the schema refuses shows
      // the server's message naming the field and creates no run; then a good one
      await row.getByRole('button', { name: 'Trigger' }).click();
      const rows = page.getByLabel('rows');
      await expect.poll(() => rows.inputValue()).toBe('3');
      expect(await page.getByLabel('mode').inputValue()).toBe('fast');
      await rows.fill('0');
      await page.getByRole('button', { name: 'Trigger run' }).click();
      await expect.poll(() => page.locator('.trigger-form [role="alert"]').textContent()).toContain('rows');
      expect(g.db().prepare("select count(*) as n from dag_run where dag_id = 'ui_demo'").get()).toEqual({
        n: 0,
      });
      await rows.fill('5');
      await page.getByLabel('mode').selectOption('full');
      await page.getByRole('button', { name: 'Trigger run' }).click();
      const notice = page.getByRole('status').getByRole('link');
      await expect.poll(() => notice.textContent()).toMatch(/^Triggered manual__/);
      await expect.poll(() => row.locator('.recent-runs .dot').count()).toBe(1);
      const { conf } = g.db().prepare("select conf from dag_run where dag_id = 'ui_demo'").get() as {
        conf: string;
      };
      expect(JSON.parse(conf)).toEqual({ rows: 5, mode: 'full' });
      await page.screenshot({ path: join(g.home, 'dag-list.png') });
      keepScreenshot(join(g.home, 'dag-list.png'), 'ui-dag-list.png');
      await notice.click();
      await page.waitForURL(/\/dags\/ui_demo\?run=manual__/);

      // the grid updates live: one green and one red square
      await page.locator('button.cell[data-task="ok"][data-state="success"]').waitFor({ timeout: 60_000 });
      const failed = page.locator('button.cell[data-task="boom"][data-state="failed"]');
      await failed.waitFor({ timeout: 60_000 });
      await expect.poll(() => page.locator('.runs-table').textContent()).toContain('failed');

      // the failed try's log
      await failed.click();
      const panel = page.locator('aside.ti-panel[data-task="boom"]');
      await panel.waitFor();
      await expect.poll(() => panel.locator('.ti-state').textContent()).toContain('failed');
      const log1 = panel.locator('pre.log-text[data-try="1"]');
      await expect.poll(() => log1.textContent(), { timeout: 20_000 }).toContain(ERROR_TEXT);

      // clear it, after a dry run that lists what will run again: it runs as try 2, and fails again
      await panel.getByRole('button', { name: 'Clear' }).click();
      const confirm = page.getByRole('dialog', { name: 'Clear: boom' });
      await expect
        .poll(() =>
          confirm.getByRole('list', { name: 'What will change' }).getByRole('listitem').allTextContents(),
        )
        .toEqual([expect.stringContaining('boom')]);
      await confirm.getByRole('button', { name: 'Confirm' }).click();
      await expect.poll(() => panel.getByRole('status').textContent()).toContain('Cleared boom');
      await panel.locator('.try-tab[data-try="2"]').waitFor({ timeout: 60_000 });
      const log2 = panel.locator('pre.log-text[data-try="2"]');
      await expect.poll(() => log2.textContent(), { timeout: 60_000 }).toContain('boom starts try 2');
      await expect.poll(() => log2.textContent(), { timeout: 60_000 }).toContain(ERROR_TEXT);
      await expect.poll(() => failed.count(), { timeout: 60_000 }).toBe(1); // red again, after its second try
      await expect
        .poll(() => panel.locator('.ti-state').textContent(), { timeout: 60_000 })
        .toContain('failed');
      // the first try's log is still there
      await panel.locator('.try-tab[data-try="1"]').click();
      await expect
        .poll(() => panel.locator('pre.log-text[data-try="1"]').textContent())
        .toContain(ERROR_TEXT);
      await panel.locator('.try-tab[data-try="2"]').click();
      await expect.poll(() => log2.textContent()).toContain(ERROR_TEXT);

      expect(cspViolations).toEqual([]);
      const shot = join(g.home, 'ui.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      keepScreenshot(shot, 'ui-dag-page.png');

      // logging out goes back to the login page, and the API answers 401 again
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(/\/login/);
    } catch (error) {
      await failureScreenshot(page);
      throw error;
    }
  }, 300_000);
});

/** Copies a screenshot to $GALE_UI_SCREENSHOT_DIR when set, to look at after the test cleaned up. */
function keepScreenshot(path: string, name: string): void {
  const dir = process.env.GALE_UI_SCREENSHOT_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  copyFileSync(path, join(dir, name));
}

async function failureScreenshot(page: Page): Promise<void> {
  const path = join(process.env.GALE_UI_SCREENSHOT_DIR ?? tmpdir(), `gale-ui-failure-${Date.now()}.png`);
  try {
    await page.screenshot({ path, fullPage: true });
    console.error(`the page when the test failed: ${path}`);
  } catch (error) {
    console.error('could not take a screenshot of the failure', error);
  }
}
