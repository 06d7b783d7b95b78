/** /api/v2/importErrors: DAG files that failed to load, as Airflow 3's public API. */
import { z } from '#zod';
import type { ImportErrorRow } from '../../db/index.js';
import { GaleError } from '../../models/index.js';
import type { RouteContext } from '../context.js';
import { onlyVisible } from '../dag-access.js';
import { containsIgnoringCase } from '../filters.js';
import { errorResponses, paginationQuery, parseOrderBy } from '../schemas.js';

const importErrorSchema = z.object({
  import_error_id: z.number().int(),
  timestamp: z.string(),
  filename: z.string(),
  stack_trace: z.string().describe('what went wrong, with the stack where there is one'),
});

function importErrorResponse(row: ImportErrorRow): z.infer<typeof importErrorSchema> {
  return {
    import_error_id: row.id,
    timestamp: row.timestamp,
    filename: row.filename,
    // a JavaScript stack starts with its message; other errors store the message alone
    stack_trace: row.stacktrace.includes(row.message) ? row.stacktrace : `${row.message}\n${row.stacktrace}`,
  };
}

const ORDER = ['id', 'timestamp', 'filename'] as const;

export function registerImportErrorRoutes({ app, deps }: RouteContext): void {
  const { db } = deps.gdb;

  app.get(
    '/api/v2/importErrors',
    {
      schema: {
        summary: 'List the DAG files that failed to load, and why',
        tags: ['ImportError'],
        querystring: z.object({
          ...paginationQuery,
          order_by: z
            .string()
            .optional()
            .describe(`one of ${ORDER.join(', ')}; "-" first for descending`),
          filename_pattern: z.string().optional().describe('only files whose path contains this'),
        }),
        response: {
          200: z.object({ import_errors: z.array(importErrorSchema), total_entries: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const order = parseOrderBy(q.order_by, ORDER, 'id');
      // as Airflow 3: a user limited to some DAGs sees the errors of their files only
      let base = db.selectFrom('import_error').where(await onlyVisible(request, db, 'filename', 'filelocs'));
      if (q.filename_pattern) base = base.where(containsIgnoringCase('filename', q.filename_pattern));
      const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await base
        .selectAll()
        .orderBy(order.field, order.direction)
        .orderBy('id')
        .limit(q.limit)
        .offset(q.offset)
        .execute();
      return { import_errors: rows.map(importErrorResponse), total_entries: Number(total.n) };
    },
  );

  app.get(
    '/api/v2/importErrors/:import_error_id',
    {
      schema: {
        summary: 'Get an import error',
        tags: ['ImportError'],
        params: z.object({ import_error_id: z.coerce.number().int() }),
        response: { 200: importErrorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const id = request.params.import_error_id;
      const row = await db
        .selectFrom('import_error')
        .selectAll()
        .where('id', '=', id)
        .where(await onlyVisible(request, db, 'filename', 'filelocs'))
        .executeTakeFirst();
      if (!row) {
        throw new GaleError('GALE_ERR_NOT_FOUND', `No import error ${id}`, {
          hint: 'A fixed file clears its error; GET /api/v2/importErrors lists the current ones.',
        });
      }
      return importErrorResponse(row);
    },
  );
}
