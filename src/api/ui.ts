/**
 * Serves the web UI (the React app that `npm run build` builds into dist/ui) on the API server's
 * port: its files as public static routes, and index.html for any other page a browser asks for
 * (the app routes in the browser). It never answers for API paths: those keep their problem+json
 * 404s. When the UI was not built, `/` says how to build it instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Api } from './context.js';

/** dist/ui in the package, found the same way from src/api (tests) and dist/api (the build). */
export const UI_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

/** Paths that belong to the server, never to the app. */
const SERVER_PATHS = /^\/(api\/|auth\/|docs|openapi\.json)/;

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gale</title></head>
<body style="font-family: sans-serif; margin: 3rem">
<h1>Gale</h1>
<p>The web UI is not built. Run <code>npm run build</code> in Gale's folder, then restart the server.</p>
<p>The REST API works without it: see <a href="/docs">/docs</a>.</p>
</body></html>
`;

/** Answers a browser's page request with the app (or the not-built page); null when it is not one. */
export type UiFallback = (request: FastifyRequest, reply: FastifyReply) => FastifyReply | null;

export async function registerUi(app: Api, dir: string = UI_DIR): Promise<UiFallback> {
  const isBuilt = existsSync(`${dir}/index.html`);
  if (isBuilt) {
    await app.register(async (scope) => {
      // @fastify/static takes no route config: mark each of its routes public here
      scope.addHook('onRoute', (route) => {
        route.config = { ...(route.config ?? {}), role: 'public' };
      });
      await scope.register(fastifyStatic, {
        root: dir,
        prefix: '/',
        // one route per built file: any other path falls through to the not-found handler below
        wildcard: false,
        cacheControl: false,
        setHeaders(reply, path) {
          // file names under assets/ carry a content hash; index.html must always be fresh
          reply.header(
            'cache-control',
            path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
          );
        },
      });
    });
  } else {
    app.get('/', { config: { role: 'public' }, schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(NOT_BUILT_PAGE),
    );
  }

  return (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (request.method !== 'GET' || SERVER_PATHS.test(path)) return null;
    if (!(request.headers.accept ?? '').includes('text/html')) return null;
    // read each time (it is small) so a rebuilt UI is served without a restart
    const page = isBuilt ? readFileSync(`${dir}/index.html`, 'utf8') : NOT_BUILT_PAGE;
    return reply.status(200).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(page);
  };
}
