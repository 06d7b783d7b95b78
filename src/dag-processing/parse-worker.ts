/**
 * Entry of a parse process: imports one DAG file, serializes its DAGs and sends them to the
 * DAG processor over IPC, then exits. Whatever the file does (throw, loop, exit) stays here.
 */
import { z } from 'zod';
import type { ParseResult } from '../models/index.js';
import { loadDagModule } from './load-dag-module.js';

export const parseRequestSchema = z.object({
  file: z.string(),
  defaults: z.object({
    catchup: z.boolean(),
    dataIntervals: z.boolean(),
    timezone: z.string(),
    maxActiveRuns: z.number(),
    maxActiveTasks: z.number(),
  }),
});
export type ParseRequest = z.infer<typeof parseRequestSchema>;

async function main(): Promise<void> {
  const request = parseRequestSchema.parse(JSON.parse(process.env.GALE_PARSE_REQUEST ?? 'null'));
  let result: ParseResult;
  // The import timeout starts now: the process's own start-up does not count, as Airflow's.
  process.send?.({ importing: true });
  try {
    const dags = await loadDagModule(request.file);
    result = { dags: dags.map((d) => d.serialize(request.file, request.defaults)), error: null };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const hint = (e as { hint?: string }).hint;
    result = {
      dags: [],
      error: { message: hint ? `${e.message}\nhint: ${hint}` : e.message, stack: e.stack ?? e.message },
    };
  }
  process.send?.(result, () => process.exit(0));
}

void main();
