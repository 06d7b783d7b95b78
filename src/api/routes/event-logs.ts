/**
 * /api/v2/eventLogs: the audit log (the `log` table), as Airflow 3's public API: every change
 * made through the API or the CLI, with who made it. Admins only; newest first unless ordered.
 */

import type { Selectable } from '#kysely';
import { z } from '#zod';
import type { Database } from '../../db/index.js';
import { GaleError } from '../../models/index.js';
import type { RouteContext } from '../context.js';
import { onlyVisible } from '../dag-access.js';
import { dateQuery } from '../filters.js';
import { errorResponses, listParam, paginationQuery, parseOrderBy } from '../schemas.js';

const eventLogSchema = z.object({
  event_log_id: z.number().int(),
  when: z.string(),
  dag_id: z.string().nullable(),
  task_id: z.string().nullable(),
  run_id: z.string().nullable(),
  map_index: z.number().int().nullable(),
  try_number: z.number().int().nullable(),
  event: z.string(),
  logical_date: z.string().nullable(),
  owner: z.string().nullable(),
  extra: z.string().nullable().describe('details of the event, as JSON text'),
});

function eventLogResponse(row: Selectable<Database['log']>): z.infer<typeof eventLogSchema> {
  return {
    event_log_id: row.id,
    when: row.dttm,
    dag_id: row.dag_id,
    task_id: row.task_id,
    run_id: row.run_id,
    map_index: null,
    try_number: row.try_number,
    event: row.event,
    logical_date: null,
    owner: row.owner,
    extra: row.extra,
  };
}

const ORDER = ['id', 'when', 'event', 'dag_id', 'owner'] as const;
const ORDER_COLUMN = { id: 'id', when: 'dttm', event: 'event', dag_id: 'dag_id', owner: 'owner' } as const;

export function registerEventLogRoutes({ app, deps }: RouteContext): void {
  const { db } = deps.gdb;

  app.get(
    '/api/v2/eventLogs',
    {
      config: { role: 'Admin' },
      schema: {
        summary: 'The audit log: who changed what, and when (newest first)',
        tags: ['EventLog'],
        querystring: z.object({
          ...paginationQuery,
          order_by: z
            .string()
            .optional()
            .describe(`one of ${ORDER.join(', ')}; "-" first for descending (default -id)`),
          event: z.string().optional().describe('only this event'),
          included_events: listParam.describe('only these events'),
          excluded_events: listParam.describe('not these events'),
          dag_id: z.string().optional(),
          task_id: z.string().optional(),
          run_id: z.string().optional(),
          owner: z.string().optional().describe('only changes by this user ("cli:<os user>" for the CLI)'),
          before: dateQuery,
          after: dateQuery,
        }),
        response: {
          200: z.object({ event_logs: z.array(eventLogSchema), total_entries: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const order = q.order_by
        ? parseOrderBy(q.order_by, ORDER, 'id')
        : { field: 'id' as const, direction: 'desc' as const };
      // a no-op while the audit log is for Admins only (they see every DAG); kept should that change
      let base = db.selectFrom('log').where(await onlyVisible(request, db, 'dag_id'));
      if (q.event !== undefined) base = base.where('event', '=', q.event);
      if (q.included_events?.length) base = base.where('event', 'in', q.included_events);
      if (q.excluded_events?.length) base = base.where('event', 'not in', q.excluded_events);
      if (q.dag_id !== undefined) base = base.where('dag_id', '=', q.dag_id);
      if (q.task_id !== undefined) base = base.where('task_id', '=', q.task_id);
      if (q.run_id !== undefined) base = base.where('run_id', '=', q.run_id);
      if (q.owner !== undefined) base = base.where('owner', '=', q.owner);
      if (q.before) base = base.where('dttm', '<', q.before);
      if (q.after) base = base.where('dttm', '>', q.after);
      const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await base
        .selectAll()
        .orderBy(ORDER_COLUMN[order.field], order.direction)
        .orderBy('id', order.direction)
        .limit(q.limit)
        .offset(q.offset)
        .execute();
      return { event_logs: rows.map(eventLogResponse), total_entries: Number(total.n) };
    },
  );

  app.get(
    '/api/v2/eventLogs/:event_log_id',
    {
      config: { role: 'Admin' },
      schema: {
        summary: 'One entry of the audit log',
        tags: ['EventLog'],
        params: z.object({ event_log_id: z.coerce.number().int() }),
        response: { 200: eventLogSchema, ...errorResponses },
      },
    },
    async (request) => {
      const id = request.params.event_log_id;
      const row = await db.selectFrom('log').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) {
        throw new GaleError('GALE_ERR_NOT_FOUND', `No event log entry ${id}`, {
          hint: 'GET /api/v2/eventLogs lists them.',
        });
      }
      return eventLogResponse(row);
    },
  );
}
