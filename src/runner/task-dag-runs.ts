/**
 * ctx.triggerDagRun() and ctx.dagRunState(): what a try asks of other DAGs' runs, through its
 * channel (the database, or the task execution API). The run is created where the channel ends,
 * never in the task process.
 */
import type { Kysely } from '#kysely';
import { type Database, type SerializedDagCache, triggerDagRunOnce } from '../db/index.js';
import { GaleError } from '../models/index.js';
import type { TriggerDagRunRequest, TriggeredDagRun } from '../sdk/index.js';
import type { DagRunAccessors } from './task-context.js';
import type { TryLogger } from './task-log.js';
import type { TryChannel, TryRef } from './try-channel.js';

export function dagRunAccessors(channel: TryChannel, t: TryRef, log: TryLogger): DagRunAccessors {
  return {
    async triggerDagRun(request) {
      const run = await channel.triggerDagRun(t, request);
      const what = { created: 'Triggered', reset: 'Cleared the existing', exists: 'Found the existing' }[
        run.outcome
      ];
      log.info(`${what} run ${run.runId} of DAG "${request.dagId}" (logical date ${run.logicalDate})`);
      return run;
    },
    dagRunState: (dagId, runId) => channel.dagRunState(t, dagId, runId),
  };
}

/**
 * Creates (or clears, or finds) the run a triggerDagRun task asks for: where a channel ends, the
 * direct channel in the task process, the task execution API in the API server.
 */
export async function triggerForTask(
  db: Kysely<Database>,
  cache: SerializedDagCache,
  request: TriggerDagRunRequest,
  now: Date,
): Promise<TriggeredDagRun> {
  const logicalDate = request.logicalDate === undefined ? undefined : new Date(request.logicalDate);
  if (logicalDate && Number.isNaN(logicalDate.getTime())) {
    throw new GaleError('GALE_ERR_CONF_INVALID', `logicalDate "${request.logicalDate}" is not a date`, {
      hint: 'Give an ISO 8601 date-time such as 2026-01-02T00:00:00Z.',
    });
  }
  const { run, outcome } = await triggerDagRunOnce(db, cache, {
    dagId: request.dagId,
    conf: request.conf,
    logicalDate,
    runId: request.runId,
    whenExists: request.whenExists,
    now,
  });
  return { runId: run.run_id, logicalDate: run.logical_date, state: run.state, outcome };
}
