/**
 * The web UI's backfills, assets and long lists in a real browser (Debian's Chromium driven by
 * playwright-core) against `gale standalone`: a User previews a backfill's logical dates, creates
 * it and sees the scheduler complete it; pauses, unpauses and cancels another (of a paused DAG,
 * whose runs wait); a Viewer sees the backfills but no actions. The Assets page lists an asset with
 * its consuming DAG and producing task, the event a run produced and its extra, and an Op creates
 * an event there. The DAG list of 300 DAGs shows one page and pages to a later DAG, reading the
 * recent runs of a whole page in one call, and a DAG's 60 runs are paged too.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { login } from '../support/api-client.js';
import { waitFor } from '../support/gale-home.js';
import { keepScreenshot, logIn, startStandalone, useBrowserSession } from '../support/ui-session.js';

const DAGS = `
import { asset, dag, task } from 'gale/sdk';
const orders = asset('s3://ui/orders.csv', { name: 'orders', group: 'sales' });
dag({ dagId: 'ui_bf', schedule: '@daily', startDate: '2025-01-01T00:00:00Z', catchup: false }, () => {
  task('t', (ctx) => ctx.ds)();
});
dag({ dagId: 'ui_bf_paused', schedule: '@daily', startDate: '2025-01-01T00:00:00Z', catchup: false, paused: true }, () => {
  task('t', () => 'ok')();
});
dag({ dagId: 'ui_producer', schedule: null }, () => {
  task({ taskId: 'write', outlets: [orders] }, (ctx) => {
    ctx.outletEvents(orders).extra = { rows: 7 };
    return 7;
  })();
});
dag({ dagId: 'ui_consumer', schedule: orders }, () => {
  task('report', () => 'ok')();
});
`;

const MANY_DAGS = `
import { dag, task } from 'gale/sdk';
for (let i = 0; i < 300; i++) {
  const dagId = 'bulk_' + String(i).padStart(3, '0');
  dag({ dagId, schedule: null, paused: dagId === 'bulk_287' }, () => {
    task('t', () => 1)();
  });
}
`;

/** Fills the Backfill form and previews it; returns the logical dates the preview lists. */
async function previewBackfill(page: Page, from: string, to: string): Promise<string[]> {
  const form = page.getByRole('form', { name: 'Backfill' });
  await form.getByLabel('From (UTC)').fill(from);
  await form.getByLabel('To (UTC)').fill(to);
  await form.getByLabel('Reprocess behaviour').selectOption('failed');
  await form.getByLabel('Max active runs').fill('2');
  await form.getByLabel('Conf (JSON, optional)').fill('{"source": "ui"}');
  await form.getByRole('button', { name: 'Preview runs' }).click();
  const dates = form.getByRole('list', { name: 'Logical dates of the backfill' });
  await dates.waitFor();
  return dates.getByRole('listitem').allTextContents();
}

