/**
 * Claims and successful ends of many tries in a few statements, for the scheduler's batched try
 * writer (src/runner/batched-try-writer.ts): the warm processes of a pool, or the benchmark's
 * instant executor, report hundreds of tries at once, and one UPDATE per try (plus its reads)
 * costs more than everything else the scheduler does for it.
 *
 * Only the common case is written here: a first run of a try (no deferral to resume) claimed
 * with its token, and a success with no skipped tasks and no asset events. Each row keeps the
 * guards of the one-try functions in task-instance-repository.ts (state, try number, and the
 * claim's token), so a try that changed meanwhile is left alone. Whatever is not in the returned map
 * was not written, and the caller records it with the one-try function, which then decides it
 * (a repeated claim, a resumed try, a try already ended): the answers are the same either way,
 * but for the DAG run a bulk claim brings along (ClaimedTry.run, optional).
 * Must run inside the caller's transaction.
 */
import { type Kysely, type RawBuilder, sql, type Transaction } from '#kysely';
import { isPostgres } from './dialect.js';
import type { DagRunRow, Database, TaskInstanceRow } from './schema.js';
import type { ClaimedTry, TryKey } from './task-instance-repository.js';
import { iso } from './time.js';

type Tx = Transaction<Database> | Kysely<Database>;

/** Rows per statement: at most five parameters each, well under SQLite's and PostgreSQL's limits. */
const CHUNK = 200;

interface ClaimedRow {
  id: string;
  dag_id: string;
  run_id: string;
  task_id: string;
  map_index: number;
  max_tries: number;
}

export interface BulkClaim extends TryKey {
  token: string;
  hostname: string;
  pid: number;
}

/** What a bulk success returns of each try it ended, for its return value. */
type EndedRow = Pick<TaskInstanceRow, 'id' | 'dag_id' | 'run_id' | 'task_id' | 'map_index'>;

