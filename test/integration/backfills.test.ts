/**
 * Backfills through the real `gale` CLI and scheduler, as Airflow 3: the CLI only records a
 * backfill (a dry run not even that); the scheduler creates its runs for the range, starts at most
 * its max-active-runs at once in date order (apart from the DAG's own max active runs), and
 * completes it; reprocess none, failed and completed decide what happens to dates that have runs;
 * cancel fails the queued runs, lets the running one finish and starts no other.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, type Service, waitFor } from '../support/gale-home.js';

const DAGS = `
import { existsSync } from 'node:fs';
import { dag, task } from 'gale/sdk';
const home = process.env.GALE_HOME;
const until = async (name: string) => {
  while (!existsSync(home + '/' + name)) await new Promise((r) => setTimeout(r, 50));
};
// maxActiveRuns 1: a backfill's own limit applies to its runs, not the DAG's
dag({ dagId: 'bf_hold', schedule: '@daily', startDate: '2025-01-01T00:00:00Z', catchup: false, maxActiveRuns: 1 }, () => {
  task('hold', async () => { await until('go'); })();
});
dag({ dagId: 'bf_flaky', schedule: '@daily', startDate: '2025-01-01T00:00:00Z', catchup: false }, () => {
  task('work', (ctx) => {
    if (existsSync(home + '/fail-' + ctx.ds)) throw new Error('told to fail');
    return ctx.ds;
  })();
});
`;

interface Run {
  run_id: string;
  logical_date: string;
  state: string;
  start_date: string | null;
  end_date: string | null;
  backfill_id: number | null;
}

const day = (d: number) => `2025-03-0${d}T00:00:00.000Z`;

/** The options of a backfill of `dagId` from `from` to `to` (dates of March 2025). */
const span = (dagId: string, from: string, to: string) => ['--dag', dagId, '--from', from, '--to', to];

function backfillRuns(g: GaleHome, dagId: string): Run[] {
  return g
    .db()
    .prepare(
      `select run_id, logical_date, state, start_date, end_date, backfill_id from dag_run
       where dag_id = ? and run_type = 'backfill' order by logical_date`,
    )
    .all(dagId) as Run[];
}

function states(g: GaleHome, dagId: string): Record<string, string> {
  return Object.fromEntries(backfillRuns(g, dagId).map((r) => [r.logical_date.slice(0, 10), r.state]));
}

/** `gale backfill create ... -o json`: the new backfill's id. */
function create(g: GaleHome, args: string[]): number {
  const r = g.gale(['backfill', 'create', ...args, '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { id: number }).id;
}

async function completed(g: GaleHome, id: number, services: Service[]): Promise<void> {
  await waitFor(
    () =>
      (
        g.db().prepare('select completed_at from backfill where id = ?').get(id) as {
          completed_at: string | null;
        }
      ).completed_at,
    {
      timeoutMs: 90_000,
      intervalMs: 250,
      what: `backfill ${id} to complete`,
      seen: () => ({ runs: backfillRuns(g, 'bf_flaky'), out: services.map((s) => s.output().slice(-1500)) }),
    },
  );
}

async function parsed(g: GaleHome, processor: Service): Promise<void> {
  await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"bf_flaky"'), {
    what: 'the DAGs to be parsed',
    timeoutMs: 90_000,
    intervalMs: 500,
    seen: () => processor.output().slice(-2000),
  });
}

/** The most runs that were running at one time, from their start and end dates. */
function mostAtOnce(runs: Run[]): number {
  return Math.max(
    ...runs.map(
      (r) => runs.filter((o) => o.start_date! <= r.start_date! && r.start_date! < o.end_date!).length,
    ),
  );
}

