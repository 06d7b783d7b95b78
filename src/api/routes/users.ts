/**
 * /api/v2/users and /api/v2/roles, shaped after Airflow 3's FAB auth manager API (users with
 * `roles: [{name}]`), for Admins only. A Gale user has exactly one role, so `roles` always holds
 * one. Passwords are hashed here (passwords.ts) and never returned; no change may leave the
 * installation without an active Admin. The server's audit hook records every change, and each
 * route adds an entry naming the user it changed (as `gale users` does). `dag_ids` and `dag_tags`
 * limit the DAGs a user sees (api/dag-access.ts): both null, every DAG; an Admin always sees all.
 */

import type { Kysely } from '#kysely';
import { z } from '#zod';
import {
  createUser,
  type Database,
  deleteUser,
  listUsers,
  recordAudit,
  requireUser,
  setUserPassword,
  type UserRow,
  updateUser,
  userDagAccess,
} from '../../db/index.js';
import { type DagAccess, GaleError } from '../../models/index.js';
import type { RouteContext } from '../context.js';
import { hashPassword, passwordProblem } from '../passwords.js';
import { ROLE_DESCRIPTIONS, ROLES, type Role } from '../roles.js';
import { errorResponses, paginationQuery, problemSchema } from '../schemas.js';

const roleRef = z.object({ name: z.enum(ROLES) });
const rolesField = z
  .array(roleRef)
  .length(1, 'a Gale user has exactly one role: give one of Viewer, User, Op, Admin')
  .describe('exactly one role');
