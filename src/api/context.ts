/** What the API's route modules share: the typed Fastify app and the dependencies. */
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/index.js';
import type { GaleDb, SerializedDagCache } from '../db/index.js';

export interface ApiDeps {
  gdb: GaleDb;
  config: LoadedConfig;
  log: Logger;
  /** signs access tokens */
  secretKey: string;
}

export function createApp(deps: ApiDeps) {
  return Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // Fastify's own request lines are off (the API logs what it needs); the option's new home
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
}

export type Api = ReturnType<typeof createApp>;

/** What route modules get: the typed app and the shared dependencies. */
export interface RouteContext {
  app: Api;
  deps: ApiDeps;
  cache: SerializedDagCache;
}

export function galeVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
