/** Renders template fields (a shell task's command) with nunjucks, Jinja's syntax, as Airflow does. */
import { createRequire } from 'node:module';
import type nunjucks from 'nunjucks';
import { FILTERS } from './macros.js';

// Loaded at the first template rendered, not with the task process: most tries render none.
let env: nunjucks.Environment | null = null;

function environment(): nunjucks.Environment {
  if (env) return env;
  const { Environment } = createRequire(import.meta.url)('nunjucks') as typeof nunjucks;
  env = new Environment(null, { autoescape: false, throwOnUndefined: false });
  for (const [name, filter] of Object.entries(FILTERS)) env.addFilter(name, filter);
  return env;
}

export function renderTemplate(template: string, context: Record<string, unknown>): string {
  return environment().renderString(template, context);
}
