/**
 * The DAG page's views in a real browser (Debian's Chromium driven by playwright-core) against
 * `gale standalone`: a deep link to the graph survives the login; the graph draws the tasks, their
 * dependencies and the task group in the colours of the run's states (live, as the run goes on),
 * collapses the group, and opens a task instance's panel; the tabs move with the arrow keys; the
 * Gantt has a bar per task instance; the code view shows the DAG file; the details show the
 * settings and params; a reload keeps the view; the dark theme follows the system's.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { login } from '../support/api-client.js';
import { waitFor } from '../support/gale-home.js';
import { startStandalone, useBrowserSession } from '../support/ui-session.js';

const DAG = `// views_demo: the marker the code view must show
import { dag, group, param, task } from 'gale/sdk';
const step = task('step', () => 1);
const report = task({ taskId: 'report', retries: 0 }, () => {
  throw new Error('the report fails on purpose');
});
dag(
  {
    dagId: 'views_demo',
    schedule: null,
    tags: ['views'],
    maxActiveRuns: 2,
    defaultArgs: { owner: 'views-team' },
    params: { limit: param(5, { type: 'integer', minimum: 1, description: 'rows to load' }) },
  },
  () => {
    const extract = step.override({ taskId: 'extract' })();
    const load = group('load', () => {
      const a = step.override({ taskId: 'a' })();
      a.then(step.override({ taskId: 'b' })());
    });
    extract.then(load);
    load.then(report());
  },
);
`;
const TASKS = ['extract', 'load.a', 'load.b', 'report'];

/** The RGB colour that a state's class gives, as the browser computes it. */
const GREEN = 'rgb(0, 128, 0)';
const RED = 'rgb(255, 0, 0)';
const WHITE = 'rgb(255, 255, 255)';

