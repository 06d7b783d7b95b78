/** Import errors: DAG files that failed to load, with the message and stack of the failure. */
import type { Kysely } from '#kysely';
import type { Database, ImportErrorRow } from './schema.js';
import { iso } from './time.js';

export async function recordImportError(
  db: Kysely<Database>,
  input: { filename: string; message: string; stacktrace: string; now: Date },
): Promise<void> {
  const values = { message: input.message, stacktrace: input.stacktrace, timestamp: iso(input.now) };
  await db
    .insertInto('import_error')
    .values({ filename: input.filename, ...values })
    .onConflict((oc) => oc.column('filename').doUpdateSet(values))
    .execute();
}

/** Clears the import errors of files that now import cleanly (in chunks: a statement's parameters are bounded). */
export async function clearImportErrors(db: Kysely<Database>, filenames: readonly string[]): Promise<void> {
  for (let i = 0; i < filenames.length; i += CHUNK) {
    await db
      .deleteFrom('import_error')
      .where('filename', 'in', filenames.slice(i, i + CHUNK))
      .execute();
  }
}

const CHUNK = 500;

export async function clearImportErrorsExcept(
  db: Kysely<Database>,
  presentFiles: readonly string[],
): Promise<void> {
  let q = db.deleteFrom('import_error');
  if (presentFiles.length > 0) q = q.where('filename', 'not in', presentFiles);
  await q.execute();
}

export async function listImportErrors(db: Kysely<Database>): Promise<ImportErrorRow[]> {
  return db.selectFrom('import_error').selectAll().orderBy('filename').execute();
}
