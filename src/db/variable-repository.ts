/** Variables (Airflow's key/value settings for DAGs). Values are stored encrypted; this module decrypts. */
import type { Expression, Kysely, SqlBool } from '#kysely';
import { GaleError } from '../models/index.js';
import type { SecretBox } from './encryption.js';
import type { Database } from './schema.js';
import { iso } from './time.js';

export interface Variable {
  key: string;
  value: string;
  description: string | null;
  updatedAt: string;
}

export async function setVariable(
  db: Kysely<Database>,
  box: SecretBox,
  input: { key: string; value: string; description?: string | null; now: Date },
): Promise<void> {
  const values = {
    val: box.encrypt(input.value),
    updated_at: iso(input.now),
    ...(input.description === undefined ? {} : { description: input.description }),
  };
  await db
    .insertInto('variable')
    .values({ key: input.key, description: null, ...values })
    .onConflict((oc) => oc.column('key').doUpdateSet(values))
    .execute();
}

export async function getVariable(
  db: Kysely<Database>,
  box: SecretBox,
  key: string,
): Promise<Variable | undefined> {
  const row = await db.selectFrom('variable').selectAll().where('key', '=', key).executeTakeFirst();
  return row
    ? { key: row.key, value: box.decrypt(row.val), description: row.description, updatedAt: row.updated_at }
    : undefined;
}

export async function requireVariable(db: Kysely<Database>, box: SecretBox, key: string): Promise<Variable> {
  const variable = await getVariable(db, box, key);
  if (!variable) {
    throw new GaleError('GALE_ERR_VARIABLE_NOT_FOUND', `No variable "${key}"`, {
      hint: `Create it with "gale variables set ${key} <value>" or POST /api/v2/variables.`,
    });
  }
  return variable;
}

export async function listVariables(
  db: Kysely<Database>,
  box: SecretBox,
  page: { limit: number; offset: number; descending?: boolean; where?: Expression<SqlBool> },
): Promise<{ total: number; variables: Variable[] }> {
  const { n } = await db
    .selectFrom('variable')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .$if(page.where !== undefined, (qb) => qb.where(page.where!))
    .executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom('variable')
    .selectAll()
    .$if(page.where !== undefined, (qb) => qb.where(page.where!))
    .orderBy('key', page.descending ? 'desc' : 'asc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return {
    total: Number(n),
    variables: rows.map((r) => ({
      key: r.key,
      value: box.decrypt(r.val),
      description: r.description,
      updatedAt: r.updated_at,
    })),
  };
}

export async function deleteVariable(db: Kysely<Database>, key: string): Promise<boolean> {
  const result = await db.deleteFrom('variable').where('key', '=', key).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}
