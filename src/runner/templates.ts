/** Renders template fields (a shell task's command) with nunjucks, Jinja's syntax, as Airflow does. */
import nunjucks from 'nunjucks';

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });

export function renderTemplate(template: string, context: Record<string, unknown>): string {
  return env.renderString(template, context);
}
