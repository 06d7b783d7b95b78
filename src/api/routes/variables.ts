/**
 * /api/v2/variables and /api/v2/connections, as Airflow 3's public API. Both need the Op role
 * (as Airflow's Op, which manages them; Viewer and User cannot read them). Values are stored
 * encrypted; a variable whose key looks secret (password, token, ...) is shown as "***", as
 * Airflow's secrets masker does, and a connection's password is never returned.
 */
import { z } from '#zod';
import {
  type Connection,
  deleteConnection,
  deleteVariable,
  fernetKeys,
  listConnections,
  listVariables,
  requireConnection,
  requireVariable,
  SecretBox,
  setConnection,
  setVariable,
  type Variable,
} from '../../db/index.js';
import { GaleError, isSensitiveName, SECRET_MASK } from '../../models/index.js';
import type { RouteContext } from '../context.js';
import { containsIgnoringCase } from '../filters.js';
import { errorResponses, paginationQuery } from '../schemas.js';

const key = z.string().regex(/^[A-Za-z0-9_.-]{1,250}$/, 'use letters, digits, "_", "-" or "." (at most 250)');

const variableSchema = z.object({
  key: z.string(),
  value: z.string(),
  description: z.string().nullable(),
  is_encrypted: z.boolean(),
});
const variableBody = z.object({ key, value: z.string(), description: z.string().nullable().optional() });

const connectionSchema = z.object({
  connection_id: z.string(),
  conn_type: z.string(),
  description: z.string().nullable(),
  host: z.string().nullable(),
  login: z.string().nullable(),
  schema: z.string().nullable(),
  port: z.number().int().nullable(),
  password: z.string().nullable().describe('always "***" when set: passwords never leave the server'),
  extra: z.string().nullable().describe('JSON text; values under secret-looking keys masked'),
});
const connectionBody = z.object({
  connection_id: key,
  conn_type: z.string().min(1),
  description: z.string().nullable().optional(),
  host: z.string().nullable().optional(),
  login: z.string().nullable().optional(),
  schema: z.string().nullable().optional(),
  port: z.number().int().min(1).max(65535).nullable().optional(),
  password: z.string().nullable().optional(),
  extra: z
    .string()
    .nullable()
    .optional()
    .refine((s) => {
      if (s === null || s === undefined) return true;
      try {
        const v: unknown = JSON.parse(s);
        return typeof v === 'object' && v !== null && !Array.isArray(v);
      } catch {
        return false;
      }
    }, 'extra must be a JSON object as text'),
});

function variableResponse(v: Variable): z.infer<typeof variableSchema> {
  return {
    key: v.key,
    value: isSensitiveName(v.key) ? SECRET_MASK : v.value,
    description: v.description,
    is_encrypted: true,
  };
}

function maskExtra(extra: string | null): string | null {
  if (extra === null) return null;
  const parsed = JSON.parse(extra) as Record<string, unknown>;
  return JSON.stringify(
    Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, isSensitiveName(k) ? SECRET_MASK : v])),
  );
}

/** A changed extra in which a key shown as "***" keeps its stored value (as the password does). */
function unmaskExtra(extra: string | null, stored: string | null): string | null {
  if (extra === null || stored === null) return extra;
  const old = JSON.parse(stored) as Record<string, unknown>;
  const changed = JSON.parse(extra) as Record<string, unknown>;
  const kept = Object.keys(changed).filter(
    (k) => changed[k] === SECRET_MASK && isSensitiveName(k) && k in old,
  );
  if (kept.length === 0) return extra;
  for (const k of kept) changed[k] = old[k];
  return JSON.stringify(changed);
}

function connectionResponse(c: Connection): z.infer<typeof connectionSchema> {
  return {
    connection_id: c.connId,
    conn_type: c.connType,
    description: c.description,
    host: c.host,
    login: c.login,
    schema: c.schema,
    port: c.port,
    password: c.password === null ? null : SECRET_MASK,
    extra: maskExtra(c.extra),
  };
}

const list = {
  ...paginationQuery,
  order_by: z.enum(['key', '-key', 'connection_id', '-connection_id']).optional(),
  variable_key_pattern: z.string().optional().describe('variables: only keys that contain this (any case)'),
  connection_id_pattern: z.string().optional().describe('connections: only ids that contain this (any case)'),
};