const password = z
  .string()
  .max(1024)
  .superRefine((p, ctx) => {
    const problem = passwordProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('at least 8 characters; never returned');
const nameList = (what: string) =>
  z
    .array(z.string().min(1).max(250))
    .max(1000)
    .nullable()
    .transform((list) => (list === null ? null : [...new Set(list)]))
    .describe(
      `only the DAGs ${what} (with dag_ids/dag_tags: either suffices); null in both: every DAG. Admins always see every DAG`,
    );
const dagIdsField = nameList('with these ids');
const dagTagsField = nameList('with one of these tags');

const userSchema = z.object({
  username: z.string(),
  email: z.string().nullable(),
  active: z.boolean(),
  roles: z.array(z.object({ name: z.string() })),
  last_login: z.string().nullable(),
  failed_login_count: z.number().int(),
  created_on: z.string(),
  dag_ids: z.array(z.string()).nullable().describe('the DAG ids the user is limited to; null: none by id'),
  dag_tags: z.array(z.string()).nullable().describe('the DAG tags the user is limited to; null: none by tag'),
});

const userBody = z
  .object({
    username: z.string().regex(/^[A-Za-z0-9_.@-]{1,256}$/, 'use letters, digits and _ . @ - (at most 256)'),
    password,
    email: z.string().email().max(256).nullable().optional(),
    roles: rolesField,
    dag_ids: dagIdsField.optional(),
    dag_tags: dagTagsField.optional(),
  })
  .strict();

const userPatch = z
  .object({
    username: z.string().optional().describe('must be the username, if given'),
    password: password.optional().describe('a new password (at least 8 characters)'),
    email: z.string().email().max(256).nullable().optional(),
    roles: rolesField.optional(),
    active: z.boolean().optional().describe('false: the user can no longer log in'),
    dag_ids: dagIdsField.optional(),
    dag_tags: dagTagsField.optional(),
  })
  .strict();

const usernameParams = z.object({ username: z.string() });

function userResponse(u: UserRow): z.infer<typeof userSchema> {
  const access = userDagAccess(u);
  return {
    username: u.username,
    email: u.email,
    active: u.is_active === 1,
    roles: [{ name: u.role }],
    last_login: u.last_login,
    failed_login_count: u.failed_logins,
    created_on: u.created_at,
    dag_ids: access.dagIds === null ? null : [...access.dagIds],
    dag_tags: access.dagTags === null ? null : [...access.dagTags],
  };
}

/** Refuses a change after which no active Admin would be left. */
async function keepAnAdmin(db: Kysely<Database>, username: string, after: UserRow | null): Promise<void> {
  if (after !== null && after.role === 'Admin' && after.is_active === 1) return;
  const others = (await listUsers(db)).filter(
    (u) => u.username !== username && u.role === 'Admin' && u.is_active === 1,
  );
  if (others.length === 0) {
    throw new GaleError('GALE_ERR_LAST_ADMIN', `${username} is the last active Admin`, {
      hint: 'Make another user an active Admin first.',
    });
  }
}

export function registerUserRoutes({ app, deps }: RouteContext): void {
  const { db } = deps.gdb;
  const admin = { role: 'Admin' as const };
  const audit = (owner: string, event: string, extra: Record<string, unknown>) =>
    recordAudit(db, { event, owner, extra });

  app.get(
    '/api/v2/roles',
    {
      config: admin,
      schema: {
        summary: 'List the roles and what each may do',
        tags: ['Role'],
        response: {
          200: z.object({
            roles: z.array(z.object({ name: z.enum(ROLES), description: z.string() })),
            total_entries: z.number().int(),
          }),
          ...errorResponses,
        },
      },
    },
    async () => ({
      roles: ROLES.map((name: Role) => ({ name, description: ROLE_DESCRIPTIONS[name] })),
      total_entries: ROLES.length,
    }),
  );

  app.get(
    '/api/v2/users',
    {
      config: admin,
      schema: {
        summary: 'List users and their roles (never their passwords)',
        tags: ['User'],
        querystring: z.object({
          ...paginationQuery,
          username_pattern: z.string().optional().describe('only users whose name contains this'),
        }),
        response: {
          200: z.object({ users: z.array(userSchema), total_entries: z.number().int() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const pattern = q.username_pattern?.toLowerCase() ?? '';
      // users are few: filter and page in memory
      const all = (await listUsers(db)).filter((u) => u.username.toLowerCase().includes(pattern));
      return {
        users: all.slice(q.offset, q.offset + q.limit).map(userResponse),
        total_entries: all.length,
      };
    },
  );

  app.get(
    '/api/v2/users/:username',
    {
      config: admin,
      schema: {
        summary: 'Get a user',
        tags: ['User'],
        params: usernameParams,
        response: { 200: userSchema, ...errorResponses },
      },
    },
    async (request) => userResponse(await requireUser(db, request.params.username)),
  );

  app.post(
    '/api/v2/users',
    {
      config: admin,
      schema: {
        summary: 'Create a user with a password and a role',
        tags: ['User'],
        body: userBody,
        response: { 201: userSchema, ...errorResponses, 409: problemSchema },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const role = b.roles[0]!.name;
      const user = await createUser(db, {
        username: b.username,
        passwordHash: await hashPassword(b.password),
        role,
        email: b.email ?? null,
        dagAccess: { dagIds: b.dag_ids ?? null, dagTags: b.dag_tags ?? null },
        now: new Date(),
      });
      await audit(request.caller!.username, 'user.create', {
        username: b.username,
        role,
        dag_ids: b.dag_ids ?? null,
        dag_tags: b.dag_tags ?? null,
      });
      return reply.code(201).send(userResponse(user));
    },
  );

  app.patch(
    '/api/v2/users/:username',
    {
      config: admin,
      schema: {
        summary:
          "Change a user's role, e-mail, password, active flag or DAG access (a user cannot be renamed)",
        tags: ['User'],
        params: usernameParams,
        querystring: z.object({
          update_mask: z
            .union([z.string(), z.array(z.string())])
            .optional()
            .describe('change only these fields (default: every field in the body)'),
        }),
        body: userPatch,
        response: { 200: userSchema, ...errorResponses, 409: problemSchema },
      },
    },
    async (request) => {
      const { username } = request.params;
      const b = request.body;
      if (b.username !== undefined && b.username !== username) {
        throw new GaleError('GALE_ERR_INVALID_REQUEST', `User "${username}" cannot be renamed`, {
          hint: 'Create a user with the new name, then delete this one.',
        });
      }
      const mask = request.query.update_mask;
      const fields =
        mask === undefined ? undefined : (Array.isArray(mask) ? mask : mask.split(',')).map((f) => f.trim());
      const wanted = (field: keyof typeof b) => b[field] !== undefined && (!fields || fields.includes(field));
      const before = await requireUser(db, username);
      const stored = userDagAccess(before);
      const dagAccess: DagAccess | undefined =
        wanted('dag_ids') || wanted('dag_tags')
          ? {
              dagIds: wanted('dag_ids') ? (b.dag_ids ?? null) : stored.dagIds,
              dagTags: wanted('dag_tags') ? (b.dag_tags ?? null) : stored.dagTags,
            }
          : undefined;
      const changes = {
        role: wanted('roles') ? b.roles![0]!.name : undefined,
        email: wanted('email') ? b.email : undefined,
        isActive: wanted('active') ? b.active : undefined,
        dagAccess,
      };
      const after = {
        ...before,
        role: changes.role ?? before.role,
        is_active: changes.isActive === undefined ? before.is_active : changes.isActive ? 1 : 0,
      };
      await keepAnAdmin(db, username, after);
      const user = await updateUser(db, username, changes);
      if (wanted('password')) await setUserPassword(db, username, await hashPassword(b.password!));
      const changed = (['roles', 'email', 'active', 'password', 'dag_ids', 'dag_tags'] as const).filter(
        wanted,
      );
      await audit(request.caller!.username, 'user.update', {
        username,
        changed,
        ...(changes.role ? { role: changes.role } : {}),
        ...(dagAccess ? { dag_ids: dagAccess.dagIds, dag_tags: dagAccess.dagTags } : {}),
      });
      return userResponse(user);
    },
  );

  app.delete(
    '/api/v2/users/:username',
    {
      config: admin,
      schema: {
        summary: 'Delete a user (its tokens stop working at once)',
        tags: ['User'],
        params: usernameParams,
        response: { 204: z.null().describe('deleted'), ...errorResponses, 409: problemSchema },
      },
    },
    async (request, reply) => {
      const { username } = request.params;
      await requireUser(db, username);
      await keepAnAdmin(db, username, null);
      await deleteUser(db, username);
      await audit(request.caller!.username, 'user.delete', { username });
      return reply.code(204).send(null);
    },
  );
}
