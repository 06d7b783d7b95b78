/**
 * /api/v2/config: the API server's settings, as Airflow 3's public API, for admins and only when
 * api.expose_config is true. Secrets never leave the server: passwords in URLs and the secret key
 * are masked.
 */
import { z } from '#zod';
import { listSettings } from '../../config/index.js';
import { redactUrl } from '../../db/index.js';
import { GaleError } from '../../models/index.js';
import type { RouteContext } from '../context.js';
import { errorResponses } from '../schemas.js';

const MASK = '***';
/** settings that are URLs which may hold a password */
const URL_SETTINGS = new Set(['database.url', 'queue.redis_url']);
/** settings that are secrets as a whole */
const SECRET_SETTINGS = new Set(['api.secret_key', 'core.fernet_key']);

/** A setting's value as the API shows it: text, as Airflow's, with secrets masked. */
export function shownValue(name: string, value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (SECRET_SETTINGS.has(name) || /secret|password/i.test(name.split('.')[1] ?? '')) return text ? MASK : '';
  if (URL_SETTINGS.has(name)) return redactUrl(text);
  return text;
}

const optionSchema = z.object({
  key: z.string(),
  value: z.string(),
  source: z.enum(['default', 'file', 'env']).describe('where the value comes from'),
});
const sectionSchema = z.object({ name: z.string(), options: z.array(optionSchema) });

export function registerConfigRoutes({ app, deps }: RouteContext): void {
  function sections(only?: string) {
    if (!deps.config.config.api.expose_config) {
      throw new GaleError('GALE_ERR_FORBIDDEN', 'This server does not expose its configuration', {
        hint: 'Set api.expose_config to true (GALE__API__EXPOSE_CONFIG=true) on the API server to let admins read it, secrets masked.',
      });
    }
    const bySection = new Map<string, z.infer<typeof optionSchema>[]>();
    for (const s of listSettings(deps.config)) {
      const [section = '', key = ''] = s.name.split('.');
      if (only !== undefined && section !== only) continue;
      const options = bySection.get(section) ?? [];
      options.push({ key, value: shownValue(s.name, s.value), source: s.source });
      bySection.set(section, options);
    }
    if (only !== undefined && !bySection.has(only)) {
      throw new GaleError('GALE_ERR_NOT_FOUND', `No configuration section "${only}"`, {
        hint: 'GET /api/v2/config lists every section.',
      });
    }
    return [...bySection].map(([name, options]) => ({ name, options }));
  }

  app.get(
    '/api/v2/config',
    {
      config: { role: 'Admin' },
      schema: {
        summary: "The API server's settings, secrets masked (only when api.expose_config is true)",
        tags: ['Config'],
        querystring: z.object({ section: z.string().optional().describe('only this section') }),
        response: { 200: z.object({ sections: z.array(sectionSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ sections: sections(request.query.section) }),
  );

  app.get(
    '/api/v2/config/section/:section/option/:option',
    {
      config: { role: 'Admin' },
      schema: {
        summary: 'One setting, masked if secret (only when api.expose_config is true)',
        tags: ['Config'],
        params: z.object({ section: z.string(), option: z.string() }),
        response: { 200: z.object({ sections: z.array(sectionSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const { section, option } = request.params;
      const [found] = sections(section);
      const options = found?.options.filter((o) => o.key === option) ?? [];
      if (options.length === 0) {
        throw new GaleError('GALE_ERR_NOT_FOUND', `No setting ${section}.${option}`, {
          hint: `GET /api/v2/config?section=${section} lists the settings of that section.`,
        });
      }
      return { sections: [{ name: section, options }] };
    },
  );
}
