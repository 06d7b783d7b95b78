/**
 * The DAGs a limited user may see, read in one query: the DAGs named by id plus those carrying
 * one of the tags. The tag test in SQL only narrows (a JSON text match); the exact test is the
 * model's canSeeDag. Never called for an unrestricted user: they need no query at all.
 */
import type { Kysely } from '#kysely';
import { canSeeDag, type DagAccess } from '../models/index.js';
import type { Database } from './schema.js';

export interface VisibleDags {
  /** ids of the DAGs the user may see (also ids given by name that no DAG has yet) */
  dagIds: ReadonlySet<string>;
  /** the files that define them (import errors of other files stay hidden) */
  filelocs: ReadonlySet<string>;
}

export async function readVisibleDags(db: Kysely<Database>, access: DagAccess): Promise<VisibleDags> {
  const ids = access.dagIds ?? [];
  const tags = access.dagTags ?? [];
  const dagIds = new Set(ids);
  const filelocs = new Set<string>();
  if (ids.length === 0 && tags.length === 0) return { dagIds, filelocs };
  const rows = await db
    .selectFrom('dag')
    .select(['dag_id', 'tags', 'fileloc'])
    .where((eb) =>
      eb.or([
        ...(ids.length > 0 ? [eb('dag_id', 'in', ids)] : []),
        ...tags.map((t) => eb('tags', 'like', `%${JSON.stringify(t)}%`)),
      ]),
    )
    .execute();
  for (const row of rows) {
    if (!canSeeDag(access, { dagId: row.dag_id, tags: JSON.parse(row.tags) as string[] })) continue;
    dagIds.add(row.dag_id);
    filelocs.add(row.fileloc);
  }
  return { dagIds, filelocs };
}
