/**
 * Running SQL over a connection from a task process, for sqlSensor and sqlQuery: connections of
 * type postgres (host, port, login, password, schema as the database; through `pg`) and sqlite
 * (host: the database file; through better-sqlite3). Each call opens and closes its own
 * connection; several statements run in one transaction. Never logs the connection's password.
 */
import { GaleError } from '../models/index.js';
import type { TaskConnection } from './context.js';

export interface SqlResult {
  /** column names of the last statement's rows */
  columns: string[];
  rows: unknown[][];
  /** rows changed by the last statement, when it changes rows */
  changes: number | null;
}

/** PostgreSQL's int8 and numeric type ids: pg gives them as text */
const NUMERIC_TYPE_IDS = new Set([20, 1700]);

function number(value: unknown, typeId: number): unknown {
  if (!NUMERIC_TYPE_IDS.has(typeId) || typeof value !== 'string') return value;
  const n = Number(value);
  // an int8 past 2^53 stays text rather than round
  return typeId === 20 && !Number.isSafeInteger(n) ? value : n;
}

async function runPostgres(
  conn: TaskConnection,
  statements: readonly string[],
  parameters: readonly unknown[],
) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    host: conn.host ?? undefined,
    port: conn.port ?? undefined,
    user: conn.login ?? undefined,
    password: conn.password ?? undefined,
    database: conn.schema ?? undefined,
  });
  await client.connect();
  try {
    if (statements.length > 1) await client.query('begin');
    let last: SqlResult = { columns: [], rows: [], changes: null };
    for (const [i, text] of statements.entries()) {
      // parameters go to the last statement, as Airflow's run(sql=[...], parameters=...)
      const values = i === statements.length - 1 ? [...parameters] : [];
      const result = await client.query({ text, values, rowMode: 'array' });
      const fields = result.fields ?? [];
      last = {
        columns: fields.map((f) => f.name),
        rows: (result.rows as unknown[][]).map((row) =>
          row.map((v, c) => number(v, fields[c]?.dataTypeID ?? 0)),
        ),
        changes: fields.length === 0 ? result.rowCount : null,
      };
    }
    if (statements.length > 1) await client.query('commit');
    return last;
  } catch (error) {
    if (statements.length > 1) await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

async function runSqlite(
  conn: TaskConnection,
  statements: readonly string[],
  parameters: readonly unknown[],
  readonly: boolean,
) {
  const { default: Database } = await import('better-sqlite3');
  if (!conn.host) {
    throw new GaleError('GALE_ERR_SQL_FAILED', `Connection "${conn.connId}" names no SQLite file`, {
      hint: "Set the connection's host to the path of the database file, as Airflow's sqlite connections.",
    });
  }
  const db = new Database(conn.host, { readonly, fileMustExist: readonly });
  try {
    return db.transaction(() => {
      let last: SqlResult = { columns: [], rows: [], changes: null };
      for (const [i, text] of statements.entries()) {
        const values = i === statements.length - 1 ? parameters : [];
        const statement = db.prepare(text);
        if (statement.reader) {
          last = {
            columns: statement.columns().map((c) => c.name),
            rows: statement.raw().all(...values) as unknown[][],
            changes: null,
          };
        } else {
          last = { columns: [], rows: [], changes: statement.run(...values).changes };
        }
      }
      return last;
    })();
  } finally {
    db.close();
  }
}

/**
 * Runs `sql` (one statement, or several in one transaction; `parameters` bind the last one's
 * placeholders: $1.. on postgres, ? on sqlite) and returns the last statement's rows.
 */
export function runSql(
  conn: TaskConnection,
  sql: string | readonly string[],
  parameters: readonly unknown[] = [],
  options: { readonly?: boolean; what: string },
): Promise<SqlResult> {
  const statements = typeof sql === 'string' ? [sql] : sql;
  if (statements.length === 0)
    throw new GaleError('GALE_ERR_DAG_INVALID', `${options.what}: sql is an empty list`, {
      hint: 'Give one SQL statement, or a list of them.',
    });
  const type = conn.connType.toLowerCase();
  if (type === 'postgres' || type === 'postgresql') return runPostgres(conn, statements, parameters);
  if (type === 'sqlite') return runSqlite(conn, statements, parameters, options.readonly ?? false);
  throw new GaleError(
    'GALE_ERR_SQL_FAILED',
    `${options.what} cannot query connection "${conn.connId}" of type "${conn.connType}"`,
    { hint: 'Use a connection of type postgres or sqlite.' },
  );
}
