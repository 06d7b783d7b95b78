/**
 * A try's successful end, in one transaction: the task instance to success (once, guarded by
 * finishTry), the tasks its flow skips (branch, short-circuit, latest-only) to skipped, and its
 * return value stored. Shared by the direct path of task processes and the task execution API.
 */
import type { Kysely } from '#kysely';
import type { OutletEvent } from '../models/index.js';
import { recordAssetEvents } from './asset-repository.js';
import { inTransaction } from './dialect.js';
import type { Database } from './schema.js';
import { finishTry, type TryKey } from './task-instance-repository.js';
import { iso } from './time.js';
import { setXcom } from './xcom-repository.js';

export interface TrySuccess extends TryKey {
  dagId: string;
  runId: string;
  taskId: string;
  mapIndex: number;
  skip: string[];
  outputJson: string | undefined;
  /** one event per outlet asset of the task, recorded with the success (Airflow's outlet events) */
  assetEvents?: readonly OutletEvent[];
  now: Date;
}

/** Returns false when the try had already ended (then nothing is written). */
export async function recordTrySuccess(db: Kysely<Database>, input: TrySuccess): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const finished = await finishTry(tx, {
      tiId: input.tiId,
      tryNumber: input.tryNumber,
      outcome: { state: 'success' },
      now: input.now,
    });
    if (!finished) return false;
    if (input.assetEvents && input.assetEvents.length > 0) {
      const { dagId, taskId, runId, mapIndex } = input;
      await recordAssetEvents(tx, {
        events: input.assetEvents,
        source: { dagId, taskId, runId, mapIndex },
        now: input.now,
      });
    }
    if (input.skip.length > 0) {
      // As Airflow's branch operators: the downstream tasks not chosen are skipped.
      await tx
        .updateTable('task_instance')
        .set({ state: 'skipped', end_date: iso(input.now), updated_at: iso(input.now) })
        .where('dag_id', '=', input.dagId)
        .where('run_id', '=', input.runId)
        .where('task_id', 'in', input.skip)
        .where('state', 'in', ['none', 'scheduled'])
        .execute();
    }
    if (input.outputJson !== undefined) {
      await setXcom(
        tx,
        {
          dagId: input.dagId,
          runId: input.runId,
          taskId: input.taskId,
          mapIndex: input.mapIndex,
          key: 'return_value',
        },
        input.outputJson,
        input.now,
      );
    }
    return true;
  });
}
