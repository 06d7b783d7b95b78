/**
 * Human-in-the-loop requests and their answers (hitl_detail, one per task instance): written when
 * a try defers on a HITLTrigger (deferTry, in its transaction), answered once from the CLI or API
 * (a guarded UPDATE, so two people answering at once cannot both win), read by the HITLTrigger.
 * Never changes a task instance's state: the trigger fires and the try resumes with the answer.
 */
import type { Kysely } from '#kysely';
import {
  checkHitlAnswer,
  type Deferral,
  GaleError,
  type HitlAnswer,
  type HitlRequest,
  hitlRequestSchema,
  hitlTriggerKwargs,
  type TaskInstanceState,
} from '../models/index.js';
import type { Database, HitlDetailRow } from './schema.js';
import { iso } from './time.js';

export interface HitlKey {
  dagId: string;
  runId: string;
  taskId: string;
  mapIndex: number;
}

export interface HitlResponse {
  chosenOptions: string[];
  paramsInput: Record<string, unknown>;
  /** null when the default outcome was applied at the timeout */
  respondedBy: string | null;
  respondedAt: string;
}

export interface HitlDetail extends HitlKey {
  tiId: string;
  tryNumber: number;
  request: HitlRequest;
  createdAt: string;
  timeoutAt: string | null;
  /** the task instance's state now: "deferred" while it waits */
  tiState: TaskInstanceState | null;
  response: HitlResponse | null;
}

const json = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

function toDetail(row: HitlDetailRow & { ti_state: TaskInstanceState | null }): HitlDetail {
  const request = hitlRequestSchema.parse({
    subject: row.subject,
    body: row.body,
    options: json(row.options),
    multiple: row.multiple === 1,
    params: json(row.params),
    defaults: json(row.defaults),
    assignees: json(row.assignees),
  });
  return {
    tiId: row.ti_id,
    dagId: row.dag_id,
    runId: row.run_id,
    taskId: row.task_id,
    mapIndex: row.map_index,
    tryNumber: row.try_number,
    request,
    createdAt: row.created_at,
    timeoutAt: row.timeout_at,
    tiState: row.ti_state,
    response:
      row.responded_at === null
        ? null
        : {
            chosenOptions: (json(row.chosen_options) as string[] | null) ?? [],
            paramsInput: (json(row.params_input) as Record<string, unknown> | null) ?? {},
            respondedBy: row.responded_by,
            respondedAt: row.responded_at,
          },
  };
}

/**
 * A try asks: its request is stored for its task instance, replacing the request (and answer) of
 * an earlier try, as a cleared or retried HITL task asks again.
 */
export async function upsertHitlDetail(
  db: Kysely<Database>,
  input: {
    ti: {
      id: string;
      dag_id: string;
      run_id: string;
      task_id: string;
      map_index: number;
      try_number: number;
    };
    request: HitlRequest;
    now: Date;
    timeoutAt: Date | null;
  },
): Promise<void> {
  const { ti, request } = input;
  const asked = {
    try_number: ti.try_number,
    subject: request.subject,
    body: request.body,
    options: JSON.stringify(request.options),
    multiple: request.multiple ? 1 : 0,
    params: JSON.stringify(request.params),
    defaults: request.defaults === null ? null : JSON.stringify(request.defaults),
    assignees: request.assignees === null ? null : JSON.stringify(request.assignees),
    created_at: iso(input.now),
    timeout_at: input.timeoutAt ? iso(input.timeoutAt) : null,
    chosen_options: null,
    params_input: null,
    responded_by: null,
    responded_at: null,
  };
  // a request left by a deleted run's task instance of the same key gives way
  await db
    .deleteFrom('hitl_detail')
    .where((eb) =>
      eb.and({ dag_id: ti.dag_id, run_id: ti.run_id, task_id: ti.task_id, map_index: ti.map_index }),
    )
    .where('ti_id', '!=', ti.id)
    .execute();
  await db
    .insertInto('hitl_detail')
    .values({
      ti_id: ti.id,
      dag_id: ti.dag_id,
      run_id: ti.run_id,
      task_id: ti.task_id,
      map_index: ti.map_index,
      ...asked,
    })
    .onConflict((oc) => oc.column('ti_id').doUpdateSet(asked))
    .execute();
}

