/**
 * Tokens of the task execution API. A token is scoped to one try (its task instance id and try
 * number), lives `execution_api.token_ttl` seconds, and is renewed by the API on heartbeats, so a
 * long try never outlives it. Executors that start task processes mint them; the API server
 * verifies them. Both derive the signing key from `api.secret_key`, so a token of the execution
 * API is never a valid user token, and the other way round.
 */
import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { GaleError } from '../models/index.js';

const AUDIENCE = 'gale:execution';

export interface TryClaims {
  /** task instance id */
  tiId: string;
  tryNumber: number;
  /** expiry, seconds since the epoch */
  expiresAt: number;
}

function executionKey(secretKey: string): string {
  return createHmac('sha256', secretKey).update('gale task execution api').digest('hex');
}

export class ExecutionTokens {
  readonly #sign: (payload: Record<string, unknown>) => string;
  readonly #verify: (token: string) => Record<string, unknown>;
  readonly ttlSeconds: number;

  constructor(secretKey: string, ttlSeconds: number) {
    if (secretKey.length < 32) {
      throw new GaleError(
        'GALE_ERR_SECRET_KEY_MISSING',
        'api.secret_key is missing or shorter than 32 characters',
        {
          hint: 'Set GALE__API__SECRET_KEY to the same 32+ character key on API servers, schedulers and workers (for example: openssl rand -hex 32).',
        },
      );
    }
    const key = executionKey(secretKey);
    this.ttlSeconds = ttlSeconds;
    // Loaded here, not at import: task processes import executors/index.ts but never mint or verify.
    const { createSigner, createVerifier } = createRequire(import.meta.url)(
      'fast-jwt',
    ) as typeof import('fast-jwt');
    // no expiresIn: each token's exp is set by mint(), so that some may live longer
    this.#sign = createSigner({ key, algorithm: 'HS256', aud: AUDIENCE });
    this.#verify = createVerifier({ key, algorithms: ['HS256'], allowedAud: AUDIENCE });
  }

  /**
   * A token for one try, valid for the ttl, plus `waitSeconds` when the try's process may wait that
   * long before its first call (a pod Pending until kubernetes.pending_timeout). Heartbeats then
   * renew it with the plain ttl.
   */
  mint(tiId: string, tryNumber: number, options: { waitSeconds?: number } = {}): string {
    const exp = Math.floor(Date.now() / 1000) + this.ttlSeconds + Math.max(0, options.waitSeconds ?? 0);
    return this.#sign({ sub: tiId, try: tryNumber, exp });
  }

  /** The try a token is for; throws GALE_ERR_UNAUTHENTICATED when it is invalid or expired. */
  verify(token: string): TryClaims {
    let payload: Record<string, unknown>;
    try {
      payload = this.#verify(token);
    } catch (error) {
      throw new GaleError('GALE_ERR_UNAUTHENTICATED', 'The task execution token is invalid or has expired', {
        hint: 'Task processes get their token from the worker that starts them; check that api.secret_key is the same on workers and API servers.',
        cause: error,
      });
    }
    const { sub, try: tryNumber, exp } = payload;
    if (typeof sub !== 'string' || typeof tryNumber !== 'number' || typeof exp !== 'number') {
      throw new GaleError('GALE_ERR_UNAUTHENTICATED', 'The task execution token does not name a try');
    }
    return { tiId: sub, tryNumber, expiresAt: exp };
  }
}
