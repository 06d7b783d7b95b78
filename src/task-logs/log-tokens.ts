/**
 * Tokens of the worker log servers, as Airflow's served logs: a short-lived JWT (HS256) whose
 * `filename` claim names the one log it may read. The key is derived from api.secret_key for
 * this use alone, so an access token of the API never opens a log server and a log token never
 * opens the API. API servers sign (one token per read); workers verify.
 */
import { createHmac } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import { z } from '#zod';
import { GaleError } from '../models/index.js';

const AUDIENCE = 'gale:worker-log-server';
/** A token is signed for one request: it needs to live only as long as the request takes. */
export const LOG_TOKEN_TTL_SECONDS = 30;
/** How far the clocks of API servers and workers may disagree (Airflow's log_request_clock_grace). */
export const LOG_TOKEN_CLOCK_GRACE_SECONDS = 30;

const claimsSchema = z.object({ filename: z.string() });

/** HMAC-SHA256(api.secret_key, "gale worker log server"). */
export function logServerKey(secretKey: string): string {
  return createHmac('sha256', secretKey).update('gale worker log server').digest('hex');
}

export class LogTokens {
  readonly #key: string;
  readonly #now: () => number;

  /** `now`: milliseconds since the epoch (tests move the clock). */
  constructor(secretKey: string, options: { now?: () => number } = {}) {
    if (!secretKey) {
      throw new GaleError('GALE_ERR_SECRET_KEY_MISSING', 'Log tokens need api.secret_key', {
        hint: 'Set GALE__API__SECRET_KEY to the same 32+ character key on API servers and workers.',
      });
    }
    this.#key = logServerKey(secretKey);
    this.#now = options.now ?? Date.now;
  }

  /** A token that reads the log at `relativePath` (relative to the log folder) for a few seconds. */
  sign(relativePath: string): string {
    const sign = createSigner({
      key: this.#key,
      algorithm: 'HS256',
      aud: AUDIENCE,
      expiresIn: LOG_TOKEN_TTL_SECONDS * 1000,
      clockTimestamp: this.#now(),
    });
    return sign({ filename: relativePath });
  }

  /** Throws GALE_ERR_FORBIDDEN unless `token` is valid now and names exactly `relativePath`. */
  verify(token: string, relativePath: string): void {
    const verify = createVerifier({
      key: this.#key,
      algorithms: ['HS256'],
      allowedAud: AUDIENCE,
      // allowedAud alone lets a token without `aud` through
      requiredClaims: ['aud', 'filename', 'exp', 'iat'],
      maxAge: (LOG_TOKEN_TTL_SECONDS + LOG_TOKEN_CLOCK_GRACE_SECONDS) * 1000,
      clockTolerance: LOG_TOKEN_CLOCK_GRACE_SECONDS * 1000,
      clockTimestamp: this.#now(),
    });
    let payload: unknown;
    try {
      payload = verify(token);
    } catch (error) {
      // fast-jwt's messages say what is wrong ("The token has expired at ...") and hold no secret
      const reason = error instanceof Error ? error.message : 'it cannot be read';
      throw new GaleError('GALE_ERR_FORBIDDEN', `The log token is not valid: ${reason}`, {
        hint: 'API servers and workers need the same api.secret_key, and clocks that agree within 30 s.',
        cause: error,
      });
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success || claims.data.filename !== relativePath) {
      throw new GaleError('GALE_ERR_FORBIDDEN', 'The log token is for another log');
    }
  }
}
