/**
 * Deep links, long lists and per-user actions in a real browser (Debian's Chromium driven by
 * playwright-core) against `gale standalone`: a link with the DAG list's page and search (and a
 * reload, and the back button) lands on that page of that search; a link to a DAG's later page of
 * runs and to a filtered task instance list does too. A log of 3,000 lines and an audit log of 250
 * entries render only a window of their rows, yet scrolling reaches the last one, and a search of
 * the log finds a line; so do the grid and the Gantt of a DAG of 400 tasks, and a link to a task
 * far down brings its grid row into view. The Gantt shows both tries of a task that ran twice. The task instance
 * panel shows its downstream task and its output, and marks it failed after a confirmation that
 * lists what will change. A Viewer sees no Trigger, pause, Clear or Mark, which an Admin sees.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { login } from '../support/api-client.js';
import { waitFor } from '../support/gale-home.js';
import { keepScreenshot, logIn, startStandalone, useBrowserSession } from '../support/ui-session.js';

const DAGS = `
import { dag, task } from 'gale/sdk';
for (let i = 0; i < 120; i++) {
  dag({ dagId: 'deep_' + String(i).padStart(3, '0'), schedule: null }, () => {
    task('t', () => 1)();
  });
}
dag({ dagId: 'wide_grid', schedule: null, maxActiveTasks: 64 }, () => {
  for (let i = 0; i < 400; i++) task('w' + String(i).padStart(3, '0'), () => 1)();
});
dag({ dagId: 'paused_runs', schedule: null, paused: true }, () => {
  task('t', () => 1)();
});
dag({ dagId: 'retry_demo', schedule: null }, () => {
  const flaky = task({ taskId: 'flaky', retries: 1, retryDelay: '1s' }, (ctx) => {
    if (ctx.tryNumber === 1) throw new Error('the first try fails on purpose');
    return 'ok';
  });
  const chatty = task('chatty', (ctx) => {
    for (let i = 0; i < 3000; i++) ctx.log.info('line ' + String(i).padStart(5, '0') + ' of the chatty task');
    return 'said it all';
  });
  flaky().then(chatty());
});
`;
const LOG_LINES = 3000;
const VARIABLES = 250;

/** How many of `rows` are in the page now. */
const countOf = (rows: Locator) => rows.count();

/** Scrolls the element `selector` finds to its end (or its start). */
async function scrollTo(page: Page, selector: string, where: 'end' | 'start'): Promise<void> {
  const el = `document.querySelector(${JSON.stringify(selector)})`;
  await page.evaluate(`${el}.scrollTop = ${where === 'end' ? `${el}.scrollHeight` : '0'}`);
}

