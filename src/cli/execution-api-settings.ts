/**
 * What task processes that hold no database settings use instead: the task execution API's URL
 * and the signer of their try tokens (`gale worker`'s task processes, the kubernetes executor's
 * pods). Both must be set; checked before anything starts, failing with what to set.
 */
import type { GaleConfig } from '../config/index.js';
import { ExecutionTokens } from '../executors/index.js';
import { GaleError } from '../models/index.js';

/** `who` names what needs the API in the error, e.g. "gale worker". */
export function executionApi(c: GaleConfig, who: string): { url: string; tokens: ExecutionTokens } {
  const { url, token_ttl } = c.execution_api;
  let parsed: URL | null = null;
  try {
    parsed = url ? new URL(url) : null;
  } catch {
    parsed = null;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) {
    throw new GaleError(
      'GALE_ERR_CONFIG_INVALID',
      url
        ? `execution_api.url "${url}" is not an http(s) URL`
        : `${who} needs execution_api.url: its task processes reach Gale's metadata through the API server, not the database`,
      {
        hint: 'Set GALE__EXECUTION_API__URL to the API server as task processes reach it, e.g. http://gale-api:8080.',
      },
    );
  }
  const beat = c.scheduler.task_instance_heartbeat_sec;
  if (token_ttl < 3 * beat) {
    throw new GaleError(
      'GALE_ERR_CONFIG_INVALID',
      `execution_api.token_ttl (${token_ttl} s) must be at least 3 heartbeats (scheduler.task_instance_heartbeat_sec is ${beat} s)`,
      { hint: 'Raise GALE__EXECUTION_API__TOKEN_TTL, or lower the heartbeat interval.' },
    );
  }
  return { url, tokens: new ExecutionTokens(c.api.secret_key, token_ttl) };
}
