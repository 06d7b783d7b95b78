/** Workers of the queue executor: registration, heartbeats with their running tries, listing. */
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Database, WorkerRow } from './schema.js';
import { iso } from './time.js';

export async function registerWorker(
  db: Kysely<Database>,
  input: { queues: string[]; concurrency: number; now: Date },
): Promise<number> {
  const row = await db
    .insertInto('worker')
    .values({
      hostname: hostname(),
      pid: process.pid,
      queues: JSON.stringify(input.queues),
      concurrency: input.concurrency,
      running: 0,
      state: 'running',
      start_date: iso(input.now),
      latest_heartbeat: iso(input.now),
      end_date: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function heartbeatWorker(
  db: Kysely<Database>,
  id: number,
  input: { running: number; now: Date },
): Promise<void> {
  await db
    .updateTable('worker')
    .set({ latest_heartbeat: iso(input.now), running: input.running })
    .where('id', '=', id)
    .execute();
}

export async function stopWorker(db: Kysely<Database>, id: number, now: Date): Promise<void> {
  await db
    .updateTable('worker')
    .set({ state: 'stopped', running: 0, end_date: iso(now) })
    .where('id', '=', id)
    .execute();
}

/** Workers that say they run; with `since`, only those that heartbeated since then. */
export async function listWorkers(
  db: Kysely<Database>,
  options: { since?: Date } = {},
): Promise<WorkerRow[]> {
  let query = db.selectFrom('worker').selectAll().where('state', '=', 'running');
  if (options.since) query = query.where('latest_heartbeat', '>=', iso(options.since));
  return query.orderBy('id').execute();
}
