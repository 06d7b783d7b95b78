/**
 * Human-in-the-loop requests (Airflow 3.1's /api/v2/hitlDetails): list them, read one, and
 * answer one with PATCH, recorded with the authenticated user (and in the audit log, as every
 * PATCH). Viewers read; Users, Ops and Admins answer; a request with assignees takes answers only
 * from them or an Admin. The checks live in db/hitl-repository.ts, shared with `gale hitl respond`.
 */
import { z } from '#zod';
import { hitlDetailJson, listHitlDetails, requireHitlDetail, respondToHitl } from '../../db/index.js';
import type { RouteContext } from '../context.js';
import { visibleDags } from '../dag-access.js';
import { errorResponses, paginationQuery } from '../schemas.js';

const hitlParamJson = z.object({ value: z.unknown(), schema: z.record(z.string(), z.unknown()) });

const hitlDetailSchema = z.object({
  dag_id: z.string(),
  dag_run_id: z.string(),
  task_id: z.string(),
  map_index: z.number().int(),
  try_number: z.number().int(),
  ti_state: z.string().nullable().describe('the task instance state: "deferred" while it waits'),
  subject: z.string(),
  body: z.string().nullable(),
  options: z.array(z.string()),
  multiple: z.boolean(),
  params: z.record(z.string(), hitlParamJson).describe('the form: each param its default and JSON Schema'),
  defaults: z.array(z.string()).nullable().describe('the options chosen at the timeout'),
  assignees: z.array(z.string()).nullable().describe('who may answer; null for any User'),
  created_at: z.string(),
  timeout_at: z.string().nullable(),
  response_received: z.boolean(),
  chosen_options: z.array(z.string()).nullable(),
  params_input: z.record(z.string(), z.unknown()).nullable(),
  responded_by: z
    .string()
    .nullable()
    .describe('null when unanswered, or when the default outcome was applied'),
  responded_at: z.string().nullable(),
});

const keyParams = z.object({
  dag_id: z.string(),
  dag_run_id: z.string(),
  task_id: z.string(),
  map_index: z.coerce.number().int().min(-1).default(-1),
});

const respondBody = z
  .object({
    chosen_options: z
      .array(z.string())
      .default([])
      .describe('may be empty when the request offers one option'),
    params_input: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const PATHS = [
  '/api/v2/hitlDetails/:dag_id/:dag_run_id/:task_id',
  '/api/v2/hitlDetails/:dag_id/:dag_run_id/:task_id/:map_index',
];

export function registerHitlDetailRoutes({ app, deps }: RouteContext): void {
  const { db } = deps.gdb;

  app.get(
    '/api/v2/hitlDetails',
    {
      schema: {
        summary: 'List human-in-the-loop requests, newest first',
        tags: ['HITL'],
        querystring: z.object({
          ...paginationQuery,
          dag_id: z.string().optional().describe('only this DAG'),
          dag_run_id: z.string().optional().describe('only this run'),
          task_id: z.string().optional().describe('only this task'),
          response_received: z
            .enum(['true', 'false'])
            .optional()
            .describe('false: only those that wait for an answer; true: only answered ones'),
        }),
        response: {
          200: z.object({ hitl_details: z.array(hitlDetailSchema), total_entries: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const visible = await visibleDags(request, db);
      const { details, total } = await listHitlDetails(db, {
        dagId: q.dag_id,
        runId: q.dag_run_id,
        taskId: q.task_id,
        pending: q.response_received === undefined ? undefined : q.response_received === 'false',
        dagIds: visible?.dagIds ?? null,
        limit: q.limit,
        offset: q.offset,
      });
      return { hitl_details: details.map(hitlDetailJson), total_entries: total };
    },
  );

  for (const path of PATHS) {
    app.get(
      path,
      {
        schema: {
          summary: "Get a task instance's human-in-the-loop request and its answer",
          tags: ['HITL'],
          params: keyParams,
          response: { 200: hitlDetailSchema, ...errorResponses },
        },
      },
      async (request) => {
        const p = request.params;
        const key = { dagId: p.dag_id, runId: p.dag_run_id, taskId: p.task_id, mapIndex: p.map_index };
        return hitlDetailJson(await requireHitlDetail(db, key));
      },
    );

    app.patch(
      path,
      {
        config: { role: 'User' },
        schema: {
          summary: 'Answer a human-in-the-loop request; the waiting task resumes with the answer',
          tags: ['HITL'],
          params: keyParams,
          body: respondBody,
          response: { 200: hitlDetailSchema, ...errorResponses, 409: errorResponses[404] },
        },
      },
      async (request) => {
        const p = request.params;
        const caller = request.caller;
        const detail = await respondToHitl(db, {
          key: { dagId: p.dag_id, runId: p.dag_run_id, taskId: p.task_id, mapIndex: p.map_index },
          answer: { chosenOptions: request.body.chosen_options, paramsInput: request.body.params_input },
          responder: { username: caller?.username ?? 'unknown', mayAnswerAny: caller?.role === 'Admin' },
          now: new Date(),
        });
        return hitlDetailJson(detail);
      },
    );
  }
}
