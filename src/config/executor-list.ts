/**
 * `core.executor`: the executors a scheduler runs, as Airflow 2.10+'s multiple executors. Written
 * as a comma-separated list (`local,queue`) or a YAML list; the first is the default executor, the
 * one that runs every task that does not name its own. Parsed into a frozen, non-empty list of
 * distinct executor names; anything else fails naming what to fix.
 */
import { z } from '#zod';
import { EXECUTOR_NAMES, type ExecutorName, isExecutorName } from '../models/index.js';

const KNOWN = EXECUTOR_NAMES.join(', ');

export const executorListSchema = z
  .preprocess(
    (v) => (typeof v === 'string' ? (v.trim() === '' ? [] : v.split(',').map((s) => s.trim())) : v),
    z.array(z.unknown(), { error: 'must be a comma-separated list of executors, e.g. local,queue' }),
  )
  .transform((items, ctx): readonly ExecutorName[] => {
    const names: ExecutorName[] = [];
    if (items.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: `name at least one executor (${KNOWN}); the first is the default`,
      });
      return names;
    }
    for (const item of items) {
      const name = typeof item === 'string' ? item : JSON.stringify(item);
      if (name === '') {
        ctx.addIssue({
          code: 'custom',
          message: 'an empty executor name (two commas in a row, or one at an end)',
        });
      } else if (!isExecutorName(name)) {
        ctx.addIssue({
          code: 'custom',
          message: `unknown executor "${name}"; Gale's executors are ${KNOWN}`,
        });
      } else if (names.includes(name)) {
        ctx.addIssue({
          code: 'custom',
          message: `executor "${name}" is listed twice; list each executor once`,
        });
      } else {
        names.push(name);
      }
    }
    return Object.freeze(names);
  });
