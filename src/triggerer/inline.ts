/**
 * Triggers run in this process, one deferred task instance after another, for `gale dags test`,
 * which has no triggerer: as Airflow's dag.test() runs the triggers of its deferred tasks inline.
 * Records what each came to as the triggerer would (fired, timed out, failed).
 */
import type { Kysely } from '#kysely';
import { type Database, fireTriggers, type SerializedDagCache } from '../db/index.js';
import { deferralTimeoutError, failDeferredTry, triggerFailureError } from './deferral-failures.js';
import { createTrigger } from './registry.js';
import type { Clock } from './trigger.js';

type Waited = { kind: 'fired'; event: unknown } | { kind: 'timeout' } | { kind: 'failed'; error: unknown };

async function waitWithDeadline(
  run: (signal: AbortSignal) => Promise<unknown>,
  deadline: Date | null,
  clock: Clock,
): Promise<Waited> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Waited>((resolve) => {
    if (deadline)
      timer = setTimeout(
        () => resolve({ kind: 'timeout' }),
        Math.max(0, deadline.getTime() - clock.now().getTime()),
      );
  });
  try {
    return await Promise.race([
      run(controller.signal).then(
        (event): Waited => ({ kind: 'fired', event: event ?? null }),
        (error: unknown): Waited => ({ kind: 'failed', error }),
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
    controller.abort(new Error('done waiting'));
  }
}

function parsed(kwargs: unknown): unknown {
  if (typeof kwargs !== 'string') return kwargs;
  try {
    return JSON.parse(kwargs);
  } catch {
    return null;
  }
}

/** What a trigger run inline came to, for `dags test` to print. */
export interface InlineOutcome {
  taskId: string;
  /** null when it fired; else why the try failed */
  error: string | null;
}

/** A deferred task instance whose trigger is about to be waited for. */
export interface InlineWait {
  taskId: string;
  mapIndex: number;
  classpath: string;
  /** the trigger's kwargs, parsed */
  kwargs: unknown;
}

/** Runs the triggers of the run's deferred task instances, in turn; returns what each came to. */
export async function runDeferredInline(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  input: { dagId: string; runId: string; clock?: Clock; onWait?: (wait: InlineWait) => void },
): Promise<InlineOutcome[]> {
  const clock = input.clock ?? { now: () => new Date() };
  const deferred = await db
    .selectFrom('task_instance as ti')
    .innerJoin('trigger as t', 't.id', 'ti.trigger_id')
    .selectAll('ti')
    .select(['t.id as trigger_row_id', 't.classpath', 't.kwargs', 't.created_date'])
    .where('ti.dag_id', '=', input.dagId)
    .where('ti.run_id', '=', input.runId)
    .where('ti.state', '=', 'deferred')
    .execute();
  const outcomes: InlineOutcome[] = [];
  for (const row of deferred) {
    const { trigger_row_id, classpath, kwargs, created_date, ...ti } = row;
    let waited: Waited;
    try {
      const trigger = createTrigger({ classpath, kwargs, created_date }, clock, db);
      input.onWait?.({ taskId: ti.task_id, mapIndex: ti.map_index, classpath, kwargs: parsed(kwargs) });
      const deadline = ti.trigger_timeout ? new Date(ti.trigger_timeout) : null;
      waited = await waitWithDeadline((signal) => trigger.run(signal), deadline, clock);
    } catch (error) {
      waited = { kind: 'failed', error };
    }
    const now = clock.now();
    if (waited.kind === 'fired') {
      await fireTriggers(db, { fired: [{ triggerId: trigger_row_id, event: waited.event }], now });
      outcomes.push({ taskId: ti.task_id, error: null });
      continue;
    }
    const error =
      waited.kind === 'timeout' ? deferralTimeoutError(ti) : triggerFailureError(classpath, waited.error);
    await failDeferredTry(db, cache, { ti, error, now });
    outcomes.push({ taskId: ti.task_id, error });
  }
  return outcomes;
}
