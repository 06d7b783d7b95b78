/** Logging in: tokens for scripts (POST /auth/token), cookies for the UI (POST /auth/login). */
import { z } from 'zod';
import { getUser, recordLogin } from '../../db/index.js';
import { GaleError } from '../../models/index.js';
import { clearLoginCookies, setLoginCookies } from '../auth.js';
import type { RouteContext } from '../context.js';
import { verifyPassword } from '../passwords.js';
import { problemSchema } from '../schemas.js';

const credentials = z.object({ username: z.string().min(1).max(256), password: z.string().min(1).max(1024) });
const tokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().int(),
});
const meResponse = z.object({ username: z.string(), role: z.string() });

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
      return { username: user.username, role: user.role };
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
        summary: 'Who the caller is',
        tags: ['Auth'],
        response: { 200: meResponse, 401: problemSchema },
      },
    },
    async (request) => ({ username: request.caller!.username, role: request.caller!.role }),
  );
}
