/** Logging in: tokens for scripts (POST /auth/token), cookies for the UI (POST /auth/login). */
import { z } from '#zod';
import { getUser, recordLogin, userDagAccess } from '../../db/index.js';
import { type DagAccess, GaleError } from '../../models/index.js';
import { clearLoginCookies, setLoginCookies } from '../auth.js';
import type { RouteContext } from '../context.js';
import { verifyPassword } from '../passwords.js';
import { hasRole, type Role, roleDagAccess } from '../roles.js';
import { problemSchema } from '../schemas.js';

const credentials = z.object({ username: z.string().min(1).max(256), password: z.string().min(1).max(1024) });
const tokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int(),
});
const meResponse = z.object({
  username: z.string(),
  role: z.string(),
  dag_access: z
    .object({
      dag_ids: z.array(z.string()).nullable().describe('DAG ids the user may see; null: none by id'),
      dag_tags: z
        .array(z.string())
        .nullable()
        .describe('tags whose DAGs the user may see; null: none by tag'),
      is_unrestricted: z.boolean().describe('every DAG (both lists null, or an Admin)'),
    })
    .describe('which DAGs the user may see and act on (the API hides every other DAG as missing)'),
  permissions: z
    .object({
      can_edit_dags: z
        .boolean()
        .describe('trigger, pause, clear and mark on the DAGs it may see (User and up)'),
      can_manage_resources: z.boolean().describe('pools, variables and connections (Op and up)'),
      is_admin: z.boolean().describe('users, the configuration and the audit log'),
    })
    .describe("what the user's role allows on the DAGs of dag_access, so a UI can hide the rest"),
});

/** Who the caller is, with the DAGs it may see and what its role lets it do on them. */
function meOf(username: string, role: Role, access: DagAccess): z.infer<typeof meResponse> {
  return {
    username,
    role,
    dag_access: {
      dag_ids: access.dagIds === null ? null : [...access.dagIds],
      dag_tags: access.dagTags === null ? null : [...access.dagTags],
      is_unrestricted: access.dagIds === null && access.dagTags === null,
    },
    permissions: {
      can_edit_dags: hasRole(role, 'User'),
      can_manage_resources: hasRole(role, 'Op'),
      is_admin: hasRole(role, 'Admin'),
    },
  };
}

export function registerAuthRoutes({ app, deps }: RouteContext): void {
  const { db } = deps.gdb;
  const api = deps.config.config.api;
  const limit = { rateLimit: { max: api.login_rate_limit, timeWindow: '1 minute' } };

  async function authenticate(username: string, password: string) {
    const user = await getUser(db, username);
    // the same work and the same answer whether the user exists or not
    const ok = await verifyPassword(password, user?.password_hash ?? 'scrypt$32768$8$1$AAAA$AAAA');
    if (!user || !ok || !user.is_active) {
      if (user) await recordLogin(db, username, { success: false, now: new Date() });
      throw new GaleError('GALE_ERR_UNAUTHENTICATED', 'Wrong username or password', {
        hint: 'An admin can reset it with "gale users reset-password <username>".',
      });
    }
    await recordLogin(db, username, { success: true, now: new Date() });
    return { user, token: app.jwt.sign({ sub: user.username }) };
  }

  app.post(
    '/auth/token',
    {
      config: { role: 'public', ...limit },
      schema: {
        summary: 'Get an access token (JWT) for the API',
        tags: ['Auth'],
        security: [],
        body: credentials,
        response: { 201: tokenResponse, 400: problemSchema, 401: problemSchema, 429: problemSchema },
      },
    },
    async (request, reply) => {
      const { token } = await authenticate(request.body.username, request.body.password);
      return reply.status(201).send({
        access_token: token,
        token_type: 'bearer' as const,
        expires_in: api.access_token_expiration,
      });
    },
  );

  app.post(
    '/auth/login',
    {
      config: { role: 'public', ...limit },
      schema: {
        summary: 'Log in to the UI: sets an HTTP-only session cookie and a CSRF cookie',
        tags: ['Auth'],
        security: [],
        body: credentials,
        response: { 200: meResponse, 400: problemSchema, 401: problemSchema, 429: problemSchema },
      },
    },
    async (request, reply) => {
      const { user, token } = await authenticate(request.body.username, request.body.password);
      setLoginCookies(reply, token, api.access_token_expiration, request.protocol === 'https');
      const role = user.role as Role;
      return meOf(user.username, role, roleDagAccess(role, userDagAccess(user)));
    },
  );

  app.post(
    '/auth/logout',
    { config: { role: 'public' }, schema: { summary: 'Log out of the UI', tags: ['Auth'], security: [] } },
    async (_request, reply) => {
      clearLoginCookies(reply);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v2/auth/me',
    {
      schema: {
        summary: 'Who the caller is: role, the DAGs it may see, what it may do on them',
        tags: ['Auth'],
        response: { 200: meResponse, 401: problemSchema },
      },
    },
    async (request) => {
      const caller = request.caller!;
      return meOf(caller.username, caller.role, caller.dagAccess);
    },
  );
}
