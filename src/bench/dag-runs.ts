/**
 * Waiting for DAG runs to end and reading their timings from the metadata database: the times
 * Gale recorded itself (a try's start is its claim, its end the recorded result), so the figures
 * do not depend on how often the benchmark looks.
 */
import type { Installation } from './installation.js';
import { pollUntil } from './poll.js';

export interface RunTiming {
  runId: string;
  state: string;
  startMs: number;
  endMs: number;
}

export interface TaskTiming {
  runId: string;
  taskId: string;
  startMs: number;
  endMs: number;
  /** when the task instance last became scheduled (a fired trigger sets it too) */
  scheduledMs: number;
}

const ENDED = ['success', 'failed'];

function ms(value: string | null): number {
  return value ? Date.parse(value) : Number.NaN;
}

/**
 * Waits until every run in `runIds` of `dagId` has ended, calling `onPoll` at each look; throws
 * naming the failed task instances when a run failed (a no-op task should never fail).
 */
export async function waitForRuns(
  gale: Installation,
  dagId: string,
  runIds: readonly string[],
  options: { timeoutMs: number; onPoll?: () => void },
): Promise<RunTiming[]> {
  const { db } = gale.db();
  let seen = '';
  const rows = await pollUntil(
    async () => {
      options.onPoll?.();
      gale.assertRunning();
      const runs = await db
        .selectFrom('dag_run')
        .select(['run_id', 'state', 'start_date', 'end_date'])
        .where('dag_id', '=', dagId)
        .where('run_id', 'in', [...runIds])
        .execute();
      const open = runs.filter((r) => !ENDED.includes(r.state));
      seen = `${runs.length - open.length} of ${runIds.length} runs ended`;
      return runs.length === runIds.length && open.length === 0 ? runs : null;
    },
    { timeoutMs: options.timeoutMs, what: `the runs of ${dagId} to end`, seen: () => seen, intervalMs: 100 },
  );
  const failed = rows.filter((r) => r.state !== 'success');
  if (failed.length > 0) {
    const tis = await db
      .selectFrom('task_instance')
      .select(['run_id', 'task_id', 'state'])
      .where('dag_id', '=', dagId)
      .where('run_id', 'in', [...runIds])
      .where('state', '!=', 'success')
      .limit(5)
      .execute();
    throw new Error(
      `bench: ${failed.length} run(s) of ${dagId} failed; for example ${tis.map((t) => `${t.task_id} (${t.state})`).join(', ')}; see the task logs under ${gale.home}/logs`,
    );
  }
  return rows.map((r) => ({
    runId: r.run_id,
    state: r.state,
    startMs: ms(r.start_date),
    endMs: ms(r.end_date),
  }));
}

/** The task instances of the runs, ordered by start. */
export async function taskTimings(
  gale: Installation,
  dagId: string,
  runIds: readonly string[],
): Promise<TaskTiming[]> {
  const rows = await gale
    .db()
    .db.selectFrom('task_instance')
    .select(['run_id', 'task_id', 'start_date', 'end_date', 'scheduled_at'])
    .where('dag_id', '=', dagId)
    .where('run_id', 'in', [...runIds])
    .orderBy('start_date')
    .execute();
  return rows.map((r) => ({
    runId: r.run_id,
    taskId: r.task_id,
    startMs: ms(r.start_date),
    endMs: ms(r.end_date),
    scheduledMs: ms(r.scheduled_at),
  }));
}

/** The span of a set of runs: from the first one's start to the last one's end. */
export function runSpan(runs: readonly RunTiming[]): { startMs: number; endMs: number; ms: number } {
  const startMs = Math.min(...runs.map((r) => r.startMs));
  const endMs = Math.max(...runs.map((r) => r.endMs));
  return { startMs, endMs, ms: endMs - startMs };
}
