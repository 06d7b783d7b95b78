/**
 * The grid's task groups and mapped tasks in a real browser (Debian's Chromium driven by
 * playwright-core) against `gale standalone`: a group is a row with a toggle (aria-expanded,
 * keyboard-operable) whose squares show the state that matters most among its task instances
 * (failed over success, as Airflow's grid); collapsing hides its tasks and inner groups, the
 * address keeps what is collapsed (a reload or a link opens the same rows), and a group's square
 * chooses its run and opens the group; a mapped task's square lists its instances, each opening
 * its own panel, log and outputs, where marking or clearing changes that instance only.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { login } from '../support/api-client.js';
import { waitFor } from '../support/gale-home.js';
import { keepScreenshot, logIn, startStandalone, useBrowserSession } from '../support/ui-session.js';

const DAG = `import { dag, group, task } from 'gale/sdk';
const ok = task('ok', () => 1);
const boom = task({ taskId: 'boom', retries: 0 }, () => {
  throw new Error('b fails on purpose');
});
const square = task('square', (ctx, { n }: { n: number }) => {
  ctx.log.info(\`squaring \${n} at map index \${ctx.mapIndex}\`);
  return n * n;
});
dag({ dagId: 'grid_groups', schedule: null }, () => {
  const start = ok.override({ taskId: 'start' })();
  const etl = group('etl', () => {
    ok.override({ taskId: 'extract' })();
    group('parse', () => {
      ok.override({ taskId: 'a' })();
      boom.override({ taskId: 'b' })();
    });
  });
  const fan = group('fan', () => {
    square.expand({ n: [1, 2, 3] });
  });
  start.then(etl);
  start.then(fan);
});
`;

describe('web UI: task groups and mapped tasks in the grid', () => {
  const session = useBrowserSession();

  it('a group collapses into one row in its worst state, kept in the address, its square opens it; a mapped task lists its instances', async () => {
    const g = session.makeHome();
    g.writeDag('grid_groups.ts', DAG);
    const { base, password } = await startStandalone(g);
    const admin = await login(base, 'admin', password);
    const runId = await waitFor(
      async () => {
        const r = await admin<{ dag_run_id: string }>('POST', '/api/v2/dags/grid_groups/dagRuns', {
          conf: {},
        });
        return r.status === 200 ? r.body.dag_run_id : null;
      },
      { what: 'a triggered run of grid_groups', timeoutMs: 90_000 },
    );
    const runPath = `/api/v2/dags/grid_groups/dagRuns/${encodeURIComponent(runId)}`;
    let lastState: unknown;
    await waitFor(
      async () => {
        const r = await admin<{ state: string }>('GET', runPath);
        lastState = r.body.state;
        return r.body.state === 'failed';
      },
      { what: 'the run to fail (etl.parse.b fails)', timeoutMs: 180_000, seen: () => lastState },
    );

    const browser = await session.openBrowser(g);
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(30_000);
    try {
      await logIn(page, base, 'admin', password);
      await page.goto(`${base}/dags/grid_groups`);
      const toggle = (group: string) => page.locator(`button.group-toggle[data-group="${group}"]`);
      const groupCell = (group: string) => page.locator(`button.group-cell[data-group="${group}"]`);
      const cell = (task: string) => page.locator(`button.cell[data-task="${task}"]`);

      // all expanded at first: the group rows, then their tasks (the inner group's too)
      for (const task of ['start', 'etl.extract', 'etl.parse.a', 'etl.parse.b', 'fan.square'])
        await cell(task).waitFor();
      for (const group of ['etl', 'etl.parse', 'fan'])
        expect(await toggle(group).getAttribute('aria-expanded')).toBe('true');
      expect(await cell('etl.parse.b').getAttribute('data-state')).toBe('failed');
      expect(await cell('etl.parse.a').getAttribute('data-state')).toBe('success');
      // the group's squares: failed when any of its task instances failed, success when all did
      expect(await groupCell('etl').getAttribute('data-state')).toBe('failed');
      expect(await groupCell('etl.parse').getAttribute('data-state')).toBe('failed');
      expect(await groupCell('fan').getAttribute('data-state')).toBe('success');
      expect(await groupCell('fan').getAttribute('title')).toContain('3 task instances: 3 success');
      // the tasks read by their names inside their groups, each group's under its row
      const names = await page.locator('.grid tbody .task-name').allTextContents();
      expect(names.filter((n) => n !== 'start')).toEqual([
        '▾ etl',
        'extract',
        '▾ parse',
        'a',
        'b',
        '▾ fan',
        'square',
      ]);

      // the keyboard collapses the inner group: its tasks go, the outer group's stay
      await toggle('etl.parse').focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => toggle('etl.parse').getAttribute('aria-expanded')).toBe('false');
      await expect.poll(() => cell('etl.parse.a').count()).toBe(0);
      expect(await cell('etl.parse.b').count()).toBe(0);
      expect(await cell('etl.extract').count()).toBe(1);
      expect(await groupCell('etl.parse').getAttribute('data-state')).toBe('failed');
      await page.waitForURL(/[?&]collapsed=etl\.parse(&|$)/);

      // then the outer group, with Space: one row, still failed
      await toggle('etl').focus();
      await page.keyboard.press('Space');
      await expect.poll(() => cell('etl.extract').count()).toBe(0);
      expect(await toggle('etl.parse').count()).toBe(0);
      expect(await toggle('etl').getAttribute('aria-expanded')).toBe('false');
      expect(await groupCell('etl').getAttribute('data-state')).toBe('failed');
      await page.waitForURL(/[?&]collapsed=etl%2Cetl\.parse(&|$)/);
      await keepScreenshot(page, 'ui-grid-groups-collapsed.png');

      // a reload (or the link) opens the same rows; choosing a square keeps them collapsed
      await page.reload();
      await cell('start').waitFor();
      expect(await toggle('etl').getAttribute('aria-expanded')).toBe('false');
      expect(await cell('etl.extract').count()).toBe(0);
      await cell('start').click();
      await page.waitForURL(/task=start/);
      expect(page.url()).toContain('collapsed=etl%2Cetl.parse');
      // choosing the collapsed outer group's square chooses its run and opens the group, in one
      // step; the inner one stays as it was left
      await groupCell('etl').click();
      await page.waitForURL((url) => url.searchParams.get('collapsed') === 'etl.parse');
      const chosen = new URL(page.url()).searchParams;
      expect(chosen.get('run')).toBe(runId);
      expect(chosen.get('task')).toBeNull();
      expect(await toggle('etl').getAttribute('aria-expanded')).toBe('true');
      await cell('etl.extract').waitFor();
      expect(await toggle('etl.parse').getAttribute('aria-expanded')).toBe('false');
      expect(await cell('etl.parse.a').count()).toBe(0);

      // a mapped task's square: its count, and a list of its instances one by one
      expect(await cell('fan.square').getAttribute('data-mapped')).toBe('3');
      await cell('fan.square').click();
      const list = page.locator('section.mapped-instances[data-task="fan.square"]');
      await list.waitFor();
      const rows = list.locator('tbody tr');
      await expect.poll(() => rows.count()).toBe(3);
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-map-index')))).toEqual([
        '0',
        '1',
        '2',
      ]);
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-state')))).toEqual([
        'success',
        'success',
        'success',
      ]);
      // each opens its own panel, with its own log
      await list.getByRole('link', { name: 'fan.square [1]' }).click();
      await page.waitForURL(/[?&]map=1(&|$)/);
      const panel = page.locator('aside.ti-panel[data-task="fan.square"][data-map-index="1"]');
      await panel.waitFor();
      await expect.poll(() => panel.locator('.ti-state').textContent()).toContain('success');
      await expect
        .poll(() => panel.locator('pre.log-text').textContent(), { timeout: 30_000 })
        .toContain('squaring 2 at map index 1');
      // its outputs are its own: 2 squared, not every instance's
      await expect
        .poll(() => panel.locator('dl.outputs > div').evaluateAll((ds) => ds.map((d) => d.textContent)))
        .toEqual(['return_value [1]4']);
      await keepScreenshot(page, 'ui-grid-mapped.png');
      // a link to another instance opens it straight away
      await page.goto(`${base}/dags/grid_groups?run=${encodeURIComponent(runId)}&task=fan.square&map=2`);
      await page.locator('aside.ti-panel[data-map-index="2"]').waitFor();
      await expect
        .poll(() => page.locator('aside.ti-panel pre.log-text').textContent(), { timeout: 30_000 })
        .toContain('squaring 3 at map index 2');
      expect(await list.locator('a[aria-current="true"]').textContent()).toBe('[2]');
      // marking it failed marks that instance only: its line and the group's square turn failed
      const panel2 = page.locator('aside.ti-panel[data-map-index="2"]');
      await panel2.getByRole('button', { name: 'Mark failed' }).click();
      const confirm = page.getByRole('dialog', { name: 'Mark failed: fan.square' });
      await expect
        .poll(() =>
          confirm.getByRole('list', { name: 'What will change' }).getByRole('listitem').allTextContents(),
        )
        .toEqual([expect.stringContaining('fan.square [2]')]);
      await confirm.getByRole('button', { name: 'Confirm' }).click();
      await expect.poll(() => panel2.locator('.ti-state').textContent()).toContain('failed');
      await expect
        .poll(() =>
          list.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-state'))),
        )
        .toEqual(['success', 'success', 'failed']);
      await expect.poll(() => groupCell('fan').getAttribute('data-state')).toBe('failed');
      expect(await cell('fan.square').getAttribute('data-state')).toBe('failed');
      // clearing it from its panel clears that instance only ([task_id, map_index], as Airflow 3)
      await panel2.getByRole('button', { name: 'Clear' }).click();
      const clear = page.getByRole('dialog', { name: 'Clear: fan.square' });
      await expect
        .poll(() =>
          clear.getByRole('list', { name: 'What will change' }).getByRole('listitem').allTextContents(),
        )
        .toEqual([expect.stringContaining('fan.square [2]')]);
      await clear.getByRole('button', { name: 'Confirm' }).click();
      const squares = async () =>
        (
          await admin<{ task_instances: { map_index: number; state: string; try_number: number }[] }>(
            'GET',
            `${runPath}/taskInstances?task_id=fan.square`,
          )
        ).body.task_instances.map((t) => [t.map_index, t.state, t.try_number]);
      await expect.poll(squares, { timeout: 60_000 }).toEqual([
        [0, 'success', 1],
        [1, 'success', 1],
        [2, 'success', 2],
      ]);
    } catch (error) {
      const shot = join(
        process.env.GALE_UI_SCREENSHOT_DIR ?? tmpdir(),
        `gale-ui-grid-groups-failure-${Date.now()}.png`,
      );
      await page.screenshot({ path: shot, fullPage: true });
      console.error(`the page when the test failed: ${shot}`);
      throw error;
    }
  }, 480_000);
});
