/**
 * /api/v2/dagSources/{dag_id}: the source of the file that defines a DAG, as Airflow 3's public
 * API. As Airflow, it answers with the copy the DAG processor stored when it last parsed the file
 * (the code that made the DAG's latest version); only when the database has none does it read the
 * file itself, and then only the DAG's stored fileloc inside a DAG folder. It never reads a path
 * that a caller names.
 */
import { z } from '#zod';
import { dagFolders } from '../../dag-processing/index.js';
import { requireDag } from '../../db/index.js';
import { GaleError } from '../../models/index.js';
import type { RouteContext } from '../context.js';
import { readDagSourceFile } from '../dag-source.js';
import { errorResponses } from '../schemas.js';

const dagSourceSchema = z.object({
  content: z.string().nullable().describe("the DAG file's source"),
  dag_id: z.string(),
  dag_display_name: z.string(),
  version_number: z
    .number()
    .int()
    .nullable()
    .describe("the DAG's latest version, counting from 1 (its first parse)"),
});

export function registerDagSourceRoutes({ app, deps }: RouteContext): void {
  const { db } = deps.gdb;

  app.get(
    '/api/v2/dagSources/:dag_id',
    {
      schema: {
        summary: "The source of a DAG's file",
        tags: ['DagSource'],
        params: z.object({ dag_id: z.string() }),
        response: { 200: dagSourceSchema, ...errorResponses },
      },
    },
    async (request) => {
      const dag = await requireDag(db, request.params.dag_id);
      const stored = await db
        .selectFrom('dag_code')
        .select('source')
        .where('fileloc', '=', dag.fileloc)
        .executeTakeFirst();
      const content = stored?.source ?? (await readDagSourceFile(dag.fileloc, dagFolders(deps.config)));
      if (content === null) {
        throw new GaleError('GALE_ERR_NOT_FOUND', `The source of DAG "${dag.dag_id}" is not available`, {
          hint: `Its file ${dag.fileloc} was not stored at parse time and is not a readable file inside a DAG folder (core.dags_folder); the DAG processor stores it again when it next parses the file.`,
        });
      }
      const latest = await db
        .selectFrom('serialized_dag')
        .select('id')
        .where('dag_id', '=', dag.dag_id)
        .where('version_hash', '=', dag.latest_version_hash)
        .executeTakeFirst();
      const version = latest
        ? await db
            .selectFrom('serialized_dag')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .where('dag_id', '=', dag.dag_id)
            .where('id', '<=', latest.id)
            .executeTakeFirstOrThrow()
        : null;
      return {
        content,
        dag_id: dag.dag_id,
        dag_display_name: dag.dag_id,
        version_number: version === null ? null : Number(version.n),
      };
    },
  );
}