/**
 * The request of a try deferring on a HITLTrigger, in deferTry's transaction. Kwargs that do not
 * parse are left alone here: the triggerer fails the trigger with GALE_ERR_TRIGGER_INVALID.
 */
export async function recordHitlRequest(
  tx: Kysely<Database>,
  input: { tiId: string; now: Date },
  deferral: Deferral,
): Promise<void> {
  const parsed = hitlTriggerKwargs.safeParse(deferral.trigger.kwargs);
  if (!parsed.success) return;
  const ti = await tx
    .selectFrom('task_instance')
    .select(['id', 'dag_id', 'run_id', 'task_id', 'map_index', 'try_number'])
    .where('id', '=', input.tiId)
    .executeTakeFirstOrThrow();
  const k = parsed.data;
  await upsertHitlDetail(tx, {
    ti,
    request: hitlRequestSchema.parse(k),
    now: input.now,
    timeoutAt: k.timeout_ms === null ? null : new Date(input.now.getTime() + k.timeout_ms),
  });
}

function selectDetails(db: Kysely<Database>) {
  return db
    .selectFrom('hitl_detail as h')
    .leftJoin('task_instance as ti', 'ti.id', 'h.ti_id')
    .selectAll('h')
    .select('ti.state as ti_state');
}

export async function getHitlDetail(db: Kysely<Database>, key: HitlKey): Promise<HitlDetail | null> {
  const row = await selectDetails(db)
    .where((eb) =>
      eb.and({
        'h.dag_id': key.dagId,
        'h.run_id': key.runId,
        'h.task_id': key.taskId,
        'h.map_index': key.mapIndex,
      }),
    )
    .executeTakeFirst();
  return row ? toDetail(row) : null;
}

export async function requireHitlDetail(db: Kysely<Database>, key: HitlKey): Promise<HitlDetail> {
  const detail = await getHitlDetail(db, key);
  if (detail) return detail;
  const mapped = key.mapIndex === -1 ? '' : ` (map index ${key.mapIndex})`;
  throw new GaleError(
    'GALE_ERR_HITL_NOT_FOUND',
    `Task "${key.taskId}"${mapped} of run "${key.runId}" of DAG "${key.dagId}" has no human-in-the-loop request`,
    { hint: 'List the requests with "gale hitl list" (or GET /api/v2/hitlDetails).' },
  );
}

export interface HitlFilter {
  dagId?: string;
  runId?: string;
  taskId?: string;
  /** true: only the unanswered ones whose task still waits; false: only the answered ones */
  pending?: boolean;
  /** only these DAGs (the caller's visible ones); null or absent: every DAG */
  dagIds?: ReadonlySet<string> | null;
  limit: number;
  offset: number;
}

/** Requests, newest first, with their count before the page. */
export async function listHitlDetails(
  db: Kysely<Database>,
  filter: HitlFilter,
): Promise<{ details: HitlDetail[]; total: number }> {
  let query = selectDetails(db);
  if (filter.dagId) query = query.where('h.dag_id', '=', filter.dagId);
  if (filter.runId) query = query.where('h.run_id', '=', filter.runId);
  if (filter.taskId) query = query.where('h.task_id', '=', filter.taskId);
  if (filter.dagIds) {
    if (filter.dagIds.size === 0) return { details: [], total: 0 };
    query = query.where('h.dag_id', 'in', [...filter.dagIds]);
  }
  if (filter.pending === true)
    query = query.where('h.responded_at', 'is', null).where('ti.state', '=', 'deferred');
  if (filter.pending === false) query = query.where('h.responded_at', 'is not', null);
  const count = await query
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await query
    .orderBy('h.created_at', 'desc')
    .orderBy('h.ti_id')
    .limit(filter.limit)
    .offset(filter.offset)
    .execute();
  return { details: rows.map(toDetail), total: Number(count.n) };
}

/** Who answers: their username, and whether they may answer any request (Admin, the local CLI). */
export interface HitlResponder {
  username: string;
  mayAnswerAny: boolean;
}

