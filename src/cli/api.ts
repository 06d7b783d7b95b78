/** `gale api-server`, and the API server inside `gale standalone`: secret key and first admin. */

import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildApiServer, hashPassword, randomPassword } from '../api/index.js';
import { countAdmins, createUser } from '../db/index.js';
import { GaleError } from '../models/index.js';
import { type CliEnv, openEnv, stopSignal } from './environment.js';

const MIN_SECRET_LENGTH = 32;

/** The key, when it is long enough; `need` says who needs it for what. */
export function checkSecret(
  secret: string,
  need = 'The API server needs api.secret_key to sign access tokens',
): string {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new GaleError(
      'GALE_ERR_SECRET_KEY_MISSING',
      secret
        ? `api.secret_key has ${secret.length} characters; it needs at least ${MIN_SECRET_LENGTH}`
        : need,
      {
        hint: 'Set GALE__API__SECRET_KEY to a random value of 32+ characters, the same on every API server and worker (for example: openssl rand -base64 48).',
      },
    );
  }
  return secret;
}

/** standalone's key: the configured one, else one made once and kept in $GALE_HOME/secret_key (0600). */
export function standaloneSecret(env: CliEnv): string {
  const configured = env.loaded.config.api.secret_key;
  if (configured) return checkSecret(configured);
  const file = join(env.loaded.home, 'secret_key');
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return checkSecret(readFileSync(file, 'utf8').trim());
}

/** standalone's first admin: made once, with a random password printed this one time. */
export async function ensureStandaloneAdmin(env: CliEnv): Promise<void> {
  if ((await countAdmins(env.gdb.db)) > 0) return;
  const password = randomPassword();
  await createUser(env.gdb.db, {
    username: 'admin',
    passwordHash: await hashPassword(password),
    role: 'Admin',
    now: new Date(),
  });
  // On stdout, never in the logs; only its hash is stored.
  process.stdout.write(
    `\nGale standalone made an admin user for the UI and API.\n  username: admin\n  password: ${password}\nIt is shown this once; "gale users reset-password admin" sets a new one.\n\n`,
  );
}

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

export async function startApi(env: CliEnv, secretKey: string): Promise<RunningApi> {
  const app = await buildApiServer({
    gdb: env.gdb,
    config: env.loaded,
    log: env.log.child({ component: 'api-server' }),
    secretKey,
  });
  const { host, port } = env.loaded.config.api;
  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new GaleError('GALE_ERR_PORT_IN_USE', `Port ${port} on ${host} is taken by another process`, {
        hint: 'Stop that process, or set api.port (GALE__API__PORT) to a free port.',
        cause: error,
      });
    }
    throw error;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shown = host === '0.0.0.0' || host === '127.0.0.1' ? 'localhost' : host;
  return { url: `http://${shown}:${bound}`, close: () => app.close() };
}

export function registerApiCommands(program: Command): void {
  program
    .command('api-server')
    .description('Run the API server and web UI until SIGTERM (needs api.secret_key)')
    .action(async () => {
      const env = await openEnv({ name: 'api-server', service: true });
      let api: RunningApi;
      try {
        api = await startApi(env, checkSecret(env.loaded.config.api.secret_key));
      } catch (error) {
        await env.gdb.close();
        throw error;
      }
      env.log.info(
        { url: api.url },
        `API server on ${api.url} (OpenAPI at ${api.url}/openapi.json, docs at ${api.url}/docs)`,
      );
      const signal = stopSignal(env);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      await api.close();
      await env.gdb.close();
    });
}
