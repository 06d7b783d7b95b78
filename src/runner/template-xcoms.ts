/**
 * `{{ ti.xcom_pull('task_id') }}` and `{{ ti.xcom_pull(task_ids='t', key='k') }}` in templates,
 * as Airflow's. Templates render synchronously, so the outputs a template pulls are read first
 * (through the try's context) and xcom_pull answers from them; a pull the scan did not foresee
 * (a task id built at render time) fails, saying to write the id literally.
 */
import { GaleError } from '../models/index.js';
import type { TaskContext } from '../sdk/index.js';

// xcom_pull('t'), xcom_pull("t", key='k'), xcom_pull(task_ids='t', key="k")
const PULL =
  /\bxcom_pull\(\s*(?:task_ids\s*=\s*)?(['"])([^'"]+)\1(?:\s*,\s*(?:key\s*=\s*)?(['"])([^'"]+)\3)?\s*\)/g;

export type XcomPullFn = (...args: unknown[]) => unknown;

export async function templateXcoms(
  templates: readonly string[],
  ctx: Pick<TaskContext, 'xcomPull'>,
): Promise<XcomPullFn> {
  const pulled = new Map<string, unknown>();
  const id = (taskId: string, key: string) => `${taskId}\u0000${key}`;
  for (const m of templates.join('\n').matchAll(PULL)) {
    const taskId = m[2];
    const key = m[4] ?? 'return_value';
    if (taskId && !pulled.has(id(taskId, key))) pulled.set(id(taskId, key), await ctx.xcomPull(taskId, key));
  }
  // nunjucks passes keyword arguments as a last object marked __keywords
  return (...args: unknown[]) => {
    const last = args.at(-1) as Record<string, unknown> | undefined;
    const keywords =
      last && typeof last === 'object' && last.__keywords ? (args.pop() as Record<string, unknown>) : {};
    const taskIds = String(args[0] ?? keywords.task_ids ?? '');
    const key = String(args[1] ?? keywords.key ?? 'return_value');
    const k = id(taskIds, key);
    if (!pulled.has(k)) {
      throw new GaleError(
        'GALE_ERR_DAG_INVALID',
        `ti.xcom_pull(${JSON.stringify(taskIds)}) was not read before rendering`,
        {
          hint: "Write the task id (and key) as literal strings: {{ ti.xcom_pull('extract', key='count') }}.",
        },
      );
    }
    return pulled.get(k);
  };
}