describe('backfills', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('the CLI records a backfill and the scheduler runs its dates, at most max-active-runs at once in date order, then completes it', async () => {
    g = makeGaleHome();
    g.writeDag('backfills.ts', DAGS);
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const processor = g.start(['dag-processor']);
    await parsed(g, processor);

    const dry = g.gale([
      'backfill',
      'create',
      ...span('bf_hold', '2025-03-01', '2025-03-05'),
      '--dry-run',
      '-o',
      'json',
    ]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual([1, 2, 3, 4, 5].map((d) => ({ logical_date: day(d) })));
    expect(g.db().prepare('select count(*) as n from backfill').get()).toMatchObject({ n: 0 });

    const bad = g.gale(['backfill', 'create', ...span('bf_hold', '2025-03-05', '2025-03-01')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('is after to');

    // no scheduler runs yet: the command records the backfill and creates no run
    const id = create(g, [...span('bf_hold', '2025-03-01', '2025-03-05'), '--max-active-runs', '2']);
    expect(g.db().prepare('select planned_at, completed_at from backfill where id = ?').get(id)).toEqual({
      planned_at: null,
      completed_at: null,
    });
    expect(backfillRuns(g, 'bf_hold')).toEqual([]);

    const scheduler = g.start(['scheduler']);
    await waitFor(() => backfillRuns(g, 'bf_hold').filter((r) => r.state === 'running').length === 2, {
      what: 'two running backfill runs',
      timeoutMs: 60_000,
      seen: () => ({ runs: backfillRuns(g, 'bf_hold'), out: scheduler.output().slice(-2000) }),
    });
    // the tasks hold until "go": two run, the other three wait, the earliest dates first
    expect(states(g, 'bf_hold')).toEqual({
      '2025-03-01': 'running',
      '2025-03-02': 'running',
      '2025-03-03': 'queued',
      '2025-03-04': 'queued',
      '2025-03-05': 'queued',
    });
    const listed = g.gale(['backfill', 'list', '--dag', 'bf_hold', '-o', 'json']);
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { id, dag_id: 'bf_hold', max_active_runs: 2, completed_at: null, runs: { running: 2, queued: 3 } },
    ]);

    writeFileSync(join(g.home, 'go'), '');
    await completed(g, id, [scheduler]);
    const runs = backfillRuns(g, 'bf_hold');
    expect(runs.map((r) => [r.run_id, r.state, r.backfill_id])).toEqual(
      [1, 2, 3, 4, 5].map((d) => [`backfill__2025-03-0${d}T00:00:00+00:00`, 'success', id]),
    );
    expect(mostAtOnce(runs)).toBe(2);
    const starts = runs.map((r) => r.start_date!);
    expect(starts).toEqual([...starts].sort());
    expect(JSON.parse(g.gale(['backfill', 'list', '-o', 'json']).stdout)).toMatchObject([
      { id, completed_at: expect.any(String), runs: { success: 5 } },
    ]);
    await scheduler.stop();
    await processor.stop();
  }, 300_000);

  it('reprocess none, failed and completed decide which existing runs run again; cancel fails the queued runs and starts no more', async () => {
    g = makeGaleHome();
    g.writeDag('backfills.ts', DAGS);
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const processor = g.start(['dag-processor']);
    await parsed(g, processor);
    const scheduler = g.start(['scheduler']);
    const services = [processor, scheduler];
    const endDates = () =>
      Object.fromEntries(backfillRuns(g, 'bf_flaky').map((r) => [r.logical_date.slice(0, 10), r.end_date]));
    const reasons = (id: number) =>
      g
        .db()
        .prepare('select exception_reason from backfill_dag_run where backfill_id = ? order by sort_ordinal')
        .all(id)
        .map((r) => (r as { exception_reason: string | null }).exception_reason);

    writeFileSync(join(g.home, 'fail-2025-03-02'), '');
    const first = create(g, [...span('bf_flaky', '2025-03-01', '2025-03-03')]);
    await completed(g, first, services);
    expect(states(g, 'bf_flaky')).toEqual({
      '2025-03-01': 'success',
      '2025-03-02': 'failed',
      '2025-03-03': 'success',
    });
    rmSync(join(g.home, 'fail-2025-03-02'));

    const before = endDates();
    const none = create(g, [...span('bf_flaky', '2025-03-01', '2025-03-04')]);
    await completed(g, none, services);
    expect(reasons(none)).toEqual(['already exists', 'already exists', 'already exists', null]);
    expect(states(g, 'bf_flaky')).toMatchObject({ '2025-03-02': 'failed', '2025-03-04': 'success' });
    expect(endDates()).toMatchObject(before);

    const beforeFailed = endDates();
    const dry = g.gale([
      'backfill',
      'create',
      ...span('bf_flaky', '2025-03-01', '2025-03-04'),
      '--reprocess-behavior',
      'failed',
      '--dry-run',
      '-o',
      'json',
    ]);
    expect(JSON.parse(dry.stdout)).toEqual([{ logical_date: day(2) }]);
    const failed = create(g, [
      ...span('bf_flaky', '2025-03-01', '2025-03-04'),
      '--reprocess-behavior',
      'failed',
    ]);
    await completed(g, failed, services);
    expect(reasons(failed)).toEqual(['already exists', null, 'already exists', 'already exists']);
    expect(states(g, 'bf_flaky')['2025-03-02']).toBe('success');
    const { '2025-03-02': _changed, ...untouched } = beforeFailed;
    expect(endDates()).toMatchObject(untouched);
    expect(endDates()['2025-03-02']).not.toBe(beforeFailed['2025-03-02']);

    const beforeCompleted = endDates();
    const all = create(g, [
      ...span('bf_flaky', '2025-03-01', '2025-03-02'),
      '--reprocess-behavior',
      'completed',
    ]);
    await completed(g, all, services);
    expect(reasons(all)).toEqual([null, null]);
    expect(endDates()['2025-03-01']).not.toBe(beforeCompleted['2025-03-01']);
    expect(endDates()['2025-03-03']).toBe(beforeCompleted['2025-03-03']);
    const tries = g
      .db()
      .prepare(`select try_number from task_instance where dag_id = 'bf_flaky' and run_id = ?`)
      .get('backfill__2025-03-01T00:00:00+00:00');
    expect(tries).toEqual({ try_number: 2 });

    // cancel: latest first, one at a time; the running run goes on, the queued ones fail
    const held = create(g, [
      ...span('bf_hold', '2025-03-01', '2025-03-04'),
      '--max-active-runs',
      '1',
      '--run-backwards',
    ]);
    await waitFor(() => states(g, 'bf_hold')['2025-03-04'] === 'running', {
      what: 'the latest date to run first',
      seen: () => backfillRuns(g, 'bf_hold'),
    });
    expect(states(g, 'bf_hold')).toMatchObject({ '2025-03-01': 'queued', '2025-03-03': 'queued' });
    const second = g.gale(['backfill', 'create', ...span('bf_hold', '2025-02-01', '2025-02-02')]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`already has backfill ${held} running`);
    const cancel = g.gale(['backfill', 'cancel', String(held)]);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(states(g, 'bf_hold')).toEqual({
      '2025-03-01': 'failed',
      '2025-03-02': 'failed',
      '2025-03-03': 'failed',
      '2025-03-04': 'running',
    });
    const again = g.gale(['backfill', 'cancel', String(held)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already completed');
    writeFileSync(join(g.home, 'go'), '');
    await waitFor(() => states(g, 'bf_hold')['2025-03-04'] === 'success', {
      what: 'the running run to finish',
      seen: () => backfillRuns(g, 'bf_hold'),
    });
    const cancelled = backfillRuns(g, 'bf_hold').filter((r) => r.state === 'failed');
    expect(cancelled.map((r) => r.start_date)).toEqual([null, null, null]);
    await scheduler.stop();
    await processor.stop();
  }, 480_000);
});
