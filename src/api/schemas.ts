/** Schemas shared by the routes: pagination, ordering, timestamps, the problem body. */
import { z } from '#zod';
import { GaleError } from '../models/index.js';

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
});

/** Error responses every authenticated route may give. */
export const errorResponses = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  422: problemSchema.describe('the request breaks the schema of its body, query or path (as Airflow 3)'),
} as const;

export const paginationQuery = {
  limit: z.coerce.number().int().min(1).max(1000).default(50).describe('at most this many entries'),
  offset: z.coerce.number().int().min(0).default(0).describe('skip this many entries first'),
};

/** `order_by=field` or `order_by=-field` (descending), among `allowed`. */
export function parseOrderBy<F extends string>(
  value: string | undefined,
  allowed: readonly F[],
  fallback: F,
): { field: F; direction: 'asc' | 'desc' } {
  if (!value) return { field: fallback, direction: 'asc' };
  const direction = value.startsWith('-') ? 'desc' : 'asc';
  const field = value.replace(/^-/, '') as F;
  if (!allowed.includes(field)) {
    throw new GaleError('GALE_ERR_INVALID_REQUEST', `Cannot order by "${field}"`, {
      hint: `Use order_by with one of ${allowed.join(', ')} (prefix "-" for descending).`,
    });
  }
  return { field, direction };
}

/** A comma-separated or repeated query parameter as a list. */
export const listParam = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => (v === undefined ? undefined : (Array.isArray(v) ? v : v.split(',')).filter(Boolean)));

export const isoDate = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), { message: 'not an ISO 8601 date-time' })
  .describe('ISO 8601 date-time');