describe('web UI: deep links, windowed lists, tries in the Gantt, actions by role', () => {
  const session = useBrowserSession();

  it('links keep the page and filters; long lists render a window yet reach their end; the Gantt shows every try; a Viewer sees no actions', async () => {
    const g = session.makeHome();
    g.writeDag('deep.ts', DAGS);
    const { base, password, s } = await startStandalone(g);
    const made = g.gale(
      ['users', 'create', '-u', 'vic', '-r', 'Viewer', '--password-stdin'],
      {},
      'vic-pass-123\n',
    );
    expect(made.code, made.stderr).toBe(0);
    const api = await login(base, 'admin', password);
    await waitFor(async () => (await api('GET', '/api/v2/dags?limit=1')).body.total_entries === 123, {
      what: '123 DAGs in the API',
      timeoutMs: 180_000,
      seen: () => s.output().slice(-2000),
    });
    const wide = await api<{ dag_run_id: string }>('POST', '/api/v2/dags/wide_grid/dagRuns', { conf: {} });
    expect(wide.status, wide.text).toBe(200);
    const run = await api<{ dag_run_id: string }>('POST', '/api/v2/dags/retry_demo/dagRuns', { conf: {} });
    expect(run.status, run.text).toBe(200);
    const runId = run.body.dag_run_id;
    for (let i = 0; i < 30; i++) {
      const r = await api('POST', '/api/v2/dags/paused_runs/dagRuns', {
        dag_run_id: `p${String(i).padStart(2, '0')}`,
      });
      expect(r.status, r.text).toBe(200);
    }
    for (let i = 0; i < VARIABLES; i++) {
      const r = await api('POST', '/api/v2/variables', { key: `bulk_${i}`, value: String(i) });
      expect(r.status, r.text).toBe(201);
    }
    await waitFor(
      async () =>
        (await api<{ state: string }>('GET', `/api/v2/dags/retry_demo/dagRuns/${encodeURIComponent(runId)}`))
          .body.state === 'success',
      { what: 'the run of retry_demo to succeed', timeoutMs: 120_000, seen: () => s.output().slice(-2000) },
    );

    const browser = await session.openBrowser(g);
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(30_000);
    try {
      await logIn(page, base, 'admin', password);

      // the DAG list: a link with the page and the search opens that page of that search
      await page.goto(`${base}/?search=deep_&page=2`);
      const rows = page.locator('tr[data-dag-id]');
      const pager = page.getByRole('navigation', { name: 'Pages' });
      await expect.poll(() => rows.first().getAttribute('data-dag-id')).toBe('deep_050');
      expect(await countOf(rows)).toBe(50);
      expect(await pager.textContent()).toContain('51–100 of 120');
      expect(await page.getByLabel('Search DAGs').inputValue()).toBe('deep_');
      expect(await page.getByRole('button', { name: 'Trigger' }).count()).toBe(50);
      await page.reload();
      await expect.poll(() => rows.first().getAttribute('data-dag-id')).toBe('deep_050');
      // paging puts the page in the address; back goes to the page before
      await pager.getByRole('button', { name: 'Next' }).click();
      await page.waitForURL(/\/\?search=deep_&page=3$/);
      await expect.poll(() => rows.first().getAttribute('data-dag-id')).toBe('deep_100');
      await page.goBack();
      await page.waitForURL(/\/\?search=deep_&page=2$/);
      await expect.poll(() => rows.first().getAttribute('data-dag-id')).toBe('deep_050');
      // a new search starts at its first page, in the address too
      await page.getByLabel('Search DAGs').fill('deep_11');
      await page.waitForURL(/\/\?search=deep_11$/);
      await expect.poll(() => countOf(rows)).toBe(10);

      // a DAG's later page of runs, by link
      await page.goto(`${base}/dags/paused_runs?runs_page=2`);
      const runRows = page.locator('.runs-card tr[data-run]');
      await expect
        .poll(() => runRows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run'))))
        .toEqual(['p04', 'p03', 'p02', 'p01', 'p00']);
      const runPager = page.locator('.runs-card').getByRole('navigation', { name: 'Pages' });
      expect(await runPager.textContent()).toContain('26–30 of 30');
      await runPager.getByRole('button', { name: 'Previous' }).click();
      await page.waitForURL(/\/dags\/paused_runs$/);

      // the task instance list, filtered by link
      await page.goto(`${base}/task-instances?dag=retry_demo&search=flak`);
      const tis = page.locator('tr[data-ti]');
      await expect
        .poll(() => tis.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-ti'))))
        .toEqual([`retry_demo/${runId}/flaky`]);
      expect(await page.getByLabel('Search tasks').inputValue()).toBe('flak');
      await page.getByLabel('Filter by state').selectOption('success');
      await page.waitForURL(/\/task-instances\?dag=retry_demo&search=flak&state=success$/);
      await page.getByLabel('Search tasks').fill('');
      await expect.poll(() => countOf(tis)).toBe(2);
      await keepScreenshot(page, 'ui-task-instances.png');

      // the Gantt: a bar for each of flaky's two tries; the earlier one opens its try
      await page.goto(`${base}/dags/retry_demo/gantt?run=${encodeURIComponent(runId)}`);
      const flakyBars = page.locator('button.gantt-bar[data-task="flaky"]');
      await expect
        .poll(() => flakyBars.evaluateAll((bs) => bs.map((b) => b.getAttribute('data-try'))))
        .toEqual(['1', '2']);
      expect(
        await page.locator('button.gantt-bar[data-task="flaky"][data-try="2"]').getAttribute('data-state'),
      ).toBe('success');
      expect(await page.locator('button.gantt-bar[data-task="chatty"]').count()).toBe(1);
      await page.locator('button.gantt-bar[data-task="flaky"][data-try="1"]').click();
      await page.waitForURL(/task=flaky&try=1$/);
      const panel = page.locator('aside.ti-panel[data-task="flaky"]');
      await expect
        .poll(() => panel.locator('pre.log-text[data-try="1"]').textContent(), { timeout: 20_000 })
        .toContain('the first try fails on purpose');
      await keepScreenshot(page, 'ui-gantt-tries.png');

      // a log of 3,000 lines: a window of them in the page, following its end; the start by scrolling
      await page.goto(`${base}/dags/retry_demo?run=${encodeURIComponent(runId)}&task=chatty`);
      const log = page.locator('aside.ti-panel pre.log-text.is-virtual');
      await log.waitFor();
      await expect
        .poll(async () => Number(await log.getAttribute('data-lines')))
        .toBeGreaterThanOrEqual(LOG_LINES);
      const lines = log.locator('.log-line');
      await expect.poll(() => log.textContent()).toContain('line 02999 of the chatty task');
      expect(await countOf(lines)).toBeLessThan(200);
      expect(await log.textContent()).not.toContain('line 00000 of');
      await scrollTo(page, 'aside.ti-panel pre.log-text', 'start');
      await expect.poll(() => log.textContent()).toContain('line 00000 of the chatty task');
      expect(await log.textContent()).not.toContain('line 02999 of');
      expect(await countOf(lines)).toBeLessThan(200);
      // a search keeps the matching lines only
      await page.getByLabel('Search the log of try 1').fill('line 01234 ');
      await expect
        .poll(() => page.locator('aside.ti-panel pre.log-text').getAttribute('data-lines'))
        .toBe('1');
      expect(await page.locator('aside.ti-panel pre.log-text').textContent()).toContain(
        'line 01234 of the chatty task',
      );
      // and the whole log downloads
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download' }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^retry_demo-.+-chatty-try1\.log$/);
      await keepScreenshot(page, 'ui-log-search.png');

      // the audit log of 250 variables made: a window of its rows, and scrolling reaches the last
      await page.goto(`${base}/admin/audit-log?event=${encodeURIComponent('api:POST /api/v2/variables')}`);
      const scroller = page.locator('section.virtual-scroll.is-virtual');
      await scroller.waitFor();
      expect(await scroller.getAttribute('data-rows')).toBe(String(VARIABLES));
      const entries = page.locator('.audit-table tr[data-event]');
      expect(await countOf(entries)).toBeLessThan(100);
      expect(await page.locator(`.audit-table tr[aria-rowindex="${VARIABLES + 1}"]`).count()).toBe(0);
      await scrollTo(page, 'section.virtual-scroll', 'end');
      await page.locator(`.audit-table tr[aria-rowindex="${VARIABLES + 1}"]`).waitFor();
      expect(await countOf(entries)).toBeLessThan(100);
      await keepScreenshot(page, 'ui-audit-virtual.png');

      // a grid of 400 tasks: a window of its rows in the page, in a box of its own; scrolling
      // reaches the last row; a link to a task far down shows its row, chosen, in the box
      const wideRun = encodeURIComponent(wide.body.dag_run_id);
      await page.goto(`${base}/dags/wide_grid?run=${wideRun}`);
      const grid = page.locator('div.grid-scroll.is-virtual');
      await grid.waitFor();
      expect(await grid.getAttribute('data-rows')).toBe('400');
      const taskRows = page.locator('table.grid tr[data-task-row]');
      await page.locator('tr[data-task-row="w000"]').waitFor();
      expect(await countOf(taskRows)).toBeLessThan(100);
      expect(await page.locator('tr[data-task-row="w399"]').count()).toBe(0);
      await scrollTo(page, 'div.grid-scroll', 'end');
      await page.locator('tr[data-task-row="w399"]').waitFor();
      expect(await countOf(taskRows)).toBeLessThan(100);
      await page.goto(`${base}/dags/wide_grid?run=${wideRun}&task=w250`);
      await page.locator('tr[data-task-row="w250"].selected').waitFor();
      await expect
        .poll(() =>
          page.locator('button.cell[data-task="w250"]').evaluate((el) => {
            const cell = el.getBoundingClientRect();
            const box = el.closest('.grid-scroll')?.getBoundingClientRect();
            return box !== undefined && cell.top >= box.top && cell.bottom <= box.bottom;
          }),
        )
        .toBe(true);
      await keepScreenshot(page, 'ui-grid-virtual.png');
      // its Gantt likewise: a window of the 400 rows, the last reached by scrolling
      await page.goto(`${base}/dags/wide_grid/gantt?run=${wideRun}`);
      const gantt = page.locator('section.gantt.is-virtual');
      await gantt.waitFor();
      expect(await gantt.getAttribute('data-rows')).toBe('400');
      const ganttRows = page.locator('section.gantt .gantt-row[data-task-row]');
      await page.locator('.gantt-row[data-index="0"]').waitFor();
      expect(await countOf(ganttRows)).toBeLessThan(100);
      expect(await page.locator('.gantt-row[data-index="399"]').count()).toBe(0);
      await scrollTo(page, 'section.gantt', 'end');
      await page.locator('.gantt-row[data-index="399"]').waitFor();
      expect(await countOf(ganttRows)).toBeLessThan(100);

      // the task instance's neighbours, output, and its actions for an Admin
      const tiLink = `${base}/dags/retry_demo?run=${encodeURIComponent(runId)}&task=flaky`;
      await page.goto(tiLink);
      await panel.getByRole('button', { name: 'Clear' }).waitFor();
      expect(await page.getByRole('button', { name: 'Trigger' }).count()).toBe(1);
      await expect.poll(() => panel.locator('.ti-downstream').textContent()).toBe('chatty');
      expect(await panel.locator('.ti-upstream').textContent()).toBe('none');
      await expect.poll(() => panel.locator('[data-output="return_value"] dd').textContent()).toBe('ok');
      // mark chatty failed: the dialog says what will change first
      await panel.locator('.ti-downstream').getByRole('button', { name: 'chatty' }).click();
      await page.waitForURL(/task=chatty$/);
      const chattyPanel = page.locator('aside.ti-panel[data-task="chatty"]');
      await chattyPanel.getByRole('button', { name: 'Mark failed' }).click();
      const confirm = page.getByRole('dialog', { name: 'Mark failed: chatty' });
      await expect
        .poll(() =>
          confirm.getByRole('list', { name: 'What will change' }).getByRole('listitem').allTextContents(),
        )
        .toEqual([expect.stringContaining('chatty')]);
      await keepScreenshot(page, 'ui-mark-confirm.png');
      await confirm.getByRole('button', { name: 'Confirm' }).click();
      await expect
        .poll(() => chattyPanel.getByRole('status').textContent())
        .toContain('Marked failed chatty');
      await expect.poll(() => chattyPanel.locator('.ti-state').textContent()).toContain('failed');

      // a Viewer sees none of the actions
      await page.goto(tiLink);
      await page.getByRole('button', { name: 'Log out' }).click();
      await logIn(page, base, 'vic', 'vic-pass-123');
      await page.goto(tiLink);
      await panel.locator('.ti-state').waitFor();
      await expect.poll(() => panel.locator('.ti-state').textContent()).toContain('success');
      expect(await panel.getByRole('button', { name: 'Clear' }).count()).toBe(0);
      expect(await panel.getByRole('button', { name: /^Mark / }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Trigger' }).count()).toBe(0);
      await page.goto(`${base}/?search=deep_00`);
      await expect.poll(() => countOf(rows)).toBe(10);
      expect(await page.getByRole('button', { name: 'Trigger' }).count()).toBe(0);
      expect(await page.getByLabel('deep_001 is active').isDisabled()).toBe(true);
      await keepScreenshot(page, 'ui-viewer-dag-list.png');
    } catch (error) {
      const shot = join(
        process.env.GALE_UI_SCREENSHOT_DIR ?? tmpdir(),
        `gale-ui-deep-links-failure-${Date.now()}.png`,
      );
      await page.screenshot({ path: shot, fullPage: true });
      console.error(`the page when the test failed: ${shot}`);
      throw error;
    }
  }, 600_000);
});
