/**
 * How the API server serves the web UI: built files as public routes, index.html for any other
 * page a browser asks for, never for API paths, and a page saying to build it when it is not.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterEach, describe, expect, it } from 'vitest';
import { registerUi } from '../../../src/api/ui.js';

const INDEX = '<!doctype html><html><body><div id="root"></div></body></html>';

async function serve(dir: string) {
  const app = Fastify().withTypeProvider<ZodTypeProvider>();
  const roles = new Map<string, unknown>();
  app.addHook('onRequest', async (request) => {
    roles.set(request.url, request.routeOptions.config?.role);
  });
  const fallback = await registerUi(app, dir);
  app.setNotFoundHandler(
    (request, reply) =>
      fallback(request, reply) ?? reply.status(404).type('application/problem+json').send({}),
  );
  await app.ready();
  return { app, roles };
}

describe('the web UI on the API server', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function built(): string {
    const dir = mkdtempSync(join(tmpdir(), 'gale-ui-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    return dir;
  }

  it('serves the built files as public routes, with hashed assets cached for good', async () => {
    const { app, roles } = await serve(built());
    const index = await app.inject({ url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.body).toBe(INDEX);
    expect(index.headers['cache-control']).toBe('no-cache');
    const asset = await app.inject({ url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    expect(roles.get('/')).toBe('public');
    expect(roles.get('/assets/index-abc123.js')).toBe('public');
  });

  it.each([
    { url: '/dags/x?run=y', accept: 'text/html,application/xhtml+xml', isApp: true },
    { url: '/login', accept: 'text/html', isApp: true },
    { url: '/dags/x', accept: 'application/json', isApp: false },
    { url: '/api/v2/nope', accept: 'text/html', isApp: false },
    { url: '/auth/nope', accept: 'text/html', isApp: false },
    { url: '/docs/nope', accept: 'text/html', isApp: false },
    { url: '/assets/missing.js', accept: '*/*', isApp: false },
  ])('GET $url (accept $accept) gets the app: $isApp', async ({ url, accept, isApp }) => {
    const { app } = await serve(built());
    const r = await app.inject({ url, headers: { accept } });
    if (isApp) {
      expect(r.statusCode).toBe(200);
      expect(r.body).toBe(INDEX);
    } else {
      expect(r.statusCode).toBe(404);
      expect(r.headers['content-type']).toContain('application/problem+json');
    }
  });

  it('says to run npm run build when the UI is not built', async () => {
    const { app } = await serve(join(tmpdir(), 'gale-ui-never-built'));
    const r = await app.inject({ url: '/', headers: { accept: 'text/html' } });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('npm run build');
    const api = await app.inject({ url: '/api/v2/x', headers: { accept: 'text/html' } });
    expect(api.statusCode).toBe(404);
  });
});
