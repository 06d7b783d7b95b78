/**
 * `gale dags delete` removes every row of the DAG from every table that names it (its runs, task
 * instances, outputs, rendered fields, callback requests, backfills, HITL requests, asset
 * references and queued asset events), leaves other DAGs' rows, and the file stays. The audit
 * log keeps its entries.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, waitFor } from '../support/gale-home.js';
import { testDialect } from '../support/test-db.js';

const DAGS = `
import { asset, dag, task } from 'gale/sdk';
const out = asset('file:///data/doomed.csv');
dag({ dagId: 'doomed', schedule: '@daily', startDate: '2026-01-01', catchup: false, onSuccess: () => {} }, () => {
  task({ taskId: 'make', outlets: [out] }, () => 1)();
});
dag({ dagId: 'kept', schedule: [out] }, () => {
  task('use', () => 2)();
});
`;

/** Every (table, column) pair where the column names a DAG, on either dialect. */
function dagColumns(g: GaleHome): { table: string; column: string }[] {
  const db = g.db();
  if (testDialect() === 'postgres') {
    return db
      .prepare(
        `select table_name as "table", column_name as "column" from information_schema.columns
         where table_schema = current_schema() and column_name in ('dag_id', 'target_dag_id')`,
      )
      .all() as { table: string; column: string }[];
  }
  const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as {
    name: string;
  }[];
  return tables.flatMap(({ name }) =>
    (db.prepare(`pragma table_info("${name}")`).all() as { name: string }[])
      .filter((c) => c.name === 'dag_id' || c.name === 'target_dag_id')
      .map((c) => ({ table: name, column: c.name })),
  );
}

/** Tables with a column naming a DAG, and how many rows name `dagId`. */
function rowsNaming(g: GaleHome, dagId: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { table, column } of dagColumns(g)) {
    if (table === 'log') continue; // the audit log keeps what was done to the DAG, as Airflow's does
    const { n } = g.db().prepare(`select count(*) as n from "${table}" where ${column} = ?`).get(dagId) as {
      n: number | string;
    };
    if (Number(n) > 0) counts[`${table}.${column}`] = Number(n);
  }
  return counts;
}

let g: GaleHome;

describe('gale dags delete', () => {
  afterAll(() => g?.cleanup());

  it('leaves no row of the DAG in any table, and the other DAGs as they were', {
    timeout: 180_000,
  }, async () => {
    g = makeGaleHome();
    const file = g.writeDag('doomed.ts', DAGS);
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const processor = g.start(['dag-processor']);
    await waitFor(
      () => Object.keys(rowsNaming(g, 'kept')).length > 0 && rowsNaming(g, 'doomed')['dag.dag_id'],
      {
        what: 'both DAGs to be parsed',
        timeoutMs: 60_000,
        seen: () => processor.output().slice(-1500),
      },
    );
    await processor.stop();
    const ran = g.gale(['dags', 'test', 'doomed']);
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    const backfill = g.gale([
      'backfill',
      'create',
      '--dag',
      'doomed',
      '--from',
      '2026-01-01',
      '--to',
      '2026-01-03',
    ]);
    expect(backfill.code, backfill.stderr).toBe(0);
    const before = rowsNaming(g, 'doomed');
    // what there is to delete: the DAG, its run and task instance, output, rendered fields,
    // backfill, asset references; the event it produced is queued for `kept`
    for (const table of [
      'dag',
      'dag_run',
      'task_instance',
      'xcom',
      'backfill',
      'task_outlet_asset_reference',
    ])
      expect(before[`${table}.dag_id`], table).toBeGreaterThan(0);
    const keptBefore = rowsNaming(g, 'kept');
    expect(keptBefore['asset_dag_run_queue.target_dag_id']).toBe(1);

    const deleted = g.gale(['dags', 'delete', 'doomed', '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(rowsNaming(g, 'doomed')).toEqual({});
    expect(rowsNaming(g, 'kept')).toEqual(keptBefore);
    const orphans = g.db().prepare('select count(*) as n from backfill_dag_run').get() as {
      n: number | string;
    };
    expect(Number(orphans.n)).toBe(0);
    expect(existsSync(file)).toBe(true);
  });
});
