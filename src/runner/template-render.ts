/**
 * Rendering templates for a try: the template context (ds, params, dag_run...) with the outputs,
 * variables and connections the templates name, read once. Shared by a shell or container task's
 * fields and ctx.renderTemplate() (triggerDagRun's conf and run id). Never writes anything.
 */
import type { TaskContext } from '../sdk/index.js';
import { templateSecrets } from './template-secrets.js';
import { templateXcoms } from './template-xcoms.js';
import { renderTemplate } from './templates.js';

/** A renderer for `templates`; `base` is templateContext(ctx) (task-context.ts). */
export async function templateRenderer(
  templates: readonly string[],
  ctx: TaskContext,
  base: Record<string, unknown>,
): Promise<(template: string) => string> {
  const ti = { ...(base.ti as object), xcom_pull: await templateXcoms([...templates], ctx) };
  const context = { ...base, ...(await templateSecrets([...templates], ctx)), ti, task_instance: ti };
  return (template) => renderTemplate(template, context);
}
