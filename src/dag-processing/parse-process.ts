/**
 * A parse process that imports DAG files one after another, so that a pass pays Node's start-up,
 * the SDK's import and esbuild's start once per process rather than once per file. It is replaced
 * when a file kills it or outlives dag_processor.file_parsing_timeout, and retired after
 * MAX_FILES_PER_PROCESS files or above MAX_RSS_BYTES, which bounds what earlier files' modules hold.
 * Never throws for what a DAG file does.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { type ParseResult, parseResultSchema } from '../models/index.js';
import type { ParseJob, ParseReply, ParseRequest } from './parse-worker.js';

const WORKER = new URL('./parse-worker.js', import.meta.url);
const MAX_CAPTURE = 8 * 1024;
/** How long a parse process may take to start before it begins importing its first file. */
const STARTUP_TIMEOUT_MS = 60_000;
export const MAX_FILES_PER_PROCESS = 250;
export const MAX_RSS_BYTES = 512 * 1024 * 1024;

/** How one parse ended: a result, or the process's end (and whether it may be another file's doing). */
type Outcome = { result: ParseResult } | { ended: string; output: string; timedOut: boolean };

class Child {
  readonly process: ChildProcess;
  served = 0;
  rssBytes = 0;
  exited = false;
  #job: { id: number; settle: (outcome: Outcome) => void; output: string; timedOut: boolean } | null = null;
  #timer: NodeJS.Timeout | undefined;
  #nextId = 0;
  #timeoutMs = 0;

  constructor() {
    this.process = fork(WORKER, [], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const capture = (chunk: Buffer) => {
      if (this.#job && this.#job.output.length < MAX_CAPTURE) this.#job.output += chunk.toString('utf8');
    };
    this.process.stdout?.on('data', capture);
    this.process.stderr?.on('data', capture);
    this.process.on('message', (message: ParseReply) => this.#onMessage(message));
    this.process.on('error', (error) => this.#end(`Could not start a parse process: ${error.message}`));
    this.process.on('exit', (code, signal) =>
      this.#end(`ended its process during import (${signal ? `signal ${signal}` : `exit code ${code}`})`),
    );
  }

  parse(request: ParseRequest, timeoutMs: number): Promise<Outcome> {
    return new Promise((settle) => {
      const id = ++this.#nextId;
      this.#timeoutMs = timeoutMs;
      this.#job = { id, settle, output: '', timedOut: false };
      this.#arm(id, (this.served === 0 ? STARTUP_TIMEOUT_MS : 0) + timeoutMs);
      const job: ParseJob = { id, request };
      this.process.send(job, (error) => {
        if (!error) return;
        this.#end(`Could not reach the parse process: ${error.message}`);
        this.process.kill('SIGKILL');
      });
    });
  }

  #arm(id: number, ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      if (this.#job?.id !== id) return;
      this.#job.timedOut = true;
      this.process.kill('SIGKILL');
    }, ms);
  }

  #onMessage(message: ParseReply): void {
    const job = this.#job;
    if (!job || typeof message !== 'object' || message === null || message.id !== job.id) return;
    if ('importing' in message) {
      this.#arm(job.id, this.#timeoutMs);
      return;
    }
    clearTimeout(this.#timer);
    this.#job = null;
    this.served++;
    this.rssBytes = typeof message.rssBytes === 'number' ? message.rssBytes : 0;
    const parsed = parseResultSchema.safeParse(message.result);
    job.settle({
      result: parsed.success
        ? parsed.data
        : {
            dags: [],
            error: { message: 'The parse process sent an invalid result', stack: parsed.error.message },
          },
    });
  }

  #end(reason: string): void {
    this.exited = true;
    clearTimeout(this.#timer);
    const job = this.#job;
    this.#job = null;
    job?.settle({ ended: reason, output: job.output.trim(), timedOut: job.timedOut });
  }

  retire(): void {
    clearTimeout(this.#timer);
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    // a process with no file in hand leaves when its channel closes; one still importing is killed
    if (this.#job || this.exited) this.process.kill('SIGKILL');
    else if (this.process.connected) this.process.disconnect();
  }
}

/**
 * One slot of the pool: parses files one at a time in a process it starts when needed and
 * replaces when that process is gone, worn or too big.
 */
export class ParseProcess {
  #child: Child | null = null;

  async parse(request: ParseRequest, timeoutMs: number): Promise<ParseResult> {
    const child = this.#take();
    const outcome = await child.parse(request, timeoutMs);
    if ('result' in outcome) return outcome.result;
    this.#drop();
    // A process that served other files may have been ended by what one of them left behind (a
    // timer that calls process.exit): the file gets a process of its own before it is blamed.
    if (!outcome.timedOut && child.served > 0) {
      const again = await this.#take().parse(request, timeoutMs);
      if ('result' in again) return again.result;
      this.#drop();
      return failure(request, timeoutMs, again);
    }
    return failure(request, timeoutMs, outcome);
  }

  /** Ends the process (it is idle between files). */
  close(): void {
    this.#drop();
  }

  #take(): Child {
    const worn =
      this.#child &&
      (this.#child.exited ||
        this.#child.served >= MAX_FILES_PER_PROCESS ||
        this.#child.rssBytes > MAX_RSS_BYTES);
    if (worn) this.#drop();
    this.#child ??= new Child();
    return this.#child;
  }

  #drop(): void {
    this.#child?.retire();
    this.#child = null;
  }
}

function failure(
  request: ParseRequest,
  timeoutMs: number,
  outcome: { ended: string; output: string; timedOut: boolean },
): ParseResult {
  const message = outcome.timedOut
    ? `${request.file} took longer than ${timeoutMs / 1000}s to import and was killed (dag_processor.file_parsing_timeout)`
    : outcome.ended.startsWith('Could not')
      ? outcome.ended
      : `${request.file} ${outcome.ended}`;
  return {
    dags: [],
    error: { message, stack: outcome.output ? `${message}\n${outcome.output}` : message },
  };
}
