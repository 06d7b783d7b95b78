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
import { runSql } from './sql-connections.js';

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

type FirstRow = { found: false } | { found: true; cell: unknown };

/** The first row's first cell of `sql` over a postgres or sqlite connection (opened read-only for sqlite). */
export async function queryFirstRow(
  conn: TaskConnection,
  sql: string,
  parameters: readonly unknown[] = [],
): Promise<FirstRow> {
  const { rows } = await runSql(conn, sql, parameters, { readonly: true, what: 'sqlSensor' });
  const row = rows[0];
  return row ? { found: true, cell: row[0] } : { found: false };
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