export function registerVariableRoutes({ app, deps }: RouteContext): void {
  const { db } = deps.gdb;
  const box = new SecretBox(fernetKeys(deps.config.config.core.fernet_key, deps.config.home));
  const op = { role: 'Op' as const };

  app.get(
    '/api/v2/variables',
    {
      config: op,
      schema: {
        summary: 'List variables (values of secret-looking keys masked)',
        tags: ['Variable'],
        querystring: z.object(list),
        response: {
          200: z.object({ variables: z.array(variableSchema), total_entries: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await listVariables(db, box, {
        ...q,
        descending: q.order_by?.startsWith('-'),
        where: q.variable_key_pattern ? containsIgnoringCase('key', q.variable_key_pattern) : undefined,
      });
      return { variables: page.variables.map(variableResponse), total_entries: page.total };
    },
  );
  app.get(
    '/api/v2/variables/:variable_key',
    {
      config: op,
      schema: {
        summary: 'Get a variable',
        tags: ['Variable'],
        params: z.object({ variable_key: z.string() }),
        response: { 200: variableSchema, ...errorResponses },
      },
    },
    async (request) => variableResponse(await requireVariable(db, box, request.params.variable_key)),
  );
  app.post(
    '/api/v2/variables',
    {
      config: op,
      schema: {
        summary: 'Create a variable',
        tags: ['Variable'],
        body: variableBody,
        response: { 201: variableSchema, ...errorResponses, 409: errorResponses[400] },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const exists = await db
        .selectFrom('variable')
        .select('key')
        .where('key', '=', b.key)
        .executeTakeFirst();
      if (exists) {
        throw new GaleError('GALE_ERR_VARIABLE_EXISTS', `A variable "${b.key}" already exists`, {
          hint: `Change it with PATCH /api/v2/variables/${b.key}.`,
        });
      }
      await setVariable(db, box, {
        key: b.key,
        value: b.value,
        description: b.description ?? null,
        now: new Date(),
      });
      return reply.code(201).send(variableResponse(await requireVariable(db, box, b.key)));
    },
  );
  app.patch(
    '/api/v2/variables/:variable_key',
    {
      config: op,
      schema: {
        summary: 'Change a variable',
        tags: ['Variable'],
        params: z.object({ variable_key: z.string() }),
        body: variableBody,
        response: { 200: variableSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { variable_key } = request.params;
      if (request.body.key !== variable_key) {
        throw new GaleError('GALE_ERR_INVALID_REQUEST', "The body's key differs from the path's", {
          hint: 'Rename a variable by creating the new key and deleting the old one.',
        });
      }
      await requireVariable(db, box, variable_key);
      await setVariable(db, box, { ...request.body, key: variable_key, now: new Date() });
      return variableResponse(await requireVariable(db, box, variable_key));
    },
  );
  app.delete(
    '/api/v2/variables/:variable_key',
    {
      config: op,
      schema: {
        summary: 'Delete a variable',
        tags: ['Variable'],
        params: z.object({ variable_key: z.string() }),
      },
    },
    async (request, reply) => {
      if (!(await deleteVariable(db, request.params.variable_key)))
        await requireVariable(db, box, request.params.variable_key);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v2/connections',
    {
      config: op,
      schema: {
        summary: 'List connections (passwords never returned)',
        tags: ['Connection'],
        querystring: z.object(list),
        response: {
          200: z.object({ connections: z.array(connectionSchema), total_entries: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await listConnections(db, box, {
        ...q,
        descending: q.order_by?.startsWith('-'),
        where: q.connection_id_pattern ? containsIgnoringCase('conn_id', q.connection_id_pattern) : undefined,
      });
      return { connections: page.connections.map(connectionResponse), total_entries: page.total };
    },
  );
  const connParams = z.object({ connection_id: z.string() });
  app.get(
    '/api/v2/connections/:connection_id',
    {
      config: op,
      schema: {
        summary: 'Get a connection (its password masked)',
        tags: ['Connection'],
        params: connParams,
        response: { 200: connectionSchema, ...errorResponses },
      },
    },
    async (request) => connectionResponse(await requireConnection(db, box, request.params.connection_id)),
  );
  const save = async (b: z.infer<typeof connectionBody>, keepPassword: Connection | null) => {
    await setConnection(
      db,
      box,
      {
        connId: b.connection_id,
        connType: b.conn_type,
        description: b.description ?? null,
        host: b.host ?? null,
        login: b.login ?? null,
        schema: b.schema ?? null,
        port: b.port ?? null,
        // a PATCH without a password (or with the mask it was shown) keeps the stored one
        password:
          b.password === undefined || b.password === SECRET_MASK
            ? (keepPassword?.password ?? null)
            : b.password,
        extra: unmaskExtra(b.extra ?? null, keepPassword?.extra ?? null),
      },
      new Date(),
    );
    return connectionResponse(await requireConnection(db, box, b.connection_id));
  };
  app.post(
    '/api/v2/connections',
    {
      config: op,
      schema: {
        summary: 'Create a connection',
        tags: ['Connection'],
        body: connectionBody,
        response: { 201: connectionSchema, ...errorResponses, 409: errorResponses[400] },
      },
    },
    async (request, reply) => {
      const exists = await db
        .selectFrom('connection')
        .select('conn_id')
        .where('conn_id', '=', request.body.connection_id)
        .executeTakeFirst();
      if (exists) {
        throw new GaleError(
          'GALE_ERR_CONNECTION_EXISTS',
          `A connection "${request.body.connection_id}" already exists`,
          {
            hint: `Change it with PATCH /api/v2/connections/${request.body.connection_id}.`,
          },
        );
      }
      return reply.code(201).send(await save(request.body, null));
    },
  );
  app.patch(
    '/api/v2/connections/:connection_id',
    {
      config: op,
      schema: {
        summary: 'Change a connection (leave password out to keep it)',
        tags: ['Connection'],
        params: connParams,
        body: connectionBody,
        response: { 200: connectionSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { connection_id } = request.params;
      if (request.body.connection_id !== connection_id) {
        throw new GaleError('GALE_ERR_INVALID_REQUEST', "The body's connection_id differs from the path's");
      }
      return save(request.body, await requireConnection(db, box, connection_id));
    },
  );
  app.delete(
    '/api/v2/connections/:connection_id',
    { config: op, schema: { summary: 'Delete a connection', tags: ['Connection'], params: connParams } },
    async (request, reply) => {
      if (!(await deleteConnection(db, request.params.connection_id)))
        await requireConnection(db, box, request.params.connection_id);
      return reply.code(204).send();
    },
  );
}
