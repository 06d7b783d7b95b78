/** Jobs: the running services (scheduler, DAG processor, triggerer) and their heartbeats. */
import { hostname } from 'node:os';
import type { Kysely } from '#kysely';
import type { Database, JobRow } from './schema.js';
import { iso } from './time.js';

export type JobType = 'scheduler' | 'dag_processor' | 'triggerer';

export async function startJob(db: Kysely<Database>, jobType: JobType, now: Date): Promise<number> {
  const row = await db
    .insertInto('job')
    .values({
      job_type: jobType,
      state: 'running',
      hostname: hostname(),
      pid: process.pid,
      start_date: iso(now),
      latest_heartbeat: iso(now),
      end_date: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function heartbeatJob(db: Kysely<Database>, id: number, now: Date): Promise<void> {
  await db
    .updateTable('job')
    .set({ latest_heartbeat: iso(now) })
    .where('id', '=', id)
    .execute();
}

export async function endJob(db: Kysely<Database>, id: number, now: Date): Promise<void> {
  await db
    .updateTable('job')
    .set({ state: 'success', end_date: iso(now) })
    .where('id', '=', id)
    .execute();
}

export async function listRunningJobs(db: Kysely<Database>): Promise<JobRow[]> {
  return db.selectFrom('job').selectAll().where('state', '=', 'running').orderBy('id').execute();
}

/** Ids of the running jobs of a type that heartbeated since `since` (the live triggerers). */
export async function liveJobIds(db: Kysely<Database>, jobType: JobType, since: Date): Promise<number[]> {
  const rows = await db
    .selectFrom('job')
    .select('id')
    .where('job_type', '=', jobType)
    .where('state', '=', 'running')
    .where('latest_heartbeat', '>=', iso(since))
    .execute();
  return rows.map((r) => r.id);
}

/** Hostnames of the running jobs of a type that heartbeated since `since` (the live schedulers). */
export async function liveJobHostnames(
  db: Kysely<Database>,
  jobType: JobType,
  since: Date,
): Promise<string[]> {
  const rows = await db
    .selectFrom('job')
    .select('hostname')
    .distinct()
    .where('job_type', '=', jobType)
    .where('state', '=', 'running')
    .where('latest_heartbeat', '>=', iso(since))
    .execute();
  return rows.map((r) => r.hostname);
}
