/**
 * The web UI's admin pages in a real browser (Debian's Chromium driven by playwright-core) against
 * `gale standalone`: an Admin creates, edits and deletes a variable, sees a secret one masked,
 * creates a connection and sees its password masked, changes a pool's slots, creates a user with
 * a role, finds these changes in the audit log, and sees the scheduler healthy and the import errors; dialogs close with
 * Escape and give focus back; every view has its own address. A Viewer sees none of the actions.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { startStandalone, useBrowserSession } from '../support/ui-session.js';

const CONN_PASSWORD = 'conn-pass-1234';

/** Saves a screenshot to $GALE_UI_SCREENSHOT_DIR when set, to look at after the test. */
async function keepScreenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.GALE_UI_SCREENSHOT_DIR;
  if (dir) await page.screenshot({ path: join(dir, name), fullPage: true });
}

async function logIn(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

describe('web UI admin pages', () => {
  const session = useBrowserSession();

  it('an Admin manages variables, connections, pools and users and reads the audit log and health; a Viewer sees no admin actions', async () => {
    const g = session.makeHome();
    g.writeDag('broken.ts', "import { dag } from 'gale/sdk';\nthrow new Error('this DAG file is broken');\n");
    const { base, password, s } = await startStandalone(g);
    const viewer = g.gale(
      ['users', 'create', '-u', 'vic', '-r', 'Viewer', '--password-stdin'],
      {},
      'vic-password\n',
    );
    expect(viewer.code, viewer.stderr).toBe(0);

    const browser = await session.openBrowser(g);
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(30_000);
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    });
    const dialog = page.getByRole('dialog');
    const save = () => dialog.getByRole('button', { name: 'Save' }).click();
    try {
      await logIn(page, base, 'admin', password);

      // health: the scheduler of standalone heartbeats
      await page.getByRole('link', { name: 'Admin' }).click();
      await page.waitForURL(/\/admin\/health$/);
      const scheduler = page.locator('tr[data-component="scheduler"]');
      await expect.poll(() => scheduler.getAttribute('data-status'), { timeout: 60_000 }).toBe('healthy');
      expect(await page.locator('tr[data-component="metadatabase"]').getAttribute('data-status')).toBe(
        'healthy',
      );

      // variables: create, edit, a secret one masked, delete after a confirmation
      const nav = page.getByRole('navigation', { name: 'Admin' });
      await nav.getByRole('link', { name: 'Variables' }).click();
      await page.waitForURL(/\/admin\/variables$/);
      const add = page.getByRole('button', { name: 'Add variable' });
      await add.click();
      // a refused change shows the API's detail in the dialog, which stays open
      await dialog.getByLabel('Key', { exact: true }).fill('bad key');
      await save();
      await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('use letters, digits');
      await dialog.getByLabel('Key', { exact: true }).fill('etl_bucket');
      await dialog.getByLabel('Value', { exact: true }).fill('s3://first');
      await dialog.getByLabel('Description').fill('where loads land');
      await save();
      await dialog.waitFor({ state: 'detached' });
      await expect.poll(() => page.evaluate('document.activeElement?.textContent')).toBe('Add variable');
      const etl = page.locator('tr[data-key="etl_bucket"]');
      await expect.poll(() => etl.textContent()).toContain('s3://first');
      await page.getByRole('button', { name: 'Edit etl_bucket' }).click();
      expect(await dialog.getByLabel('Key', { exact: true }).isDisabled()).toBe(true);
      await dialog.getByLabel('Value', { exact: true }).fill('s3://second');
      await save();
      await expect.poll(() => etl.textContent()).toContain('s3://second');
      await page.getByRole('button', { name: 'Edit etl_bucket' }).click();
      await keepScreenshot(page, 'ui-admin-variable-dialog.png');
      await page.keyboard.press('Escape');
      await add.click();
      await dialog.getByLabel('Key', { exact: true }).fill('api_password');
      await dialog.getByLabel('Value', { exact: true }).fill('hunter2-secret');
      await save();
      const secret = page.locator('tr[data-key="api_password"]');
      await expect.poll(() => secret.textContent()).toContain('***');
      expect(await page.locator('main').textContent()).not.toContain('hunter2-secret');
      // the search is in the address: a link opens the same view
      await page.getByLabel('Search variables').fill('etl');
      await page.waitForURL(/\/admin\/variables\?q=etl$/);
      await expect.poll(() => secret.count()).toBe(0);
      await page.goto(`${base}/admin/variables?q=api`);
      await secret.waitFor();
      expect(await etl.count()).toBe(0);
      await page.goto(`${base}/admin/variables`);
      await page.getByRole('button', { name: 'Delete etl_bucket' }).click();
      // Escape cancels, and focus goes back to the button that opened the dialog
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await expect
        .poll(() => page.evaluate("document.activeElement?.getAttribute('aria-label')"))
        .toBe('Delete etl_bucket');
      expect(await etl.count()).toBe(1);
      await page.getByRole('button', { name: 'Delete etl_bucket' }).click();
      await dialog.getByRole('button', { name: 'Delete' }).click();
      await expect.poll(() => etl.count()).toBe(0);
      await expect
        .poll(() => page.getByRole('status').textContent())
        .toContain('Deleted variable etl_bucket');

      // connections: the password is never shown, nor filled into the edit form
      await nav.getByRole('link', { name: 'Connections' }).click();
      await page.getByRole('button', { name: 'Add connection' }).click();
      await dialog.getByLabel('Connection id').fill('warehouse');
      await dialog.getByLabel('Connection type').fill('postgres');
      await dialog.getByLabel('Host').fill('db.internal');
      await dialog.getByLabel('Port').fill('5432');
      await dialog.getByLabel('Login').fill('loader');
      await dialog.getByLabel('Password').fill(CONN_PASSWORD);
      await save();
      const warehouse = page.locator('tr[data-connection-id="warehouse"]');
      await expect.poll(() => warehouse.locator('.password-cell').textContent()).toBe('***');
      expect(await warehouse.textContent()).toContain('db.internal');
      await keepScreenshot(page, 'ui-admin-connections.png');
      expect(await page.content()).not.toContain(CONN_PASSWORD);
      await page.getByRole('button', { name: 'Edit warehouse' }).click();
      expect(await dialog.getByLabel('Password').inputValue()).toBe('');
      await dialog.getByLabel('Host').fill('db2.internal');
      await save();
      await expect.poll(() => warehouse.textContent()).toContain('db2.internal');
      await expect.poll(() => warehouse.locator('.password-cell').textContent()).toBe('***');

      // pools: change default_pool's slots; it cannot be deleted
      await nav.getByRole('link', { name: 'Pools' }).click();
      const pool = page.locator('tr[data-pool="default_pool"]');
      await pool.waitFor();
      expect(await pool.getByRole('button', { name: 'Delete default_pool' }).count()).toBe(0);
      await pool.getByRole('button', { name: 'Edit default_pool' }).click();
      await dialog.getByLabel('Slots', { exact: true }).fill('7');
      await save();
      await expect.poll(() => pool.locator('[data-field="slots"]').textContent()).toBe('7');
      await expect.poll(() => pool.locator('[data-field="open_slots"]').textContent()).toBe('7');
      await keepScreenshot(page, 'ui-admin-pools.png');

      // users: create one with a role, limited to the DAGs of two tags
      await nav.getByRole('link', { name: 'Users' }).click();
      await page.getByRole('button', { name: 'Add user' }).click();
      await dialog.getByLabel('Username').fill('olga');
      await dialog.getByLabel('Role').selectOption('Op');
      await dialog.getByLabel('Password').fill('olga-password');
      await dialog.getByLabel('Only DAGs with one of these tags').fill('finance, reporting');
      await save();
      const olga = page.locator('tr[data-username="olga"]');
      await expect.poll(() => olga.locator('[data-field="role"]').textContent()).toBe('Op');
      await expect
        .poll(() => olga.locator('[data-field="dag-access"]').textContent())
        .toBe('tags: finance, reporting');

      // the audit log has each change, filtered by user and by event; the filter is in the address
      await nav.getByRole('link', { name: 'Audit log' }).click();
      await page.getByLabel('User', { exact: true }).fill('admin');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/\/admin\/audit-log\?owner=admin$/);
      const events = page.locator('.audit-table tbody tr');
      const seen = () => events.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event')));
      for (const event of [
        'api:POST /api/v2/variables',
        'api:PATCH /api/v2/variables/:variable_key',
        'api:DELETE /api/v2/variables/:variable_key',
        'api:POST /api/v2/connections',
        'api:PATCH /api/v2/pools/:pool_name',
        'user.create',
      ])
        await expect.poll(seen).toContain(event);
      await page.goto(`${base}/admin/audit-log?event=user.create`);
      await expect.poll(seen).toEqual(['user.create', 'user.create']); // olga, and vic by the CLI
      expect(await page.getByLabel('Event', { exact: true }).inputValue()).toBe('user.create');
      await keepScreenshot(page, 'ui-admin-audit-log.png');

      // the dark theme follows the system's
      const background = () => page.evaluate('getComputedStyle(document.documentElement).backgroundColor');
      const light = await background();
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await background()).not.toBe(light);
      await nav.getByRole('link', { name: 'Users' }).click();
      await olga.waitFor();
      await keepScreenshot(page, 'ui-admin-users-dark.png');
      await page.emulateMedia({ colorScheme: 'light' });
      expect(cspViolations).toEqual([]);

      // a Viewer: no admin actions, and the admin-only views say so
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL(/\/login/);
      await logIn(page, base, 'vic', 'vic-password');
      await page.goto(`${base}/admin/pools`);
      await pool.waitFor();
      expect(await nav.getByRole('link').allTextContents()).toEqual(['Pools', 'Import errors', 'Health']);
      expect(await page.getByRole('button', { name: /^(Add|Edit|Delete)/ }).count()).toBe(0);
      await page.goto(`${base}/admin/users`);
      await page.getByText('Users needs the Admin role; you are Viewer.').waitFor();
      expect(await page.getByRole('button', { name: 'Add user' }).count()).toBe(0);
      await page.goto(`${base}/admin/import-errors`);
      await expect
        .poll(() => page.locator('.import-error-list').textContent())
        .toContain('this DAG file is broken');
      await page.goto(`${base}/admin/health`);
      await expect.poll(() => scheduler.getAttribute('data-status')).toBe('healthy');
    } catch (error) {
      const path = join(
        process.env.GALE_UI_SCREENSHOT_DIR ?? tmpdir(),
        `gale-ui-admin-failure-${Date.now()}.png`,
      );
      await page.screenshot({ path, fullPage: true }).catch(() => {});
      console.error(`the page when the test failed: ${path}`);
      throw error;
    }
    await s.stop();
  }, 300_000);
});
