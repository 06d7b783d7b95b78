/**
 * Writes the tries the scheduler chose as queued, a chunk of task instances per statement instead
 * of one UPDATE each: a pass that queues a thousand tries would otherwise compile and run a
 * thousand statements in its transaction. Each try still gets its own token, and each row is
 * guarded as before (still scheduled, at the try number that was read), so a task instance that
 * changed meanwhile is left alone and reported as not queued. Must run in the queueing transaction.
 *
 * The chunk's rows are joined to the table from a VALUES list (id, try number, token): each row is
 * found by its primary key and takes its own token from its VALUES row. (A `case id when ...`
 * per row, or an `(id, try_number) in (...)` list, costs SQLite a walk of the whole list for every
 * scheduled row it looks at.) Both SQLite and PostgreSQL name a VALUES list's columns column1,
 * column2 ...; PostgreSQL types their parameters as text, so the try number is cast where it is
 * compared (not in the list: a cast there makes SQLite's planner join on the try number).
 */
import { sql, type Transaction } from '#kysely';
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

/** Rows per statement: three parameters each, well under SQLite's and PostgreSQL's limits. */
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
      const values = sql.join(chunk.map((t) => sql`(${t.id}, ${t.tryNumber}, ${t.token})`));
      // queueing numbers the try; a resuming try keeps its number and its start
      const tryNumber = isResuming ? sql`try_number` : sql`try_number + 1`;
      const startDate = isResuming ? sql`` : sql`, start_date = null`;
      const { rows } = await sql<{ id: string }>`
        update task_instance
        set state = 'queued', try_number = ${tryNumber}, queued_at = ${now},
          external_executor_id = v.column3, executor = ${executor}, hostname = null, pid = null,
          end_date = null, duration = null, updated_at = ${now}${startDate}
        from (values ${values}) as v
        where task_instance.id = v.column1 and task_instance.try_number = cast(v.column2 as integer)
          and task_instance.state = 'scheduled'
        returning task_instance.id`.execute(tx);
      for (const r of rows) queued.add(r.id);
    }
  }
  return queued;
}
