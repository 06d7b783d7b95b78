/**
 * Variables and connections in templates, as Airflow's `{{ var.value.key }}`,
 * `{{ var.json.key.field }}` and `{{ conn.conn_id.host }}`. Templates render synchronously
 * (nunjucks), so the variables and connections a template names are read first, through the
 * try's context (and so masked in its log when secret). A name it uses that does not exist fails
 * the try, as Airflow's KeyError does.
 */
import type { TaskContext } from '../sdk/index.js';

const VARIABLE = /\bvar\.(value|json)\.([A-Za-z_][A-Za-z0-9_]*)/g;
const CONNECTION = /\bconn\.([A-Za-z_][A-Za-z0-9_]*)/g;

export interface SecretsContext {
  var: { value: Record<string, string>; json: Record<string, unknown> };
  conn: Record<string, Record<string, unknown>>;
}

export async function templateSecrets(
  templates: readonly string[],
  ctx: Pick<TaskContext, 'variable' | 'variableJson' | 'connection'>,
): Promise<SecretsContext> {
  const out: SecretsContext = { var: { value: {}, json: {} }, conn: {} };
  const text = templates.join('\n');
  for (const [, kind, key] of text.matchAll(VARIABLE)) {
    if (!key) continue;
    if (kind === 'value') out.var.value[key] ??= await ctx.variable(key);
    else if (!(key in out.var.json)) out.var.json[key] = await ctx.variableJson(key);
  }
  for (const [, connId] of text.matchAll(CONNECTION)) {
    if (!connId || connId in out.conn) continue;
    const c = await ctx.connection(connId);
    out.conn[connId] = {
      conn_id: c.connId,
      conn_type: c.connType,
      host: c.host,
      schema: c.schema,
      login: c.login,
      password: c.password,
      port: c.port,
      extra: JSON.stringify(c.extra),
      extra_dejson: c.extra,
      uri: c.uri,
    };
  }
  return out;
}
