/** Renders template fields (a shell task's command) with nunjucks, Jinja's syntax, as Airflow does. */
import nunjucks from 'nunjucks';
import { FILTERS } from './macros.js';

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });
for (const [name, filter] of Object.entries(FILTERS)) env.addFilter(name, filter);

export function renderTemplate(template: string, context: Record<string, unknown>): string {
  return env.renderString(template, context);
}
