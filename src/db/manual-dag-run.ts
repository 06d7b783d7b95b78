/**
 * Manual DAG runs, as `gale dags trigger`, the API's trigger and a triggerDagRun task create them:
 * the conf is checked against the DAG's params, then the run is queued with its task instances in
 * one transaction. Here, not in the scheduler, so that task processes' channels (runner) and the
 * API can create runs too. Never starts a run: the scheduler does.
 */
import type { Kysely } from '#kysely';
import { type DagRunInfo, GaleError, isGaleError, manualRunInfo, resolveParams } from '../models/index.js';
import type { SerializedDagCache } from './dag-repository.js';
import { requireDag } from './dag-repository.js';
import { getDagRun, insertDagRun } from './dag-run-repository.js';
import type { DagRunRow, Database } from './schema.js';
import { clearTaskInstances } from './task-instance-repository.js';
import { iso } from './time.js';

export interface TriggerInput {
  dagId: string;
  conf?: Record<string, unknown>;
  logicalDate?: Date;
  runId?: string;
  now: Date;
}

/** A manual run, as `gale dags trigger`: queued now, started by the scheduler. */
export async function triggerDagRun(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  input: TriggerInput,
): Promise<DagRunRow> {
  if (
    input.conf !== undefined &&
    (typeof input.conf !== 'object' || input.conf === null || Array.isArray(input.conf))
  ) {
    throw new GaleError('GALE_ERR_CONF_INVALID', 'A run conf must be a JSON object', {
      hint: 'Pass --conf \'{"key": "value"}\'.',
    });
  }
  return db.transaction().execute(async (tx) => {
    const dag = await requireDag(tx, input.dagId);
    if (!dag.is_active) {
      throw new GaleError(
        'GALE_ERR_DAG_NOT_FOUND',
        `DAG "${input.dagId}" is inactive: its file no longer defines it`,
        {
          hint: 'Restore the DAG file, or delete the DAG with "gale dags delete".',
        },
      );
    }
    const serialized = await cache.get(tx, input.dagId, dag.latest_version_hash);
    // As Airflow: the conf is checked against the params' schemas before the run exists.
    resolveParams(serialized.params, serialized.paramSchemas, input.conf ?? {}, `DAG "${input.dagId}"`);
    const info: DagRunInfo = manualRunInfo(input.logicalDate ?? input.now);
    return insertDagRun(tx, {
      dag: serialized,
      versionHash: dag.latest_version_hash,
      info,
      runType: 'manual',
      runId: input.runId,
      conf: input.conf ?? {},
      now: input.now,
    });
  });
}

/** What to do when the run to trigger exists already (same run id or logical date). */
export type WhenRunExists = 'fail' | 'reset' | 'skip';

/** How a trigger ended: a new run, an existing run cleared to run again, or nothing (it existed). */
export type TriggerOutcome = 'created' | 'reset' | 'exists';

/**
 * A manual run for a triggerDagRun task (Airflow's TriggerDagRunOperator): as triggerDagRun, but
 * an existing run with the same run id or logical date is cleared ('reset', as reset_dag_run) or
 * left alone ('skip', as skip_when_already_exists) instead of failing.
 */
export async function triggerDagRunOnce(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  input: TriggerInput & { whenExists: WhenRunExists },
): Promise<{ run: DagRunRow; outcome: TriggerOutcome }> {
  try {
    return { run: await triggerDagRun(db, cache, input), outcome: 'created' };
  } catch (error) {
    if (input.whenExists === 'fail' || !isGaleError(error) || error.code !== 'GALE_ERR_RUN_EXISTS')
      throw error;
    const existing = await findClash(db, input);
    if (!existing) throw error;
    if (input.whenExists === 'skip') return { run: existing, outcome: 'exists' };
    const dag = await cache.get(db, existing.dag_id, existing.dag_version_hash);
    await clearTaskInstances(db, {
      dagId: existing.dag_id,
      runId: existing.run_id,
      retriesByTask: new Map(dag.tasks.map((t) => [t.taskId, t.retries])),
      now: input.now,
    });
    return { run: (await getDagRun(db, existing.dag_id, existing.run_id)) ?? existing, outcome: 'reset' };
  }
}

async function findClash(db: Kysely<Database>, input: TriggerInput): Promise<DagRunRow | undefined> {
  if (input.runId) {
    const byId = await getDagRun(db, input.dagId, input.runId);
    if (byId) return byId;
  }
  if (!input.logicalDate) return undefined;
  return db
    .selectFrom('dag_run')
    .selectAll()
    .where('dag_id', '=', input.dagId)
    .where('logical_date', '=', iso(input.logicalDate))
    .executeTakeFirst();
}
