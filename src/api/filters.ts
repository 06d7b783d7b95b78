/** Query filters the routes share, that behave the same on SQLite and PostgreSQL. */

import { type SqlBool, sql } from '#kysely';
import { z } from '#zod';

/** `?x_gte=` style filters: any ISO 8601 date-time, compared as the database stores times. */
export const dateQuery = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), 'is not an ISO 8601 date-time')
  .transform((v) => new Date(v).toISOString())
  .optional()
  .describe('ISO 8601 date-time');

/**
 * Case-insensitive "contains" on a column. LIKE has no escape character in SQLite unless one is
 * named, and is case-sensitive in PostgreSQL: both are made explicit here.
 */
export function containsIgnoringCase(column: string, text: string) {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`;
  return sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}
