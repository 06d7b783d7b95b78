/**
 * Who is calling: a JWT bearer token (`POST /auth/token`, for scripts) or the UI's HTTP-only
 * cookie with a double-submit CSRF token for every state-changing call. The user is read from the
 * database on each call, so a deleted or demoted user loses access at once. Each route names the
 * least role it needs (`config.role`); /api/v2 routes default to Viewer.
 */
import { randomBytes } from 'node:crypto';
import type {} from '@fastify/cookie';
import type {} from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from '#kysely';
import { type Database, getUser, userDagAccess } from '../db/index.js';
import { type DagAccess, GaleError } from '../models/index.js';
import { hasRole, type Role, roleDagAccess } from './roles.js';

export const TOKEN_COOKIE = 'gale_token';
export const CSRF_COOKIE = 'gale_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export interface Caller {
  username: string;
  role: Role;
  /** the DAGs the user may see (api/dag-access.ts enforces it) */
  dagAccess: DagAccess;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
  interface FastifyContextConfig {
    /** least role the route needs; 'public' for none */
    role?: Role | 'public';
  }
}

interface TokenPayload {
  sub: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function unauthenticated(detail: string): GaleError {
  return new GaleError('GALE_ERR_UNAUTHENTICATED', detail, {
    hint: 'Get a token with POST /auth/token {"username", "password"} and send it as "Authorization: Bearer <token>".',
  });
}

export function registerAuth(app: FastifyInstance, db: Kysely<Database>): void {
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const needed =
      request.routeOptions.config?.role ?? (request.url.startsWith('/api/') ? 'Viewer' : 'public');
    if (needed === 'public') return;
    const header = request.headers.authorization;
    let token: string | undefined;
    let viaCookie = false;
    if (header) {
      const match = /^Bearer\s+(.+)$/i.exec(header);
      if (!match?.[1]) throw unauthenticated('The Authorization header is not "Bearer <token>"');
      token = match[1];
    } else if (request.cookies[TOKEN_COOKIE]) {
      token = request.cookies[TOKEN_COOKIE];
      viaCookie = true;
    }
    if (!token) throw unauthenticated('This call needs credentials');
    let payload: TokenPayload;
    try {
      payload = app.jwt.verify<TokenPayload>(token);
    } catch {
      throw unauthenticated('The access token is invalid or has expired');
    }
    if (viaCookie && !SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (!sent || sent !== request.cookies[CSRF_COOKIE]) {
        throw new GaleError('GALE_ERR_FORBIDDEN', 'A cookie-authenticated change needs the CSRF token', {
          hint: `Send the ${CSRF_COOKIE} cookie's value in the ${CSRF_HEADER} header.`,
        });
      }
    }
    const user = await getUser(db, payload.sub);
    if (user === undefined || user.is_active !== 1)
      throw unauthenticated('The user of this token no longer exists');
    const role = user.role as Role;
    request.caller = { username: user.username, role, dagAccess: roleDagAccess(role, userDagAccess(user)) };
    if (!hasRole(role, needed)) {
      throw new GaleError(
        'GALE_ERR_FORBIDDEN',
        `This call needs the ${needed} role; ${user.username} is ${role}`,
        {
          hint: 'Ask an admin for a role that allows it (gale users create --role ...).',
        },
      );
    }
  });
}

/** Sets the UI's login cookies: the token (HTTP-only) and the CSRF token (readable by the page). */
export function setLoginCookies(
  reply: FastifyReply,
  token: string,
  maxAgeSeconds: number,
  secure: boolean,
): void {
  const base = { path: '/', sameSite: 'strict' as const, secure, maxAge: maxAgeSeconds };
  reply.setCookie(TOKEN_COOKIE, token, { ...base, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, randomBytes(24).toString('base64url'), { ...base, httpOnly: false });
}

export function clearLoginCookies(reply: FastifyReply): void {
  reply.clearCookie(TOKEN_COOKIE, { path: '/' });
  reply.clearCookie(CSRF_COOKIE, { path: '/' });
}
