/**
 * ctx.variable(), ctx.variableJson() and ctx.connection(): what a try reads of variables and
 * connections, through its channel (the database, or the task execution API). Secrets it reads
 * are masked in its log from then on.
 */
import { type Connection, connectionFromUri } from '../db/index.js';
import { GaleError, isSensitiveName } from '../models/index.js';
import type { TaskConnection, TaskContext } from '../sdk/index.js';
import type { TryLogger } from './task-log.js';
import type { TryChannel, TryRef } from './try-channel.js';

export type SecretAccessors = Pick<TaskContext, 'variable' | 'variableJson' | 'connection'>;

function uriOf(c: Connection): string {
  const e = encodeURIComponent;
  const auth =
    c.login !== null || c.password !== null
      ? `${e(c.login ?? '')}${c.password !== null ? `:${e(c.password)}` : ''}@`
      : '';
  const port = c.port !== null ? `:${c.port}` : '';
  const schema = c.schema ? `/${e(c.schema)}` : '';
  return `${c.connType.replaceAll('_', '-')}://${auth}${c.host ?? ''}${port}${schema}`;
}

export function taskConnection(c: Connection): TaskConnection {
  return {
    connId: c.connId,
    connType: c.connType,
    host: c.host,
    schema: c.schema,
    login: c.login,
    password: c.password,
    port: c.port,
    extra: c.extra ? (JSON.parse(c.extra) as Record<string, unknown>) : {},
    uri: uriOf(c),
  };
}

/** The environment variable that overrides a variable or connection, as Airflow's AIRFLOW_VAR_* / AIRFLOW_CONN_*. */
export function secretEnvName(kind: 'VAR' | 'CONN', key: string): string {
  return `GALE_${kind}_${key.toUpperCase()}`;
}

export function secretAccessors(
  channel: TryChannel,
  t: TryRef,
  log: TryLogger,
  env: NodeJS.ProcessEnv = process.env,
): SecretAccessors {
  // the environment first, then the metadata database: Airflow's secrets backends order
  const lookUpVariable = async (key: string): Promise<string | undefined> =>
    env[secretEnvName('VAR', key)] ?? (await channel.getVariable(t, key));
  const variable = async (key: string, fallback?: string): Promise<string> => {
    const value = await lookUpVariable(key);
    if (value === undefined) {
      if (fallback !== undefined) return fallback;
      throw new GaleError('GALE_ERR_VARIABLE_NOT_FOUND', `No variable "${key}"`, {
        hint: `Create it with "gale variables set ${key} <value>", or give ctx.variable() a fallback.`,
      });
    }
    if (isSensitiveName(key)) log.mask(value);
    return value;
  };
  return {
    variable,
    async variableJson<T = unknown>(key: string, fallback?: T): Promise<T> {
      const value = await lookUpVariable(key);
      if (value === undefined && fallback !== undefined) return fallback;
      const text = await variable(key);
      try {
        return JSON.parse(text) as T;
      } catch (error) {
        throw new GaleError('GALE_ERR_DAG_INVALID', `Variable "${key}" is not JSON`, {
          hint: `Fix its value (gale variables set ${key} '<json>' --json), or read it with ctx.variable().`,
          cause: error,
        });
      }
    },
    async connection(connId: string): Promise<TaskConnection> {
      const fromEnv = env[secretEnvName('CONN', connId)];
      const c = fromEnv ? connectionFromUri(connId, fromEnv) : await channel.getConnection(t, connId);
      if (!c) {
        throw new GaleError('GALE_ERR_CONNECTION_NOT_FOUND', `No connection "${connId}"`, {
          hint: `Create it with "gale connections add ${connId} --conn-uri <type://login:password@host:port/schema>".`,
        });
      }
      if (c.password) {
        log.mask(c.password);
        log.mask(encodeURIComponent(c.password));
      }
      return taskConnection(c);
    },
  };
}
