/**
 * task_instance_try: every ended try, one row each. A successful try is no longer copied into
 * task_instance_history when it ends (as Airflow 3: a task instance's latest try lives in
 * task_instance); it is copied there only when its task instance is cleared or marked
 * (src/db/try-history.ts). So the ended tries are the history's rows, plus each task instance
 * whose latest try succeeded and has no history row yet.
 */
import { type Kysely, sql } from '#kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create view task_instance_try as
    select ti_id, dag_id, run_id, task_id, map_index, try_number, state, start_date, end_date,
      duration, hostname, pid, executor, error, recorded_at
    from task_instance_history
    union all
    select ti.id, ti.dag_id, ti.run_id, ti.task_id, ti.map_index, ti.try_number, ti.state,
      ti.start_date, ti.end_date, ti.duration, ti.hostname, ti.pid, ti.executor, null,
      coalesce(ti.end_date, ti.updated_at)
    from task_instance ti
    where ti.state = 'success' and ti.try_number > 0
      and not exists (select 1 from task_instance_history h
        where h.ti_id = ti.id and h.try_number = ti.try_number)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop view if exists task_instance_try`.execute(db);
}
