/**
 * Connections (Airflow's credentials of external systems). The password and extra are stored
 * encrypted; this module decrypts them for the task that asks. The API never returns a password.
 */
import type { Expression, Kysely, SqlBool } from '#kysely';
import { GaleError } from '../models/index.js';
import type { SecretBox } from './encryption.js';
import type { Database } from './schema.js';
import { iso } from './time.js';

export interface Connection {
  connId: string;
  connType: string;
  description: string | null;
  host: string | null;
  schema: string | null;
  login: string | null;
  password: string | null;
  port: number | null;
  /** JSON text, as Airflow's extra */
  extra: string | null;
}

/** Airflow's connection URI: type://login:password@host:port/schema?extra=... */
export function connectionFromUri(connId: string, uri: string): Connection {
  let url: URL;
  try {
    url = new URL(uri);
  } catch (error) {
    throw new GaleError('GALE_ERR_USAGE', `"${uri.replace(/:[^:@/]*@/, ':***@')}" is not a connection URI`, {
      hint: 'Write it as type://login:password@host:port/schema?key=value (percent-encode special characters).',
      cause: error,
    });
  }
  const extra = Object.fromEntries(url.searchParams.entries());
  const decode = (s: string) => (s === '' ? null : decodeURIComponent(s));
  return {
    connId,
    connType: url.protocol.replace(/:$/, '').replaceAll('-', '_'),
    description: null,
    host: decode(url.hostname),
    schema: decode(url.pathname.replace(/^\//, '')),
    login: decode(url.username),
    password: decode(url.password),
    port: url.port ? Number(url.port) : null,
    extra: Object.keys(extra).length > 0 ? JSON.stringify(extra) : null,
  };
}

export async function setConnection(
  db: Kysely<Database>,
  box: SecretBox,
  c: Connection,
  now: Date,
): Promise<void> {
  const values = {
    conn_type: c.connType,
    description: c.description,
    host: c.host,
    schema: c.schema,
    login: c.login,
    password: c.password === null ? null : box.encrypt(c.password),
    port: c.port,
    extra: c.extra === null ? null : box.encrypt(c.extra),
    updated_at: iso(now),
  };
  await db
    .insertInto('connection')
    .values({ conn_id: c.connId, ...values })
    .onConflict((oc) => oc.column('conn_id').doUpdateSet(values))
    .execute();
}

type ConnectionRow = Awaited<ReturnType<typeof selectConnections>>[number];
function selectConnections(db: Kysely<Database>) {
  return db.selectFrom('connection').selectAll().execute();
}

function fromRow(box: SecretBox, row: ConnectionRow): Connection {
  return {
    connId: row.conn_id,
    connType: row.conn_type,
    description: row.description,
    host: row.host,
    schema: row.schema,
    login: row.login,
    password: row.password === null ? null : box.decrypt(row.password),
    port: row.port,
    extra: row.extra === null ? null : box.decrypt(row.extra),
  };
}

export async function getConnection(
  db: Kysely<Database>,
  box: SecretBox,
  connId: string,
): Promise<Connection | undefined> {
  const row = await db.selectFrom('connection').selectAll().where('conn_id', '=', connId).executeTakeFirst();
  return row ? fromRow(box, row) : undefined;
}

export async function requireConnection(
  db: Kysely<Database>,
  box: SecretBox,
  connId: string,
): Promise<Connection> {
  const c = await getConnection(db, box, connId);
  if (!c) {
    throw new GaleError('GALE_ERR_CONNECTION_NOT_FOUND', `No connection "${connId}"`, {
      hint: `Create it with "gale connections add ${connId} --conn-uri <type://login:password@host:port/schema>" or POST /api/v2/connections.`,
    });
  }
  return c;
}

export async function listConnections(
  db: Kysely<Database>,
  box: SecretBox,
  page: { limit: number; offset: number; descending?: boolean; where?: Expression<SqlBool> },
): Promise<{ total: number; connections: Connection[] }> {
  const { n } = await db
    .selectFrom('connection')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .$if(page.where !== undefined, (qb) => qb.where(page.where!))
    .executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom('connection')
    .selectAll()
    .$if(page.where !== undefined, (qb) => qb.where(page.where!))
    .orderBy('conn_id', page.descending ? 'desc' : 'asc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return { total: Number(n), connections: rows.map((r) => fromRow(box, r)) };
}

export async function deleteConnection(db: Kysely<Database>, connId: string): Promise<boolean> {
  const result = await db.deleteFrom('connection').where('conn_id', '=', connId).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/**
 * Re-encrypts every stored secret with the first key of core.fernet_key (after a new key was put
 * first); returns how many values changed. One transaction: all or nothing.
 */
export async function rotateSecrets(db: Kysely<Database>, box: SecretBox): Promise<number> {
  return db.transaction().execute(async (tx) => {
    let changed = 0;
    for (const v of await tx.selectFrom('variable').select(['key', 'val']).execute()) {
      if (box.isCurrent(v.val)) continue;
      await tx
        .updateTable('variable')
        .set({ val: box.encrypt(box.decrypt(v.val)) })
        .where('key', '=', v.key)
        .execute();
      changed++;
    }
    for (const c of await tx.selectFrom('connection').select(['conn_id', 'password', 'extra']).execute()) {
      const again = (s: string | null) => (s === null || box.isCurrent(s) ? s : box.encrypt(box.decrypt(s)));
      const password = again(c.password);
      const extra = again(c.extra);
      if (password === c.password && extra === c.extra) continue;
      await tx.updateTable('connection').set({ password, extra }).where('conn_id', '=', c.conn_id).execute();
      changed++;
    }
    return changed;
  });
}
