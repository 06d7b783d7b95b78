/** parallelism, pool slots and maxActiveTasks are never exceeded, checked from the recorded start and end times. */
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, runsOf, taskStates, waitFor } from '../support/gale-home.js';
import { maxOverlap } from '../support/overlap.js';

interface Interval {
  task_id: string;
  pool: string;
  start: number;
  end: number;
}

function intervals(g: GaleHome, dagId: string): Interval[] {
  const rows = g
    .db()
    .prepare('select task_id, pool, start_date, end_date from task_instance where dag_id = ?')
    .all(dagId) as {
    task_id: string;
    pool: string;
    start_date: string;
    end_date: string;
  }[];
  return rows.map((r) => ({
    task_id: r.task_id,
    pool: r.pool,
    start: Date.parse(r.start_date),
    end: Date.parse(r.end_date),
  }));
}

describe('limits', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('parallelism and pool slots are never exceeded across 60 tasks', { timeout: 240_000 }, async () => {
    g = makeGaleHome({ GALE__CORE__PARALLELISM: '4' });
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    expect(g.gale(['pools', 'set', 'small', '2', 'two at a time']).code).toBe(0);
    g.writeDag(
      'wide.ts',
      `import { dag, task } from 'gale/sdk';
       const nap = (ctx: { log: { info(m: string): void } }) => new Promise((r) => setTimeout(r, 300));
       dag({ dagId: 'wide', maxActiveTasks: 100 }, () => {
         for (let i = 0; i < 40; i++) task('free_' + i, nap)();
         for (let i = 0; i < 20; i++) task({ taskId: 'pooled_' + i, pool: 'small' }, nap)();
       });`,
    );
    const s = g.start(['standalone']);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"wide"'), {
      what: 'the DAG to be parsed',
      seen: () => s.output(),
    });
    expect(g.gale(['dags', 'trigger', 'wide']).code).toBe(0);
    await waitFor(() => runsOf(g.db(), 'wide')[0]?.state === 'success', {
      what: 'the run to succeed',
      timeoutMs: 220_000,
      seen: () => Object.values(taskStates(g.db(), 'wide')).join(','),
    });
    const all = intervals(g, 'wide');
    expect(all).toHaveLength(60);
    expect(maxOverlap(all)).toBeLessThanOrEqual(4);
    expect(maxOverlap(all)).toBeGreaterThanOrEqual(2);
    expect(maxOverlap(all.filter((i) => i.pool === 'small'))).toBeLessThanOrEqual(2);
    await s.stop();
  });

  it("a run's maxActiveTasks bounds its running tasks", async () => {
    g = makeGaleHome({ GALE__CORE__PARALLELISM: '8' });
    g.writeDag(
      'narrow.ts',
      `import { dag, task } from 'gale/sdk';
       dag({ dagId: 'narrow', maxActiveTasks: 2 }, () => {
         for (let i = 0; i < 8; i++) task('t' + i, () => new Promise((r) => setTimeout(r, 300)))();
       });`,
    );
    const s = g.start(['standalone']);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"narrow"'), {
      what: 'the DAG to be parsed',
    });
    expect(g.gale(['dags', 'trigger', 'narrow']).code).toBe(0);
    await waitFor(() => runsOf(g.db(), 'narrow')[0]?.state === 'success', {
      what: 'the run to succeed',
      timeoutMs: 60_000,
    });
    expect(maxOverlap(intervals(g, 'narrow'))).toBeLessThanOrEqual(2);
    await s.stop();
  });
});
