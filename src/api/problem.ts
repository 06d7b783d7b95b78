/**
 * Errors as RFC 9457 problem details (`application/problem+json`): a status, a title, a detail
 * that says what to fix, and Gale's stable error code. Never a stack trace to the client.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { type ErrorCode, GaleError } from '../models/index.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

/** The HTTP status of each Gale error code raised in a request. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  GALE_ERR_UNAUTHENTICATED: 401,
  GALE_ERR_FORBIDDEN: 403,
  GALE_ERR_NOT_FOUND: 404,
  GALE_ERR_DAG_NOT_FOUND: 404,
  GALE_ERR_TASK_NOT_FOUND: 404,
  GALE_ERR_RUN_NOT_FOUND: 404,
  GALE_ERR_USER_NOT_FOUND: 404,
  GALE_ERR_VARIABLE_NOT_FOUND: 404,
  GALE_ERR_ASSET_NOT_FOUND: 404,
  GALE_ERR_ASSET_INVALID: 400,
  GALE_ERR_CONNECTION_NOT_FOUND: 404,
  GALE_ERR_VARIABLE_EXISTS: 409,
  GALE_ERR_CONNECTION_EXISTS: 409,
  GALE_ERR_RUN_EXISTS: 409,
  GALE_ERR_USER_EXISTS: 409,
  GALE_ERR_LAST_ADMIN: 409,
  GALE_ERR_POOL_IN_USE: 409,
  GALE_ERR_BACKFILL_NOT_FOUND: 404,
  GALE_ERR_BACKFILL_ACTIVE: 409,
  GALE_ERR_BACKFILL_COMPLETED: 409,
  // as Airflow's backfill routes: a request that parses but cannot be a backfill
  GALE_ERR_BACKFILL_INVALID: 422,
  GALE_ERR_HITL_NOT_FOUND: 404,
  GALE_ERR_HITL_ALREADY_RESPONDED: 409,
  GALE_ERR_HITL_INVALID_RESPONSE: 400,
  GALE_ERR_HITL_NOT_ASSIGNEE: 403,
  GALE_ERR_INVALID_REQUEST: 400,
  GALE_ERR_USAGE: 400,
  GALE_ERR_CONF_INVALID: 400,
  GALE_ERR_UNKNOWN_POOL: 400,
  // the server is fine; a worker it reads a log from is not
  GALE_ERR_LOG_UNAVAILABLE: 502,
  // an xcom row refers to an output file this server cannot read (output_store.path not shared)
  GALE_ERR_OUTPUT_MISSING: 500,
};

export function problem(status: number, detail: string, code: string): Problem {
  return { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, code };
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.status(p.status).type('application/problem+json').send(p);
}

/** The error handler of the whole server. */
export function errorHandler(log: Logger) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    // As Airflow 3 (FastAPI): a request that breaks the route's schema (body, query, path) is 422;
    // a body that is not JSON at all is Fastify's 400 below (FST_ERR_CTP_INVALID_JSON_BODY).
    if (hasZodFastifySchemaValidationErrors(error)) {
      const where = error.validationContext ?? 'request';
      const issues = error.validation
        .map((v) => `${where}${v.instancePath ? v.instancePath.replaceAll('/', '.') : ''}: ${v.message}`)
        .join('; ');
      return sendProblem(reply, problem(422, issues, 'GALE_ERR_INVALID_REQUEST'));
    }
    if (error instanceof GaleError) {
      const status = STATUS[error.code] ?? 400;
      const detail = error.hint ? `${error.message}. ${error.hint}` : error.message;
      return sendProblem(reply, problem(status, detail, error.code));
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      log.error({ err: error, url: request.url, method: request.method }, 'API request failed');
      return sendProblem(
        reply,
        problem(500, 'The server failed to answer; its log says why.', 'GALE_ERR_INTERNAL'),
      );
    }
    // Fastify's own client errors (bad JSON, body too large, wrong content type): their message is safe.
    return sendProblem(reply, problem(status, error.message, error.code ?? 'GALE_ERR_INVALID_REQUEST'));
  };
}
