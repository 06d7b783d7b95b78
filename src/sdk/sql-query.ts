/**
 * sqlQuery (Airflow's SQLExecuteQueryOperator): runs SQL over a postgres or sqlite connection and
 * returns the last statement's rows as its output. Rows are objects by column name (JSON, where
 * Airflow returns tuples); `fetch: 'first'` returns one row or null, `'none'` null. Templates are
 * not rendered in `sql`: bind values with `parameters` (never build SQL from run conf by hand).
 */
import type { TaskContext } from './context.js';
import { type TaskRef, task } from './dag.js';
import { runSql } from './sql-connections.js';
import type { TaskOptions } from './task-options.js';

export type SqlRow = Record<string, unknown>;

export type SqlQueryOptions = Omit<TaskOptions, 'resume'> & {
  taskId: string;
  /** a connection of type postgres or sqlite */
  connId: string;
  /** one statement, or several run in one transaction (the output is the last one's) */
  sql: string | readonly string[];
  /** bound to the last statement's placeholders ($1.. on postgres, ? on sqlite); a function of the context for run-dependent values */
  parameters?: readonly unknown[] | ((ctx: TaskContext) => readonly unknown[]);
  /** what the output holds: every row (default), the first row or null, or null */
  fetch?: 'all' | 'first' | 'none';
};

const QUERY_KEYS = new Set(['connId', 'sql', 'parameters', 'fetch']);

/** `sqlQuery<{ id: number }>({ ... })` types the rows the task outputs. */
export function sqlQuery<R extends SqlRow = SqlRow>(
  options: SqlQueryOptions & { fetch?: 'all' },
): TaskRef<R[]>;
export function sqlQuery<R extends SqlRow = SqlRow>(
  options: SqlQueryOptions & { fetch: 'first' },
): TaskRef<R | null>;
export function sqlQuery(options: SqlQueryOptions & { fetch: 'none' }): TaskRef<null>;
export function sqlQuery(options: SqlQueryOptions): TaskRef<SqlRow[] | SqlRow | null> {
  const taskOptions = Object.fromEntries(
    Object.entries(options).filter(([key]) => !QUERY_KEYS.has(key)),
  ) as TaskOptions;
  const fetch = options.fetch ?? 'all';
  return task(taskOptions, async (ctx): Promise<SqlRow[] | SqlRow | null> => {
    const conn = await ctx.connection(options.connId);
    const parameters =
      typeof options.parameters === 'function' ? options.parameters(ctx) : options.parameters;
    const result = await runSql(conn, options.sql, parameters ?? [], {
      what: `sqlQuery "${options.taskId}"`,
    });
    ctx.log.info(
      result.changes === null ? `${result.rows.length} row(s)` : `${result.changes} row(s) changed`,
    );
    if (fetch === 'none') return null;
    const rows = result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i]])));
    return fetch === 'first' ? (rows[0] ?? null) : rows;
  })();
}
