/**
 * Writes the tries the scheduler chose as queued, a chunk of task instances per statement instead
 * of one UPDATE each: a pass that queues a thousand tries would otherwise compile and run a
 * thousand statements in its transaction. Each try still gets its own token, and each row is
 * guarded as before (still scheduled, at the try number that was read), so a task instance that
 * changed meanwhile is left alone and reported as not queued. Must run in the queueing transaction.
 */
import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/index.js';

export interface TryToQueue {
  id: string;
  /** task_instance.try_number as read: the guard */
  tryNumber: number;
  /** resuming from a deferral: keeps its try number and its start (as Airflow) */
  isResuming: boolean;
  executor: string;
  token: string;
}

/** Rows per statement: four parameters each, well under SQLite's and PostgreSQL's limits. */
const CHUNK = 200;

/** Marks the tries queued; returns the ids of the task instances it changed. */
export async function markTriesQueued(
  tx: Transaction<Database>,
  tries: readonly TryToQueue[],
  now: string,
): Promise<Set<string>> {
  const groups = new Map<string, TryToQueue[]>();
  for (const t of tries) {
    const key = `${t.isResuming ? 1 : 0}\u0000${t.executor}`;
    const group = groups.get(key);
    if (group) group.push(t);
    else groups.set(key, [t]);
  }
  const queued = new Set<string>();
  for (const group of groups.values()) {
    const { isResuming, executor } = group[0]!;
    for (let i = 0; i < group.length; i += CHUNK) {
      const chunk = group.slice(i, i + CHUNK);
      const tokens = sql<string>`case ${sql.ref('id')} ${sql.join(
        chunk.map((t) => sql`when ${t.id} then ${t.token}`),
        sql` `,
      )} end`;
      const rows = await tx
        .updateTable('task_instance')
        .set((eb) => ({
          state: 'queued',
          // queueing numbers the try; a resuming try keeps its number
          try_number: isResuming ? eb.ref('try_number') : eb('try_number', '+', 1),
          queued_at: now,
          external_executor_id: tokens,
          executor,
          hostname: null,
          pid: null,
          ...(isResuming ? {} : { start_date: null }),
          end_date: null,
          duration: null,
          updated_at: now,
        }))
        .where(({ eb, refTuple, tuple }) =>
          eb(
            refTuple('id', 'try_number'),
            'in',
            chunk.map((t) => tuple(t.id, t.tryNumber)),
          ),
        )
        .where('state', '=', 'scheduled')
        .returning('id')
        .execute();
      for (const r of rows) queued.add(r.id);
    }
  }
  return queued;
}
