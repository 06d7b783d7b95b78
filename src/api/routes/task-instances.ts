/**
 * /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances, as Airflow 3's public API: list (`~`
 * for every DAG or run) and get, and the shape every task instance route
 * answers with. Marking is in mark-task-instance.ts, clearing in clear-task-instances.ts, logs in
 * task-logs.ts, tries and rendered fields in task-instance-tries.ts. These routes only read.
 */

import type { Kysely } from '#kysely';
import { z } from '#zod';
import {
  type DagRunRow,
  type Database,
  requireDag,
  requireDagRun,
  requireTaskInstance,
  type TaskInstanceRow,
} from '../../db/index.js';
import { GaleError, type SerializedTask, TaskInstanceState } from '../../models/index.js';
import type { RouteContext } from '../context.js';
import { onlyVisible } from '../dag-access.js';
import { containsIgnoringCase, dateQuery } from '../filters.js';
import { errorResponses, listParam, paginationQuery, parseOrderBy } from '../schemas.js';

export const taskInstanceSchema = z.object({
  id: z.string(),
  task_id: z.string(),
  task_display_name: z.string(),
  dag_id: z.string(),
  dag_display_name: z.string(),
  dag_run_id: z.string(),
  map_index: z.number().int(),
  logical_date: z.string(),
  run_after: z.string(),
  start_date: z.string().nullable(),
  end_date: z.string().nullable(),
  duration: z.number().nullable(),
  state: z.string().nullable().describe('null while the task instance has no state yet ("none")'),
  try_number: z.number().int(),
  max_tries: z.number().int(),
  hostname: z.string().nullable(),
  pid: z.number().int().nullable(),
  pool: z.string(),
  pool_slots: z.number().int(),
  queue: z.string(),
  priority_weight: z.number().int(),
  operator: z.string(),
  queued_when: z.string().nullable(),
  scheduled_when: z.string().nullable(),
  executor: z.string().nullable(),
  note: z.null(),
});
export type TaskInstanceResponse = z.infer<typeof taskInstanceSchema>;

export const taskInstanceCollection = z.object({
  task_instances: z.array(taskInstanceSchema),
  total_entries: z.number().int(),
});

/** A task instance with the dates of its run. */
export type TaskInstanceWithRun = TaskInstanceRow & Pick<DagRunRow, 'logical_date' | 'run_after'>;

/** Airflow's API shows the state of a task instance that has none yet as null. */
export function apiState(state: TaskInstanceState): string | null {
  return state === 'none' ? null : state;
}

export function taskInstanceResponse(ti: TaskInstanceWithRun): TaskInstanceResponse {
  return {
    id: ti.id,
    task_id: ti.task_id,
    task_display_name: ti.task_id,
    dag_id: ti.dag_id,
    dag_display_name: ti.dag_id,
    dag_run_id: ti.run_id,
    map_index: ti.map_index,
    logical_date: ti.logical_date,
    run_after: ti.run_after,
    start_date: ti.start_date,
    end_date: ti.end_date,
    duration: ti.duration,
    state: apiState(ti.state),
    try_number: ti.try_number,
    max_tries: ti.max_tries,
    hostname: ti.hostname,
    pid: ti.pid,
    pool: ti.pool,
    pool_slots: ti.pool_slots,
    queue: ti.queue,
    priority_weight: ti.priority_weight,
    operator: ti.operator,
    queued_when: ti.queued_at,
    scheduled_when: ti.scheduled_at,
    executor: ti.executor,
    note: null,
  };
}

/** State filters as Airflow's: `no_status` (or `none`) for task instances without a state. */
export function parseStates(values: string[] | undefined): TaskInstanceState[] | undefined {
  if (!values?.length) return undefined;
  const known = Object.values(TaskInstanceState) as string[];
  return values.map((v) => {
    const state = v === 'no_status' || v === 'null' ? 'none' : v;
    if (!known.includes(state)) {
      throw new GaleError('GALE_ERR_INVALID_REQUEST', `"${v}" is not a task instance state`, {
        hint: `Use one of ${[...known.filter((s) => s !== 'none'), 'no_status'].join(', ')}.`,
      });
    }
    return state as TaskInstanceState;
  });
}

