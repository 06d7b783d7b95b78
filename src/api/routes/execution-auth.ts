/** Who calls the task execution API: the try its bearer token is scoped to. */
import type { FastifyRequest } from 'fastify';
import type { ExecutionTokens, TryClaims } from '../../executors/index.js';
import { GaleError } from '../../models/index.js';

/** The try a request's bearer token is for; 401 without a valid one. */
export function tokenClaims(request: FastifyRequest, tokens: ExecutionTokens): TryClaims {
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
  if (!match?.[1]) {
    throw new GaleError('GALE_ERR_UNAUTHENTICATED', 'The task execution API needs a try token', {
      hint: 'Send "Authorization: Bearer <token>" with the token the worker gave the task process.',
    });
  }
  return tokens.verify(match[1]);
}
