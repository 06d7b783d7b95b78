/**
 * Entry of a parse process: imports the DAG files the DAG processor sends over IPC, one at a time,
 * and sends back each file's serialized DAGs (or why it failed). Whatever a file does (throw, loop,
 * exit) stays in this process: the processor kills and replaces it, never itself.
 */
import { readFileSync } from 'node:fs';
import { z } from '#zod';
import type { ParseResult } from '../models/index.js';
import { loadDagModule, prepareDagCompiler } from './load-dag-module.js';

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

/** What the processor sends: one file to parse. */
export interface ParseJob {
  id: number;
  request: ParseRequest;
}

/**
 * What a parse process sends back: that the import starts (the timeout starts then), then the
 * result, with the file's source as read after a clean import (null after an error, or when it
 * could not be read): the processor stores it without reading the file itself.
 */
export type ParseReply =
  | { id: number; importing: true }
  | { id: number; result: ParseResult; source: string | null; rssBytes: number };

async function parse(request: ParseRequest): Promise<ParseResult> {
  try {
    // a fresh module instance per parse: a file another DAG file imported earlier still defines its DAGs
    const dags = await loadDagModule(request.file, { fresh: true });
    return { dags: dags.map((d) => d.serialize(request.file, request.defaults)), error: null };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    const hint = (e as { hint?: string }).hint;
    return {
      dags: [],
      error: { message: hint ? `${e.message}\nhint: ${hint}` : e.message, stack: e.stack ?? e.message },
    };
  }
}

/** The file's source, read at once: a small file, and nothing else for this process to do meanwhile. */
function readSource(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

const jobSchema = z.object({ id: z.number(), request: parseRequestSchema });

function send(reply: ParseReply): void {
  process.send?.(reply);
}

// the hooks thread loads the compiler while this process waits for its first file
prepareDagCompiler();
let queue = Promise.resolve();
let started = false;
process.on('message', (message) => {
  const job = jobSchema.parse(message);
  // one file at a time: the processor sends the next file before this one's result, to wait here
  queue = queue.then(async () => {
    // The import timeout starts now: the process's own start-up does not count, as Airflow's. Only
    // the first file waits for a start-up; the processor times the later ones from their sending.
    if (!started) send({ id: job.id, importing: true });
    started = true;
    const result = await parse(job.request);
    const source = result.error ? null : readSource(job.request.file);
    send({ id: job.id, result, source, rssBytes: process.memoryUsage.rss() });
  });
});
// the processor went away (or retired this process): nothing more will come
process.on('disconnect', () => process.exit(0));