/** The task ids reachable from `start` following upstream or downstream edges, without `start`. */
export function relatives(
  tasks: readonly SerializedTask[],
  start: readonly string[],
  direction: 'upstream' | 'downstream',
): Set<string> {
  const edges = new Map<string, string[]>(tasks.map((t) => [t.taskId, []]));
  for (const t of tasks) {
    for (const u of t.upstream) {
      if (direction === 'downstream') edges.get(u)?.push(t.taskId);
      else edges.get(t.taskId)?.push(u);
    }
  }
  const seen = new Set<string>();
  const stack = start.flatMap((id) => edges.get(id) ?? []);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(edges.get(id) ?? []));
  }
  for (const id of start) seen.delete(id);
  return seen;
}

const ORDER = [
  'id',
  'state',
  'duration',
  'start_date',
  'end_date',
  'map_index',
  'try_number',
  'logical_date',
  'run_after',
  'data_interval_start',
  'data_interval_end',
  'operator',
  'task_id',
  'dag_id',
  'priority_weight',
  'pool',
] as const;
const ORDER_COLUMN = {
  id: 'ti.id',
  state: 'ti.state',
  duration: 'ti.duration',
  start_date: 'ti.start_date',
  end_date: 'ti.end_date',
  map_index: 'ti.map_index',
  try_number: 'ti.try_number',
  logical_date: 'dr.logical_date',
  run_after: 'dr.run_after',
  data_interval_start: 'dr.data_interval_start',
  data_interval_end: 'dr.data_interval_end',
  operator: 'ti.operator',
  task_id: 'ti.task_id',
  dag_id: 'ti.dag_id',
  priority_weight: 'ti.priority_weight',
  pool: 'ti.pool',
} as const satisfies Record<(typeof ORDER)[number], string>;

export const runParams = z.object({ dag_id: z.string(), dag_run_id: z.string() });
export const tiParams = runParams.extend({ task_id: z.string() });
export const mapIndexQuery = z.coerce
  .number()
  .int()
  .min(-1)
  .default(-1)
  .describe('the mapped task instance; -1 for an unmapped task');

/** A task instance with its run; 404 problems name what is missing. */
export async function loadTaskInstance(
  db: Kysely<Database>,
  key: { dagId: string; runId: string; taskId: string; mapIndex: number },
): Promise<{ run: DagRunRow; ti: TaskInstanceWithRun }> {
  const run = await requireDagRun(db, key.dagId, key.runId);
  const ti = await requireTaskInstance(db, key);
  return { run, ti: { ...ti, logical_date: run.logical_date, run_after: run.run_after } };
}