describe('web UI: the DAG views', () => {
  const session = useBrowserSession();

  it('graph, Gantt, code and details of a DAG that ran, each at its own link, keyboard-driven tabs', async () => {
    const g = session.makeHome();
    const file = g.writeDag('views_demo.ts', DAG);
    const { base, password } = await startStandalone(g);
    const admin = await login(base, 'admin', password);
    const runId = await waitFor(
      async () => {
        const r = await admin<{ dag_run_id: string }>('POST', '/api/v2/dags/views_demo/dagRuns', {
          conf: {},
        });
        return r.status === 200 ? r.body.dag_run_id : null;
      },
      { what: 'a triggered run of views_demo', timeoutMs: 60_000 },
    );

    const browser = await session.openBrowser(g);
    const page = browser.pages()[0] ?? (await browser.newPage());
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    });
    page.setDefaultTimeout(30_000);
    try {
      // a deep link to the graph: the login page, then the graph
      await page.goto(`${base}/dags/views_demo/graph`);
      await page.waitForURL(/\/login/);
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(/\/dags\/views_demo\/graph$/);
      await expect.poll(() => selectedTab(page)).toBe('Graph');

      // the graph: a node per task, coloured live as the run goes on, the edges, the group's box
      const node = (task: string) => page.locator(`button.graph-node[data-task="${task}"]`);
      for (const task of TASKS) await node(task).waitFor();
      await page
        .locator('button.graph-node[data-task="extract"][data-state="success"]')
        .waitFor({ timeout: 60_000 });
      await page
        .locator('button.graph-node[data-task="report"][data-state="failed"]')
        .waitFor({ timeout: 60_000 });
      expect(await node('load.b').getAttribute('data-state')).toBe('success');
      expect(await stripeColour(page, 'extract')).toBe(GREEN);
      expect(await stripeColour(page, 'report')).toBe(RED);
      await expect.poll(() => node('load.a').textContent()).toContain('a');
      for (const [from, to] of [
        ['extract', 'load.a'],
        ['load.a', 'load.b'],
        ['load.b', 'report'],
      ])
        expect(await page.locator(`path.graph-edge[data-from="${from}"][data-to="${to}"]`).count()).toBe(1);
      expect(await page.locator('path.graph-edge').count()).toBe(3);
      expect(await page.locator('rect.graph-group-box').count()).toBe(1);

      // the group collapses into one node, in the state of its tasks, and opens again
      await page.locator('button.graph-group-label[data-group="load"]').click();
      const groupNode = page.locator('button.graph-node[data-group="load"]');
      await groupNode.waitFor();
      expect(await groupNode.getAttribute('data-state')).toBe('success');
      expect(await node('load.a').count()).toBe(0);
      expect(await page.locator('path.graph-edge[data-from="extract"][data-to="group:load"]').count()).toBe(
        1,
      );
      await groupNode.click();
      await node('load.a').waitFor();

      // a node opens its task instance's panel, as the grid's squares do
      await node('report').click();
      await page.waitForURL(/\/dags\/views_demo\/graph\?run=.+&task=report/);
      const panel = page.locator('aside.ti-panel[data-task="report"]');
      await panel.waitFor();
      await expect.poll(() => panel.locator('.ti-state').textContent()).toContain('failed');
      await keepScreenshot(page, 'ui-graph.png');

      // the tabs: the arrow keys move to the next view, which keeps the chosen run
      await page.getByRole('tab', { name: 'Graph' }).focus();
      await page.keyboard.press('ArrowRight');
      await page.waitForURL(/\/dags\/views_demo\/gantt\?run=/);
      await expect.poll(() => selectedTab(page)).toBe('Gantt');
      await expect.poll(() => page.evaluate('document.activeElement.textContent')).toBe('Gantt');

      // the Gantt: a bar per task instance, in its state's colour
      const bars = page.locator('button.gantt-bar');
      await expect.poll(() => bars.count()).toBe(TASKS.length);
      for (const task of TASKS) await page.locator(`button.gantt-bar[data-task="${task}"]`).waitFor();
      expect(await page.locator('button.gantt-bar[data-task="report"]').getAttribute('data-state')).toBe(
        'failed',
      );
      expect(await backgroundOf(page, 'button.gantt-bar[data-task="extract"]')).toBe(GREEN);
      expect(await page.locator('.gantt-axis .gantt-tick').count()).toBeGreaterThan(2);

      // the code: the DAG file, a numbered line per line
      await page.keyboard.press('ArrowRight');
      await page.waitForURL(/\/dags\/views_demo\/code/);
      const code = page.locator('.code-scroll');
      await expect.poll(() => code.textContent()).toContain('views_demo: the marker the code view must show');
      const lines = readFileSync(file, 'utf8').replace(/\n$/, '').split('\n');
      expect(await page.locator('.code-line').count()).toBe(lines.length);
      expect(await code.textContent()).toBe(`${lines.join('\n')}\n`);
      await keepScreenshot(page, 'ui-code.png');

      // the details: settings and params
      await page.keyboard.press('ArrowRight');
      await page.waitForURL(/\/dags\/views_demo\/details/);
      const details = page.locator('.dag-details');
      await expect.poll(() => details.textContent()).toContain('views-team');
      const facts = await details.locator('.facts').textContent();
      expect(facts).toContain('Max active runs2');
      expect(facts).toContain(file);
      const limit = page.locator('tr[data-param="limit"]');
      expect(await limit.textContent()).toContain('rows to load');
      expect(await limit.textContent()).toContain('integer');
      expect(await limit.textContent()).toContain('minimum: 1');
      await keepScreenshot(page, 'ui-details.png');

      // a reload keeps the view; Home goes back to the grid, at the page's plain path
      await page.reload();
      await expect.poll(() => selectedTab(page)).toBe('Details');
      await page.getByRole('tab', { name: 'Details' }).focus();
      await page.keyboard.press('Home');
      await page.waitForURL(new RegExp(`/dags/views_demo\\?run=${encodeURIComponent(runId)}`));
      await page.locator('button.cell[data-task="report"][data-state="failed"]').waitFor();
      // a link straight to a run's Gantt
      await page.goto(`${base}/dags/views_demo/gantt?run=${encodeURIComponent(runId)}`);
      await expect.poll(() => page.locator('button.gantt-bar').count()).toBe(TASKS.length);
      await keepScreenshot(page, 'ui-gantt.png');
      // the dark theme, when the system asks for it: no white nodes on the dark page
      await page.goto(`${base}/dags/views_demo/graph?run=${encodeURIComponent(runId)}`);
      await node('extract').waitFor();
      expect(await backgroundOf(page, 'button.graph-node[data-task="extract"]')).toBe(WHITE);
      await page.emulateMedia({ colorScheme: 'dark' });
      await expect.poll(() => backgroundOf(page, 'button.graph-node[data-task="extract"]')).not.toBe(WHITE);
      expect(await stripeColour(page, 'extract')).toBe(GREEN);
      await keepScreenshot(page, 'ui-graph-dark.png');
      expect(cspViolations).toEqual([]);
    } catch (error) {
      const shot = join(
        process.env.GALE_UI_SCREENSHOT_DIR ?? tmpdir(),
        `gale-ui-views-failure-${Date.now()}.png`,
      );
      await page.screenshot({ path: shot, fullPage: true });
      console.error(`the page when the test failed: ${shot}`);
      throw error;
    }
  }, 300_000);
});

async function selectedTab(page: Page): Promise<string | null> {
  return page.locator('.dag-tabs [role="tab"][aria-selected="true"]').textContent();
}

/** Saves a screenshot in $GALE_UI_SCREENSHOT_DIR when set, to look at after the test. */
async function keepScreenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.GALE_UI_SCREENSHOT_DIR;
  if (dir) await page.screenshot({ path: join(dir, name), fullPage: true });
}

/** The background colour the browser computed for the first element `selector` finds. */
async function backgroundOf(page: Page, selector: string): Promise<string> {
  return (await page.evaluate(
    `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).backgroundColor`,
  )) as string;
}

async function stripeColour(page: Page, task: string): Promise<string> {
  return backgroundOf(page, `button.graph-node[data-task="${task}"] .graph-node-state`);
}
