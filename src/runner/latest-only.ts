/**
 * Airflow's latest-only rule: a scheduled run is the latest when no later scheduled run is due
 * yet. Manual runs always count as latest.
 */
import type { Kysely } from '#kysely';
import { type DagRunRow, type Database, SerializedDagCache } from '../db/index.js';
import { nextDagRunInfo } from '../models/index.js';

export async function isLatestRun(
  db: Kysely<Database>,
  run: DagRunRow,
  cache: SerializedDagCache = new SerializedDagCache(),
): Promise<boolean> {
  if (run.run_type === 'manual') return true;
  const serialized = await cache.get(db, run.dag_id, run.dag_version_hash);
  const next = nextDagRunInfo({
    schedule: serialized.schedule,
    startDate: serialized.startDate ? new Date(serialized.startDate) : null,
    endDate: serialized.endDate ? new Date(serialized.endDate) : null,
    catchup: true,
    timezone: serialized.timezone,
    lastRun: {
      logicalDate: new Date(run.logical_date),
      dataIntervalStart: new Date(run.data_interval_start),
      dataIntervalEnd: new Date(run.data_interval_end),
      runAfter: new Date(run.run_after),
    },
    now: new Date(),
  });
  return !next || next.runAfter.getTime() > Date.now();
}
