/** What tries left in a test's database: a task's output (its return_value xcom), its first try's error, a run's end. */
import { type GaleHome, runsOf, taskStates, waitFor } from './gale-home.js';

/** The task's output, parsed; undefined when it has none. */
export function outputOf(g: GaleHome, dagId: string, taskId: string): unknown {
  const row = g
    .db()
    .prepare("select value from xcom where dag_id = ? and task_id = ? and key = 'return_value'")
    .get(dagId, taskId) as { value: string } | undefined;
  return row ? JSON.parse(row.value) : undefined;
}

/** "<state>: <error>" of the task's (first) recorded try. */
export function tryErrorOf(g: GaleHome, dagId: string, taskId: string): string {
  const row = g
    .db()
    .prepare('select state, error from task_instance_try where dag_id = ? and task_id = ?')
    .get(dagId, taskId) as { state: string; error: string | null } | undefined;
  return `${row?.state}: ${row?.error}`;
}

/** Waits until the DAG's latest run is in `state`; on timeout shows its task states and `seen`. */
export function runEnds(
  g: GaleHome,
  dagId: string,
  state: string,
  options: { timeoutMs?: number; seen?: () => unknown } = {},
): Promise<true> {
  return waitFor(() => runsOf(g.db(), dagId)[0]?.state === state || undefined, {
    what: `the run of ${dagId} to be ${state}`,
    timeoutMs: options.timeoutMs ?? 120_000,
    seen: () => ({ states: taskStates(g.db(), dagId), seen: options.seen?.() }),
  });
}
