/**
 * ExternalTaskTrigger (as Airflow's WorkflowTrigger): fires when another DAG's task instances (or
 * its run) for one logical date are all in an allowed state, and fails when one is in a failed
 * state, reading the metadata database every poke interval. It needs the triggerer's database.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from '#kysely';
import { type Database, externalStates } from '../db/index.js';
import {
  type ExternalTaskTriggerEvent,
  type ExternalTaskTriggerKwargs,
  externalStatesVerdict,
  externalTaskTriggerKwargs,
  GaleError,
  TRIGGER_CLASSPATHS,
} from '../models/index.js';
import type { Trigger, TriggerType } from './trigger.js';

class ExternalTaskTrigger implements Trigger {
  constructor(
    readonly kwargs: ExternalTaskTriggerKwargs,
    readonly db: Kysely<Database>,
  ) {}

  async run(signal: AbortSignal): Promise<ExternalTaskTriggerEvent> {
    const k = this.kwargs;
    const expected = k.task_ids ?? ['*'];
    for (;;) {
      signal.throwIfAborted();
      const states = await externalStates(this.db, {
        dagId: k.external_dag_id,
        logicalDate: new Date(k.logical_date),
        taskIds: k.task_ids,
      });
      const verdict = externalStatesVerdict(states, expected, k.allowed_states, k.failed_states);
      const seen = Object.fromEntries([...states].map(([id, s]) => [id, s.join(',')]));
      if (verdict === 'done') return { externalDagId: k.external_dag_id, states: seen };
      if (verdict === 'failed') {
        throw new GaleError(
          'GALE_ERR_SENSOR_FAILED',
          `DAG "${k.external_dag_id}" for ${k.logical_date} reached a failed state: ${JSON.stringify(seen)}`,
          {
            hint: `The sensor waits for ${k.allowed_states.join(', ')} and fails on ${k.failed_states.join(', ')}.`,
          },
        );
      }
      // timers/promises clears its timer when the signal aborts
      await sleep(k.poke_interval_ms, undefined, { signal });
    }
  }
}

export const externalTaskTriggerType: TriggerType<ExternalTaskTriggerKwargs> = {
  classpath: TRIGGER_CLASSPATHS.externalTask,
  kwargs: externalTaskTriggerKwargs,
  create: (kwargs, context) => {
    if (!context.db) {
      throw new GaleError('GALE_ERR_TRIGGER_INVALID', 'ExternalTaskTrigger needs the metadata database', {
        hint: 'Run it in the triggerer (gale triggerer) or in gale dags test.',
      });
    }
    return new ExternalTaskTrigger(kwargs, context.db);
  },
};