export function registerTaskInstanceRoutes({ app, deps }: RouteContext): void {
  const { db } = deps.gdb;

  app.get(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances',
    {
      schema: {
        summary: 'List task instances; "~" as dag_id or dag_run_id lists across DAGs or runs',
        tags: ['TaskInstance'],
        params: runParams,
        querystring: z.object({
          ...paginationQuery,
          order_by: z
            .string()
            .optional()
            .describe(`one of ${ORDER.join(', ')}; "-" first for descending (default map_index)`),
          state: listParam.describe('only these states; "no_status" for none yet'),
          task_id: z.string().optional().describe('only this task'),
          task_display_name_pattern: z.string().optional().describe('only tasks whose id contains this'),
          dag_id_pattern: z.string().optional().describe('only DAGs whose id contains this'),
          pool: listParam.describe('only task instances in these pools'),
          queue: listParam.describe('only task instances on these queues'),
          executor: listParam.describe('only task instances of these executors'),
          start_date_gte: dateQuery,
          start_date_lte: dateQuery,
          end_date_gte: dateQuery,
          end_date_lte: dateQuery,
          logical_date_gte: dateQuery,
          logical_date_lte: dateQuery,
        }),
        response: { 200: taskInstanceCollection, ...errorResponses },
      },
    },
    async (request) => {
      const { dag_id, dag_run_id } = request.params;
      const q = request.query;
      const order = parseOrderBy(q.order_by, ORDER, 'map_index');
      const states = parseStates(q.state);
      if (dag_id !== '~') await requireDag(db, dag_id);
      if (dag_id !== '~' && dag_run_id !== '~') await requireDagRun(db, dag_id, dag_run_id);
      // Filters on task_instance alone (its run's dates through EXISTS), so that the count needs no
      // join: with every DAG and run (`~`), counting the joined rows cost more than the page itself.
      let base = db.selectFrom('task_instance as ti').where(await onlyVisible(request, db, 'ti.dag_id'));
      if (dag_id !== '~') base = base.where('ti.dag_id', '=', dag_id);
      if (dag_run_id !== '~') base = base.where('ti.run_id', '=', dag_run_id);
      if (states) base = base.where('ti.state', 'in', states);
      if (q.task_id) base = base.where('ti.task_id', '=', q.task_id);
      if (q.task_display_name_pattern)
        base = base.where(containsIgnoringCase('ti.task_id', q.task_display_name_pattern));
      if (q.dag_id_pattern) base = base.where(containsIgnoringCase('ti.dag_id', q.dag_id_pattern));
      if (q.pool?.length) base = base.where('ti.pool', 'in', q.pool);
      if (q.queue?.length) base = base.where('ti.queue', 'in', q.queue);
      if (q.executor?.length) base = base.where('ti.executor', 'in', q.executor);
      if (q.start_date_gte) base = base.where('ti.start_date', '>=', q.start_date_gte);
      if (q.start_date_lte) base = base.where('ti.start_date', '<=', q.start_date_lte);
      if (q.end_date_gte) base = base.where('ti.end_date', '>=', q.end_date_gte);
      if (q.end_date_lte) base = base.where('ti.end_date', '<=', q.end_date_lte);
      const { logical_date_gte: after, logical_date_lte: before } = q;
      if (after || before) {
        base = base.where((eb) =>
          eb.exists(
            eb
              .selectFrom('dag_run as r')
              .select('r.id')
              .whereRef('r.dag_id', '=', 'ti.dag_id')
              .whereRef('r.run_id', '=', 'ti.run_id')
              .$if(Boolean(after), (qb) => qb.where('r.logical_date', '>=', after!))
              .$if(Boolean(before), (qb) => qb.where('r.logical_date', '<=', before!)),
          ),
        );
      }
      const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await base
        .innerJoin('dag_run as dr', (j) =>
          j.onRef('dr.dag_id', '=', 'ti.dag_id').onRef('dr.run_id', '=', 'ti.run_id'),
        )
        .selectAll('ti')
        .select(['dr.logical_date', 'dr.run_after'])
        .orderBy(ORDER_COLUMN[order.field], order.direction)
        .orderBy('ti.dag_id')
        .orderBy('dr.logical_date')
        .orderBy('ti.task_id')
        .orderBy('ti.map_index')
        .limit(q.limit)
        .offset(q.offset)
        .execute();
      return { task_instances: rows.map(taskInstanceResponse), total_entries: Number(total.n) };
    },
  );

  app.get(
    '/api/v2/dags/:dag_id/dagRuns/:dag_run_id/taskInstances/:task_id',
    {
      schema: {
        summary: 'Get a task instance',
        tags: ['TaskInstance'],
        params: tiParams,
        querystring: z.object({ map_index: mapIndexQuery }),
        response: { 200: taskInstanceSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { dag_id, dag_run_id, task_id } = request.params;
      const { ti } = await loadTaskInstance(db, {
        dagId: dag_id,
        runId: dag_run_id,
        taskId: task_id,
        mapIndex: request.query.map_index,
      });
      return taskInstanceResponse(ti);
    },
  );
}
