/**
 * Catchup: a DAG whose start date is in the past gets one scheduled run per missed interval
 * (or tick) with catchup, and only the latest without, with Airflow 3's logical dates, data
 * intervals and run ids.
 */
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { type GaleHome, makeGaleHome, runsOf, waitFor } from '../support/gale-home.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function midnightUtc(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

/** How the database stores a time. */
const iso = (ms: number) => new Date(ms).toISOString();
const scheduledRunId = (ms: number) => `scheduled__${iso(ms).replace(/\.000Z$/, '+00:00')}`;

function dagFile(dagId: string, options: string): string {
  return `import { dag, task } from 'gale/sdk';
dag({ dagId: '${dagId}', ${options} }, () => {
  task('noop', () => 'ok')();
});
`;
}

/**
 * Today's midnight UTC (d0), or skips the test when midnight is too close: the expected runs are
 * computed from it, and a new day would add one.
 */
function today(ctx: TestContext): number {
  const now = Date.now();
  const d0 = midnightUtc(now);
  if (d0 + DAY - now < 60_000) ctx.skip('too close to midnight UTC: the expected runs would change');
  return d0;
}

/** Starts standalone, waits for `count` scheduled runs, then checks that no more come for 2 s. */
async function scheduledRuns(g: GaleHome, ctx: TestContext, d0: number, dagId: string, count: number) {
  const standalone = g.start(['standalone']);
  await waitFor(() => runsOf(g.db(), dagId).length >= count, {
    intervalMs: 250,
    what: `${count} scheduled runs of ${dagId}`,
    seen: () => ({ runs: runsOf(g.db(), dagId), out: standalone.output().slice(-2000) }),
  });
  await new Promise((r) => setTimeout(r, 2000));
  const runs = g
    .db()
    .prepare(
      `select run_id, run_type, logical_date, data_interval_start, data_interval_end
       from dag_run where dag_id = ? order by logical_date`,
    )
    .all(dagId);
  await standalone.stop();
  if (midnightUtc(Date.now()) !== d0) ctx.skip('the UTC date changed during the test');
  return runs;
}

describe('catchup', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('a daily DAG with data intervals and catchup gets one run per missed day, each covering that day', async (ctx) => {
    const d0 = today(ctx);
    g = makeGaleHome();
    g.writeDag(
      'daily.ts',
      dagFile(
        'daily',
        `schedule: '@daily', dataIntervals: true, catchup: true, startDate: '${iso(d0 - 3 * DAY)}'`,
      ),
    );
    const runs = await scheduledRuns(g, ctx, d0, 'daily', 3);
    expect(runs).toEqual(
      [3, 2, 1].map((n) => ({
        run_id: scheduledRunId(d0 - n * DAY),
        run_type: 'scheduled',
        logical_date: iso(d0 - n * DAY),
        data_interval_start: iso(d0 - n * DAY),
        data_interval_end: iso(d0 - (n - 1) * DAY),
      })),
    );
  });

  it('without catchup a daily DAG with data intervals gets only the latest complete interval', async (ctx) => {
    const d0 = today(ctx);
    g = makeGaleHome();
    g.writeDag(
      'daily.ts',
      dagFile(
        'daily',
        `schedule: '@daily', dataIntervals: true, catchup: false, startDate: '${iso(d0 - 3 * DAY)}'`,
      ),
    );
    const runs = await scheduledRuns(g, ctx, d0, 'daily', 1);
    expect(runs).toEqual([
      {
        run_id: scheduledRunId(d0 - DAY),
        run_type: 'scheduled',
        logical_date: iso(d0 - DAY),
        data_interval_start: iso(d0 - DAY),
        data_interval_end: iso(d0),
      },
    ]);
  });

  it('a cron trigger timetable (the default) with catchup gets one run per missed tick, with an empty data interval', async (ctx) => {
    const d0 = today(ctx);
    g = makeGaleHome();
    // One hour after midnight three days ago: the first tick is the midnight after it.
    g.writeDag(
      'ticks.ts',
      dagFile('ticks', `schedule: '@daily', catchup: true, startDate: '${iso(d0 - 3 * DAY + HOUR)}'`),
    );
    const runs = await scheduledRuns(g, ctx, d0, 'ticks', 3);
    expect(runs).toEqual(
      [2, 1, 0].map((n) => ({
        run_id: scheduledRunId(d0 - n * DAY),
        run_type: 'scheduled',
        logical_date: iso(d0 - n * DAY),
        data_interval_start: iso(d0 - n * DAY),
        data_interval_end: iso(d0 - n * DAY),
      })),
    );
  });
});
