/**
 * sqlSensor (Airflow's SqlSensor): runs a query over a connection every poke until the first cell
 * of its first row is truthy (or `success` accepts it); no row means not done. Connections of type
 * postgres (host, port, login, password, schema as the database) and sqlite (host: the database
 * file, opened read-only). Poke or reschedule mode; Airflow has no trigger for it. Its output is
 * that first cell.
 */
import { GaleError } from '../models/index.js';
import type { TaskConnection } from './context.js';
import type { TaskRef } from './dag.js';
import { type SensorOptions, sensorTask } from './sensors.js';

export type SqlSensorOptions = SensorOptions & {
  /** a connection of type postgres or sqlite */
  connId: string;
  sql: string;
  /** bound to the query's placeholders ($1.. on postgres, ? on sqlite) */
  parameters?: readonly unknown[];
  /** whether the first cell means done (default: it is truthy) */
  success?: (firstCell: unknown) => boolean;
  /** when it returns true for the first cell, the task fails (GALE_ERR_SENSOR_FAILED) */
  failure?: (firstCell: unknown) => boolean;
  /** no row fails the task instead of meaning not done (default false) */
  failOnEmpty?: boolean;
};

const SQL_KEYS = ['connId', 'sql', 'parameters', 'success', 'failure', 'failOnEmpty'];

/** PostgreSQL's int8 and numeric type ids */
const NUMERIC_TYPE_IDS = new Set([20, 1700]);

type FirstRow = { found: false } | { found: true; cell: unknown };

async function queryPostgres(
  conn: TaskConnection,
  sql: string,
  parameters: readonly unknown[],
): Promise<FirstRow> {
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
    const result = await client.query({ text: sql, values: [...parameters], rowMode: 'array' });
    const row = result.rows[0] as unknown[] | undefined;
    if (!row) return { found: false };
    // pg gives int8 (count(*)) and numeric as text: "0" would be truthy
    const numeric = NUMERIC_TYPE_IDS.has(result.fields[0]?.dataTypeID ?? 0) && typeof row[0] === 'string';
    return { found: true, cell: numeric ? Number(row[0]) : row[0] };
  } finally {
    await client.end();
  }
}

async function querySqlite(
  conn: TaskConnection,
  sql: string,
  parameters: readonly unknown[],
): Promise<FirstRow> {
  const { default: Database } = await import('better-sqlite3');
  if (!conn.host) {
    throw new GaleError('GALE_ERR_SENSOR_FAILED', `Connection "${conn.connId}" names no SQLite file`, {
      hint: "Set the connection's host to the path of the database file, as Airflow's sqlite connections.",
    });
  }
  const db = new Database(conn.host, { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare(sql)
      .raw()
      .get(...parameters) as unknown[] | undefined;
    return row ? { found: true, cell: row[0] } : { found: false };
  } finally {
    db.close();
  }
}

/** The first row of `sql` over a postgres or sqlite connection. */
export function queryFirstRow(
  conn: TaskConnection,
  sql: string,
  parameters: readonly unknown[] = [],
): Promise<FirstRow> {
  const type = conn.connType.toLowerCase();
  if (type === 'postgres' || type === 'postgresql') return queryPostgres(conn, sql, parameters);
  if (type === 'sqlite') return querySqlite(conn, sql, parameters);
  throw new GaleError(
    'GALE_ERR_SENSOR_FAILED',
    `sqlSensor cannot query connection "${conn.connId}" of type "${conn.connType}"`,
    {
      hint: 'Use a connection of type postgres or sqlite.',
    },
  );
}

export function sqlSensor(options: SqlSensorOptions): TaskRef<unknown> {
  const where = `sqlSensor "${options.taskId}"`;
  return sensorTask<unknown>(options, SQL_KEYS, async (ctx) => {
    const conn = await ctx.connection(options.connId);
    const row = await queryFirstRow(conn, options.sql, options.parameters);
    if (!row.found) {
      if (options.failOnEmpty)
        throw new GaleError('GALE_ERR_SENSOR_FAILED', `${where}: the query returned no row`);
      ctx.log.info('The query returned no row: not done');
      return false;
    }
    if (options.failure?.(row.cell)) {
      throw new GaleError(
        'GALE_ERR_SENSOR_FAILED',
        `${where}: failure() accepted the first cell ${JSON.stringify(row.cell)}`,
      );
    }
    const done = options.success ? options.success(row.cell) : Boolean(row.cell);
    ctx.log.info(`First cell: ${JSON.stringify(row.cell)}${done ? '' : ' (not done)'}`);
    return done ? { done: true, value: row.cell } : false;
  });
}