describe('web UI backfills, assets and long lists', () => {
  const session = useBrowserSession();

  it('a User backfills from the form after its dry run and cancels another; assets show their DAGs and events; an Op creates an event', async () => {
    const g = session.makeHome();
    g.writeDag('ui_bf.ts', DAGS);
    const { base, password, s } = await startStandalone(g);
    const viewer = g.gale(
      ['users', 'create', '-u', 'vic', '-r', 'Viewer', '--password-stdin'],
      {},
      'vic-pass-123\n',
    );
    expect(viewer.code, viewer.stderr).toBe(0);
    const api = await login(base, 'admin', password);
    await waitFor(async () => (await api('GET', '/api/v2/dags/ui_consumer')).status === 200, {
      what: 'the DAGs in the API',
      timeoutMs: 90_000,
      seen: () => s.output().slice(-2000),
    });

    const browser = await session.openBrowser(g);
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(30_000);
    await logIn(page, base, 'admin', password);

    // the Backfills tab has its own address; a refused range shows the server's detail in place
    await page.goto(`${base}/dags/ui_bf/backfills`);
    await expect
      .poll(() => page.getByRole('tab', { name: 'Backfills' }).getAttribute('aria-selected'))
      .toBe('true');
    await page.getByRole('button', { name: 'Backfill', exact: true }).click();
    const form = page.getByRole('form', { name: 'Backfill' });
    await form.getByLabel('From (UTC)').fill('2025-03-05T00:00');
    await form.getByLabel('To (UTC)').fill('2025-03-01T00:00');
    await form.getByRole('button', { name: 'Preview runs' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toContain('is after to');

    // the dry run's dates first, then the backfill, which the scheduler runs to completion
    expect(await previewBackfill(page, '2025-03-01T00:00', '2025-03-03T00:00')).toEqual([
      '2025-03-01T00:00:00.000Z',
      '2025-03-02T00:00:00.000Z',
      '2025-03-03T00:00:00.000Z',
    ]);
    expect((await api('GET', '/api/v2/backfills?dag_id=ui_bf')).body.total_entries).toBe(0);
    await keepScreenshot(page, 'ui-backfill-preview.png');
    await form.getByRole('button', { name: 'Create backfill' }).click();
    await form.waitFor({ state: 'detached' });
    const first = page.locator('tr[data-backfill]').first();
    await expect.poll(() => first.textContent()).toContain('failed');
    await expect.poll(() => first.getAttribute('data-state'), { timeout: 120_000 }).toBe('completed');
    const runs = await api<{ dag_runs: { run_type: string; state: string; conf: object }[] }>(
      'GET',
      '/api/v2/dags/ui_bf/dagRuns?run_type=backfill',
    );
    expect(runs.body.dag_runs.map((r) => [r.state, r.conf])).toEqual(
      Array(3).fill(['success', { source: 'ui' }]),
    );
    await keepScreenshot(page, 'ui-backfills.png');

    // a paused DAG's backfill waits: pause, unpause, then cancel it after a confirmation
    await page.goto(`${base}/dags/ui_bf_paused/backfills`);
    await page.getByText('The DAG is paused').waitFor();
    await page.getByRole('button', { name: 'Backfill', exact: true }).click();
    expect(await previewBackfill(page, '2025-04-01T00:00', '2025-04-02T00:00')).toHaveLength(2);
    await form.getByRole('button', { name: 'Create backfill' }).click();
    const waiting = page.locator('tr[data-backfill]').first();
    await expect.poll(() => waiting.getAttribute('data-state')).toBe('running');
    const id = await waiting.getAttribute('data-backfill');
    // the scheduler plans its runs (queued: the DAG is paused) before it is cancelled
    const pausedRuns = async () =>
      (await api<{ dag_runs: { state: string }[] }>('GET', '/api/v2/dags/ui_bf_paused/dagRuns')).body
        .dag_runs;
    await expect
      .poll(async () => (await pausedRuns()).map((r) => r.state), { timeout: 60_000 })
      .toEqual(['queued', 'queued']);
    await page.getByRole('button', { name: `Pause backfill ${id}` }).click();
    await expect.poll(() => waiting.getAttribute('data-state')).toBe('paused');
    await page.getByRole('button', { name: `Unpause backfill ${id}` }).click();
    await expect.poll(() => waiting.getAttribute('data-state')).toBe('running');
    await page.getByRole('button', { name: `Cancel backfill ${id}` }).click();
    const dialog = page.getByRole('dialog');
    await keepScreenshot(page, 'ui-backfill-cancel.png');
    await dialog.getByRole('button', { name: 'Cancel backfill' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => waiting.getAttribute('data-state')).toBe('completed');
    expect(await page.getByRole('button', { name: `Cancel backfill ${id}` }).count()).toBe(0);
    expect((await pausedRuns()).map((r) => r.state)).toEqual(['failed', 'failed']);

    // assets: the producer's run makes an event with its extra, linked to the run
    const triggered = await api<{ dag_run_id: string }>('POST', '/api/v2/dags/ui_producer/dagRuns', {});
    expect(triggered.status, triggered.text).toBe(200);
    await page.getByRole('link', { name: 'Assets', exact: true }).click();
    await page.waitForURL(/\/assets$/);
    const row = page.locator('tr[data-asset="s3://ui/orders.csv"]');
    await expect.poll(() => row.textContent()).toContain('ui_consumer');
    expect(await row.getByRole('link', { name: 'ui_producer.write' }).getAttribute('href')).toBe(
      '/dags/ui_producer/graph?task=write',
    );
    await page.getByLabel('Search asset URIs').fill('nothing-like-this');
    await page.waitForURL(/\/assets\?q=nothing-like-this$/);
    await page.getByText('No assets match.').waitFor();
    await page.getByLabel('Search asset URIs').fill('orders');
    await row.getByRole('link', { name: 's3://ui/orders.csv' }).click();
    await page.waitForURL(/\/assets\/\d+$/);
    const produced = page.locator('tr[data-event]', { hasText: 'ui_producer.write' });
    await expect.poll(() => produced.count(), { timeout: 90_000 }).toBe(1);
    expect(await produced.textContent()).toContain('{"rows":7}');
    expect(await produced.getByRole('link').getAttribute('href')).toBe(
      `/dags/ui_producer?run=${encodeURIComponent(triggered.body.dag_run_id)}&task=write`,
    );

    // an Op creates an event with its extra; bad JSON is refused in the dialog
    const consumerRuns = async () =>
      (await api<{ total_entries: number }>('GET', '/api/v2/dags/ui_consumer/dagRuns')).body.total_entries;
    // the producer's event queued the consumer's first run; the event made here queues another
    await expect.poll(consumerRuns, { timeout: 60_000 }).toBe(1);
    const before = await consumerRuns();
    await page.getByRole('button', { name: 'Create event' }).click();
    await dialog.getByLabel('Extra (JSON)').fill('{rows: 11');
    await dialog.getByRole('button', { name: 'Create event' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('not valid JSON');
    await dialog.getByLabel('Extra (JSON)').fill('{"rows": 11}');
    await keepScreenshot(page, 'ui-asset-event-dialog.png');
    await dialog.getByRole('button', { name: 'Create event' }).click();
    await dialog.waitFor({ state: 'detached' });
    const manual = page.locator('tr[data-event]', { hasText: 'created from outside' });
    await expect.poll(() => manual.textContent()).toContain('{"rows":11}');
    await expect.poll(consumerRuns, { timeout: 60_000 }).toBeGreaterThan(before);
    await keepScreenshot(page, 'ui-asset.png');

    // a Viewer sees the backfills and the asset, and none of the actions
    await page.getByRole('button', { name: 'Log out' }).click();
    await logIn(page, base, 'vic', 'vic-pass-123');
    await page.goto(`${base}/dags/ui_bf_paused/backfills`);
    await page.locator('tr[data-backfill]').first().waitFor();
    expect(await page.getByRole('button', { name: 'Backfill', exact: true }).count()).toBe(0);
    expect(await page.getByRole('columnheader', { name: 'Actions' }).count()).toBe(0);
    await page.goto(`${base}/assets`);
    await row.getByRole('link', { name: 's3://ui/orders.csv' }).click();
    await produced.waitFor();
    expect(await page.getByRole('button', { name: 'Create event' }).count()).toBe(0);
  }, 420_000);

  it('the DAG list of 300 DAGs shows a page at a time with one call for the recent runs, and a DAG pages its 60 runs', async () => {
    const g = session.makeHome();
    g.writeDag('bulk.ts', MANY_DAGS);
    const { base, password, s } = await startStandalone(g);
    const api = await login(base, 'admin', password);
    await waitFor(async () => (await api('GET', '/api/v2/dags?limit=1')).body.total_entries === 300, {
      what: '300 DAGs in the API',
      timeoutMs: 180_000,
      seen: () => s.output().slice(-2000),
    });
    // bulk_287 is paused: its triggered runs stay queued
    const runIds: string[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await api<{ dag_run_id: string }>('POST', '/api/v2/dags/bulk_287/dagRuns', {
        dag_run_id: `r${String(i).padStart(2, '0')}`,
      });
      expect(r.status, r.text).toBe(200);
      runIds.push(r.body.dag_run_id);
    }

    const browser = await session.openBrowser(g);
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(30_000);
    await logIn(page, base, 'admin', password);
    const calls: string[] = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/api/v2/dags')) calls.push(`${path}${new URL(r.url()).search}`);
    });

    await page.goto(base);
    const rows = page.locator('tr[data-dag-id]');
    await expect.poll(() => rows.count()).toBe(50);
    const pager = page.getByRole('navigation', { name: 'Pages' });
    expect(await pager.textContent()).toContain('1–50 of 300');
    expect(await rows.first().getAttribute('data-dag-id')).toBe('bulk_000');
    for (let i = 0; i < 5; i++) await pager.getByRole('button', { name: 'Next' }).click();
    const later = page.locator('tr[data-dag-id="bulk_287"]');
    await later.waitFor();
    await expect.poll(() => pager.textContent()).toContain('251–300 of 300');
    // its five latest runs, newest last
    await expect
      .poll(() => later.locator('.recent-runs a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))))
      .toEqual(['r55', 'r56', 'r57', 'r58', 'r59'].map((r) => `/dags/bulk_287?run=${r}`));
    expect(await pager.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await keepScreenshot(page, 'ui-dag-list-paged.png');

    // the list read one page of DAGs and one list of recent runs per load: never a call per DAG
    // (counted from the first list call: a load the login page started may end after the goto)
    const counted = calls.slice(calls.findIndex((c) => c.startsWith('/api/v2/dags?')));
    const runCalls = counted.filter((c) => c.includes('/dagRuns'));
    expect(runCalls.length).toBeGreaterThan(0);
    expect(runCalls.every((c) => c.startsWith('/api/v2/dags/~/dagRuns?'))).toBe(true);
    const dagCalls = counted.filter((c) => c.startsWith('/api/v2/dags?'));
    expect(runCalls.length, counted.join('\n')).toBeLessThanOrEqual(dagCalls.length);
    expect(calls.filter((c) => /^\/api\/v2\/dags\/bulk_/.test(c))).toEqual([]);

    // a search starts again at the first page
    await page.getByLabel('Search DAGs').fill('bulk_29');
    await expect.poll(() => rows.count()).toBe(10);
    expect(await pager.count()).toBe(0);

    // the DAG's runs table shows 25 of its 60 runs, newest first, and pages to the oldest
    await page.goto(`${base}/dags/bulk_287`);
    const runRows = page.locator('.runs-card tr[data-run]');
    await expect.poll(() => runRows.count()).toBe(25);
    expect(await runRows.first().getAttribute('data-run')).toBe('r59');
    const runPager = page.locator('.runs-card').getByRole('navigation', { name: 'Pages' });
    expect(await runPager.textContent()).toContain('1–25 of 60');
    await runPager.getByRole('button', { name: 'Next' }).click();
    await runPager.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => runPager.textContent()).toContain('51–60 of 60');
    await expect
      .poll(() => runRows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run'))))
      .toEqual(runIds.slice(0, 10).reverse());
    // an older run opens its panel though the grid does not show it
    await runPager.getByRole('button', { name: 'Next' }).waitFor();
    await page.waitForURL(/\?runs_page=3$/);
    await page.getByRole('button', { name: 'r03', exact: true }).click();
    // the page of runs stays in the address with the chosen run
    await page.waitForURL(/\?run=r03&runs_page=3$/);
    await expect.poll(() => page.locator('aside.panel .run-id').textContent()).toBe('r03');
    await keepScreenshot(page, 'ui-dag-runs-paged.png');
  }, 420_000);
});
