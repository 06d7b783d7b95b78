/**
 * Variables and connections for task processes, in the task execution API (/execution/v1): any
 * valid try token reads them (as Airflow 3's execution API), decrypted, the password included;
 * they go nowhere else (the public API masks them). Not in the OpenAPI document.
 */
import { z } from '#zod';
import { fernetKeys, getConnection, getVariable, SecretBox } from '../../db/index.js';
import type { ExecutionTokens } from '../../executors/index.js';
import type { Api, ApiDeps } from '../context.js';
import { tokenClaims } from './execution-auth.js';

export function registerExecutionSecretRoutes(app: Api, deps: ApiDeps, tokens: ExecutionTokens): void {
  const { db } = deps.gdb;
  const box = new SecretBox(fernetKeys(deps.config.config.core.fernet_key, deps.config.home));
  const route = { config: { role: 'public' as const } };

  app.get(
    '/execution/v1/variables/:key',
    { ...route, schema: { hide: true, params: z.object({ key: z.string().min(1) }) } },
    async (request, reply) => {
      tokenClaims(request, tokens);
      const variable = await getVariable(db, box, request.params.key);
      if (!variable) return reply.code(404).send({ value: null });
      return { value: variable.value };
    },
  );

  app.get(
    '/execution/v1/connections/:conn_id',
    { ...route, schema: { hide: true, params: z.object({ conn_id: z.string().min(1) }) } },
    async (request, reply) => {
      tokenClaims(request, tokens);
      const connection = await getConnection(db, box, request.params.conn_id);
      if (!connection) return reply.code(404).send(null);
      return connection;
    },
  );
}
