/** Parses one DAG file in a child process with a timeout; never throws for what the file does. */
import { fork } from 'node:child_process';
import { type ParseResult, parseResultSchema } from '../models/index.js';
import type { ParseRequest } from './parse-worker.js';

const WORKER = new URL('./parse-worker.js', import.meta.url);
const MAX_CAPTURE = 8 * 1024;
/** How long a parse process may take to start before it begins importing the file. */
const STARTUP_TIMEOUT_MS = 60_000;

export async function parseDagFile(request: ParseRequest, timeoutMs: number): Promise<ParseResult> {
  return new Promise((resolve) => {
    const child = fork(WORKER, [], {
      env: { ...process.env, GALE_PARSE_REQUEST: JSON.stringify(request) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    let output = '';
    const capture = (chunk: Buffer) => {
      if (output.length < MAX_CAPTURE) output += chunk.toString('utf8');
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    let result: ParseResult | null = null;
    let timedOut = false;
    const arm = (ms: number) =>
      setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, ms);
    let timer = arm(STARTUP_TIMEOUT_MS + timeoutMs);
    child.on('message', (message) => {
      if (typeof message === 'object' && message !== null && 'importing' in message) {
        clearTimeout(timer);
        timer = arm(timeoutMs);
        return;
      }
      const parsed = parseResultSchema.safeParse(message);
      result = parsed.success
        ? parsed.data
        : {
            dags: [],
            error: { message: 'The parse process sent an invalid result', stack: parsed.error.message },
          };
    });
    const fail = (message: string) =>
      resolve({
        dags: [],
        error: { message, stack: output.trim() ? `${message}\n${output.trim()}` : message },
      });
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(`Could not start a parse process: ${error.message}`);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) return resolve(result);
      if (timedOut) {
        return fail(
          `${request.file} took longer than ${timeoutMs / 1000}s to import and was killed (dag_processor.file_parsing_timeout)`,
        );
      }
      fail(
        `${request.file} ended its process during import (${signal ? `signal ${signal}` : `exit code ${code}`})`,
      );
    });
  });
}
