/**
 * `gale dags test` runs its run's DAG-level callback (onSuccess or onFailure) in the foreground,
 * in a process of its own as a DAG processor would, printing its lines and how it ended.
 */
import type { Kysely } from '#kysely';
import { runCallbackProcess } from '../dag-processing/index.js';
import { type DagRunRow, type Database, SerializedDagCache } from '../db/index.js';

export async function runTestRunCallback(
  db: Kysely<Database>,
  run: DagRunRow,
  timeoutMs: number,
): Promise<void> {
  if (run.state !== 'success' && run.state !== 'failed') return;
  const dag = await new SerializedDagCache().get(db, run.dag_id, run.dag_version_hash);
  const kind = run.state === 'success' ? 'on_success' : 'on_failure';
  if (!(run.state === 'success' ? dag.callbacks.onSuccess : dag.callbacks.onFailure)) return;
  const name = run.state === 'success' ? 'onSuccess' : 'onFailure';
  const error = await runCallbackProcess(
    {
      file: dag.fileloc,
      dagId: run.dag_id,
      runId: run.run_id,
      kind,
      reason: run.state === 'success' ? 'success' : 'task_failure',
      runState: run.state,
      logicalDate: run.logical_date,
      conf: JSON.parse(run.conf) as Record<string, unknown>,
    },
    timeoutMs,
    (level, message) => process.stdout.write(`[${name} ${level}] ${message}\n`),
  );
  process.stdout.write(
    error === null ? `The DAG's ${name} callback ran\n` : `The DAG's ${name} callback failed: ${error}\n`,
  );
}