/**
 * Records an answer, once: checked against the request (options, params' schemas), the task
 * instance must still wait (deferred), and a request with assignees takes answers only from
 * them (or from one who may answer any). The HITLTrigger sees it at its next look.
 */
export async function respondToHitl(
  db: Kysely<Database>,
  input: { key: HitlKey; answer: HitlAnswer; responder: HitlResponder; now: Date },
): Promise<HitlDetail> {
  const detail = await requireHitlDetail(db, input.key);
  const where = `Task "${detail.taskId}" of run "${detail.runId}"`;
  if (detail.response !== null) {
    throw new GaleError(
      'GALE_ERR_HITL_ALREADY_RESPONDED',
      `${where} was already answered by ${detail.response.respondedBy ?? 'its default outcome'} at ${detail.response.respondedAt}`,
      { hint: 'Clear the task instance to ask again.' },
    );
  }
  if (detail.tiState !== 'deferred') {
    throw new GaleError(
      'GALE_ERR_HITL_ALREADY_RESPONDED',
      `${where} no longer waits for an answer (${detail.tiState ?? 'gone'})`,
      {
        hint: 'Clear the task instance to ask again.',
      },
    );
  }
  const assignees = detail.request.assignees;
  if (assignees && !input.responder.mayAnswerAny && !assignees.includes(input.responder.username)) {
    throw new GaleError(
      'GALE_ERR_HITL_NOT_ASSIGNEE',
      `${input.responder.username} is not an assignee of ${where}`,
      {
        hint: `Only ${assignees.join(', ')} (or an Admin) may answer it.`,
      },
    );
  }
  const answer = checkHitlAnswer(detail.request, input.answer);
  await recordAnswer(db, detail, { ...answer, respondedBy: input.responder.username }, input.now);
  return requireHitlDetail(db, input.key);
}

/** Stores an answer unless one is there already (guarded): false when another answer won. */
export async function recordAnswer(
  db: Kysely<Database>,
  detail: Pick<HitlDetail, 'tiId' | 'taskId' | 'runId' | 'tryNumber'>,
  answer: { chosenOptions: string[]; paramsInput: Record<string, unknown>; respondedBy: string | null },
  now: Date,
  options: { throwIfTaken: boolean } = { throwIfTaken: true },
): Promise<boolean> {
  const result = await db
    .updateTable('hitl_detail')
    .set({
      chosen_options: JSON.stringify(answer.chosenOptions),
      params_input: JSON.stringify(answer.paramsInput),
      responded_by: answer.respondedBy,
      responded_at: iso(now),
    })
    .where('ti_id', '=', detail.tiId)
    .where('try_number', '=', detail.tryNumber)
    .where('responded_at', 'is', null)
    .executeTakeFirst();
  const won = Number(result.numUpdatedRows) === 1;
  if (!won && options.throwIfTaken) {
    throw new GaleError(
      'GALE_ERR_HITL_ALREADY_RESPONDED',
      `Task "${detail.taskId}" of run "${detail.runId}" was answered by someone else meanwhile`,
      { hint: 'Read it again (gale hitl list) to see the answer.' },
    );
  }
  return won;
}

/** A request as the API and `gale hitl list -o json` show it (snake_case, as Airflow's HITLDetail). */
export function hitlDetailJson(d: HitlDetail) {
  return {
    dag_id: d.dagId,
    dag_run_id: d.runId,
    task_id: d.taskId,
    map_index: d.mapIndex,
    try_number: d.tryNumber,
    ti_state: d.tiState,
    subject: d.request.subject,
    body: d.request.body,
    options: d.request.options,
    multiple: d.request.multiple,
    params: d.request.params,
    defaults: d.request.defaults,
    assignees: d.request.assignees,
    created_at: d.createdAt,
    timeout_at: d.timeoutAt,
    response_received: d.response !== null,
    chosen_options: d.response?.chosenOptions ?? null,
    params_input: d.response?.paramsInput ?? null,
    responded_by: d.response?.respondedBy ?? null,
    responded_at: d.response?.respondedAt ?? null,
  };
}
export type HitlDetailJson = ReturnType<typeof hitlDetailJson>;