export interface BulkSuccess extends TryKey {
  /** the return value as JSON; stored as the try's return_value XCom */
  outputJson: string | undefined;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * A chunk's rows as a VALUES list (one row each), to join the table to by primary key: each row
 * finds its task instance through the index and takes its own values from its VALUES row. (A
 * `case id when ...` per row, or an `(id, ...) in (...)` list, costs SQLite a walk of the whole
 * list for every row it looks at.) Both dialects name the columns column1, column2 ...
 * PostgreSQL types the parameters as text: the statements cast the other columns where they use
 * them, not in the list, as a cast in the list makes SQLite's planner join on the wrong column.
 */
function valuesOf<T>(rows: readonly T[], row: (r: T) => RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`(values ${sql.join(rows.map(row))})`;
}

/** The DAG runs of the claimed tries (usually one per chunk), by dag_id NUL run_id. */
async function runsOf(tx: Tx, rows: readonly ClaimedRow[]): Promise<Map<string, DagRunRow>> {
  const keys = new Map(rows.map((r) => [`${r.dag_id}\u0000${r.run_id}`, r]));
  const found = await tx
    .selectFrom('dag_run')
    .selectAll()
    .where(({ eb, or, and }) =>
      or([...keys.values()].map((r) => and([eb('dag_id', '=', r.dag_id), eb('run_id', '=', r.run_id)]))),
    )
    .execute();
  return new Map(found.map((run) => [`${run.dag_id}\u0000${run.run_id}`, run]));
}

/**
 * queued -> running for each claim whose task instance is queued at that try number with that
 * token and resumes no deferral; the outputs of an earlier try are cleared. Returns what each
 * claimed try gets, by task instance id, with its DAG run (read in the same transaction).
 */
export async function claimTriesInBulk(
  tx: Tx,
  claims: readonly BulkClaim[],
  now: Date,
): Promise<Map<string, ClaimedTry>> {
  const at = iso(now);
  const claimed = new Map<string, ClaimedTry>();
  for (const chunk of chunks(claims)) {
    const values = valuesOf(
      chunk,
      (c) => sql`(${c.tiId}, ${c.tryNumber}, ${c.token}, ${c.hostname}, ${c.pid})`,
    );
    const { rows } = await sql<ClaimedRow>`
      update task_instance
      set state = 'running', hostname = v.column4, pid = cast(v.column5 as integer),
        start_date = ${at}, end_date = null, duration = null, last_heartbeat_at = ${at},
        updated_at = ${at}
      from ${values} as v
      where task_instance.id = v.column1 and task_instance.try_number = cast(v.column2 as integer)
        and task_instance.external_executor_id = v.column3
        and task_instance.state = 'queued' and task_instance.next_method is null
      returning task_instance.id, task_instance.dag_id, task_instance.run_id, task_instance.task_id,
        task_instance.map_index, task_instance.max_tries`.execute(tx);
    if (rows.length === 0) continue;
    await tx
      .deleteFrom('xcom')
      .where(({ eb, refTuple, tuple }) =>
        eb(
          refTuple('dag_id', 'run_id', 'task_id', 'map_index'),
          'in',
          rows.map((r) => tuple(r.dag_id, r.run_id, r.task_id, r.map_index)),
        ),
      )
      .execute();
    const runs = await runsOf(tx, rows);
    for (const r of rows) {
      const run = runs.get(`${r.dag_id}\u0000${r.run_id}`);
      claimed.set(r.id, { maxTries: r.max_tries, startDate: at, resume: null, ...(run ? { run } : {}) });
    }
  }
  return claimed;
}

/**
 * running -> success for each try still running at that try number, and its return value stored:
 * one UPDATE per chunk (as finishTry's guards, but with no read before the write, so no token to
 * compare it with). As finishTry, no history row: a successful try stays in its task instance's row
 * (try-history.ts). Returns the ids of the task instances it ended.
 */
export async function recordSuccessesInBulk(
  tx: Tx,
  successes: readonly BulkSuccess[],
  now: Date,
): Promise<Set<string>> {
  const at = iso(now);
  const ended = new Set<string>();
  // the try's duration from its start, in SQL: the row is not read before it is written
  const duration = isPostgres(tx)
    ? sql`round(cast(extract(epoch from (cast(${at} as timestamptz) - cast(task_instance.start_date as timestamptz))) as numeric), 3)`
    : sql`round((julianday(${at}) - julianday(task_instance.start_date)) * 86400.0, 3)`;
  for (const chunk of chunks(successes)) {
    const wanted = new Map(chunk.map((s) => [s.tiId, s]));
    const values = valuesOf(chunk, (s) => sql`(${s.tiId}, ${s.tryNumber})`);
    const { rows: mine } = await sql<EndedRow>`
      update task_instance
      set state = 'success', end_date = ${at}, duration = ${duration},
        next_retry_at = null, updated_at = ${at}, trigger_id = null, trigger_timeout = null,
        next_method = null, next_kwargs = null
      from ${values} as v
      where task_instance.id = v.column1 and task_instance.try_number = cast(v.column2 as integer)
        and task_instance.state = 'running'
      returning task_instance.id, task_instance.dag_id, task_instance.run_id, task_instance.task_id,
        task_instance.map_index`.execute(tx);
    const outputs = mine.flatMap((r) => {
      const json = wanted.get(r.id)?.outputJson;
      return json === undefined
        ? []
        : [
            {
              dag_id: r.dag_id,
              run_id: r.run_id,
              task_id: r.task_id,
              map_index: r.map_index,
              key: 'return_value',
              value: json,
              created_at: at,
            },
          ];
    });
    if (outputs.length > 0) {
      await tx
        .insertInto('xcom')
        .values(outputs)
        .onConflict((oc) =>
          oc.columns(['dag_id', 'run_id', 'task_id', 'map_index', 'key']).doUpdateSet((eb) => ({
            value: eb.ref('excluded.value'),
            created_at: eb.ref('excluded.created_at'),
          })),
        )
        .execute();
    }
    for (const r of mine) ended.add(r.id);
  }
  return ended;
}
