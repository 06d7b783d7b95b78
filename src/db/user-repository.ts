/** Users of the API and UI. Stores password hashes only; hashing lives with the API (passwords.ts). */
import type { Kysely, Updateable } from '#kysely';
import { ALL_DAGS, type DagAccess, GaleError } from '../models/index.js';
import type { Database, UserRow, UserTable } from './schema.js';
import { iso } from './time.js';

export async function createUser(
  db: Kysely<Database>,
  input: {
    username: string;
    passwordHash: string;
    role: string;
    email?: string | null;
    dagAccess?: DagAccess;
    now: Date;
  },
): Promise<UserRow> {
  const existing = await getUser(db, input.username);
  if (existing) {
    throw new GaleError('GALE_ERR_USER_EXISTS', `A user "${input.username}" already exists`, {
      hint: `Choose another username, or run "gale users reset-password ${input.username}".`,
    });
  }
  return db
    .insertInto('gale_user')
    .values({
      username: input.username,
      password_hash: input.passwordHash,
      role: input.role,
      email: input.email ?? null,
      is_active: 1,
      failed_logins: 0,
      created_at: iso(input.now),
      last_login: null,
      ...dagAccessColumns(input.dagAccess ?? ALL_DAGS),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getUser(db: Kysely<Database>, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('gale_user').selectAll().where('username', '=', username).executeTakeFirst();
}

export async function requireUser(db: Kysely<Database>, username: string): Promise<UserRow> {
  const user = await getUser(db, username);
  if (!user) {
    throw new GaleError('GALE_ERR_USER_NOT_FOUND', `No user "${username}"`, {
      hint: 'Run "gale users list" to see the users.',
    });
  }
  return user;
}

export async function listUsers(db: Kysely<Database>): Promise<UserRow[]> {
  return db.selectFrom('gale_user').selectAll().orderBy('username').execute();
}

export async function countAdmins(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('gale_user')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'Admin')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function deleteUser(db: Kysely<Database>, username: string): Promise<void> {
  await requireUser(db, username);
  await db.deleteFrom('gale_user').where('username', '=', username).execute();
}

export async function setUserPassword(
  db: Kysely<Database>,
  username: string,
  passwordHash: string,
): Promise<void> {
  await requireUser(db, username);
  await db
    .updateTable('gale_user')
    .set({ password_hash: passwordHash, failed_logins: 0 })
    .where('username', '=', username)
    .execute();
}

export async function recordLogin(
  db: Kysely<Database>,
  username: string,
  input: { success: boolean; now: Date },
): Promise<void> {
  await db
    .updateTable('gale_user')
    .set((eb) =>
      input.success
        ? { last_login: iso(input.now), failed_logins: 0 }
        : { failed_logins: eb('failed_logins', '+', 1) },
    )
    .where('username', '=', username)
    .execute();
}

/** Changes a user's role, e-mail, active flag or DAG access (only the fields given). */
export async function updateUser(
  db: Kysely<Database>,
  username: string,
  changes: { role?: string; email?: string | null; isActive?: boolean; dagAccess?: DagAccess },
): Promise<UserRow> {
  await requireUser(db, username);
  const set: Updateable<UserTable> = {};
  if (changes.role !== undefined) set.role = changes.role;
  if (changes.email !== undefined) set.email = changes.email;
  if (changes.isActive !== undefined) set.is_active = changes.isActive ? 1 : 0;
  if (changes.dagAccess !== undefined) Object.assign(set, dagAccessColumns(changes.dagAccess));
  if (Object.keys(set).length > 0)
    await db.updateTable('gale_user').set(set).where('username', '=', username).execute();
  return requireUser(db, username);
}

function dagAccessColumns(access: DagAccess): { dag_ids: string | null; dag_tags: string | null } {
  const json = (list: readonly string[] | null) => (list === null ? null : JSON.stringify(list));
  return { dag_ids: json(access.dagIds), dag_tags: json(access.dagTags) };
}

/** The DAGs a user is limited to, as stored (an Admin's role overrides it: see api/dag-access.ts). */
export function userDagAccess(user: Pick<UserRow, 'dag_ids' | 'dag_tags'>): DagAccess {
  const list = (text: string | null) => (text === null ? null : (JSON.parse(text) as string[]));
  return { dagIds: list(user.dag_ids), dagTags: list(user.dag_tags) };
}
