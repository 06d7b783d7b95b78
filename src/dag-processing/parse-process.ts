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
/**
 * A process's RSS grows about 70 kB a file (the modules it imported stay), so MAX_RSS_BYTES is the
 * real bound; this one only keeps a process from living forever. A start-up costs about a second of
 * CPU, so a pass of a thousand files on two processes should not pay more than two.
 */
export const MAX_FILES_PER_PROCESS = 1000;
export const MAX_RSS_BYTES = 512 * 1024 * 1024;

/** One file's parse, and its source as read after a clean import (else null). */
export interface ParseOutput {
  result: ParseResult;
  source: string | null;
}

/** How a parse ended early: the process ended during it (and whether it was killed for its time). */
interface Ended {
  ended: string;
  output: string;
  timedOut: boolean;
}

/**
 * How one parse ended: a result, the process's end (and whether it may be another file's doing),
 * or the process's end before this file's turn came (never this file's doing).
 */
type Outcome = ParseOutput | Ended | { notStarted: true };

interface Job {
  id: number;
  request: ParseRequest;
  settle: (outcome: Outcome) => void;
  output: string;
  timedOut: boolean;
}

class Child {
  readonly process: ChildProcess;
  served = 0;
  rssBytes = 0;
  exited = false;
  /** the file being imported */
  #job: Job | null = null;
  /** the file sent to be imported next, so that the process does not wait for this one between files */
  #queued: Job | null = null;
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

  /** Whether a file is in hand: then at most one more may be queued behind it. */
  get isBusy(): boolean {
    return this.#job !== null;
  }

  /** Imports the file, at once or (one at most) after the file in hand. */
  parse(request: ParseRequest, timeoutMs: number): Promise<Outcome> {
    return new Promise((settle) => {
      const job: Job = { id: ++this.#nextId, request, settle, output: '', timedOut: false };
      this.#timeoutMs = timeoutMs;
      if (this.#job) {
        if (this.#queued) throw new Error('a parse process queues one file at most');
        this.#queued = job;
      } else {
        this.#start(job);
      }
      const message: ParseJob = { id: job.id, request };
      this.process.send(message, (error) => {
        if (!error) return;
        this.#end(`Could not reach the parse process: ${error.message}`);
        this.process.kill('SIGKILL');
      });
    });
  }

  #start(job: Job): void {
    this.#job = job;
    this.#arm(job.id, (this.served === 0 ? STARTUP_TIMEOUT_MS : 0) + this.#timeoutMs);
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
    // the process starts the queued file as it sends this result: its time runs from now
    const queued = this.#queued;
    this.#queued = null;
    if (queued) this.#start(queued);
    this.rssBytes = typeof message.rssBytes === 'number' ? message.rssBytes : 0;
    const parsed = parseResultSchema.safeParse(message.result);
    job.settle({
      source: parsed.success && typeof message.source === 'string' ? message.source : null,
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
    const queued = this.#queued;
    this.#job = null;
    this.#queued = null;
    job?.settle({ ended: reason, output: job.output.trim(), timedOut: job.timedOut });
    queued?.settle({ notStarted: true });
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
 * replaces when that process is gone, worn or too big; the next file may wait in the process.
 */
export class ParseProcess {
  #child: Child | null = null;

  /**
   * Parses one file. A second call while one is in hand queues its file in the same process (a
   * third waits for a process of its own), so that the process goes from file to file without
   * waiting for this process to hand it the next.
   */
  async parse(request: ParseRequest, timeoutMs: number, isRetry = false): Promise<ParseOutput> {
    const child = this.#take();
    const outcome = await child.parse(request, timeoutMs);
    if ('result' in outcome) return outcome;
    if (this.#child === child) this.#drop();
    // the process ended before this file's turn: not this file's doing
    if ('notStarted' in outcome) return this.parse(request, timeoutMs, isRetry);
    // A process that served other files may have been ended by what one of them left behind (a
    // timer that calls process.exit): the file gets another process before it is blamed.
    if (!isRetry && !outcome.timedOut && child.served > 0) return this.parse(request, timeoutMs, true);
    return failure(request, timeoutMs, outcome);
  }

  /** Ends the process (it is idle between files). */
  close(): void {
    this.#drop();
  }

  #take(): Child {
    // a worn process finishes the file in hand (and takes one more behind it) before it retires
    const worn =
      this.#child &&
      (this.#child.exited ||
        (!this.#child.isBusy &&
          (this.#child.served >= MAX_FILES_PER_PROCESS || this.#child.rssBytes > MAX_RSS_BYTES)));
    if (worn) this.#drop();
    this.#child ??= new Child();
    return this.#child;
  }

  #drop(): void {
    this.#child?.retire();
    this.#child = null;
  }
}

function failure(request: ParseRequest, timeoutMs: number, outcome: Ended): ParseOutput {
  const message = outcome.timedOut
    ? `${request.file} took longer than ${timeoutMs / 1000}s to import and was killed (dag_processor.file_parsing_timeout)`
    : outcome.ended.startsWith('Could not')
      ? outcome.ended
      : `${request.file} ${outcome.ended}`;
  return {
    result: {
      dags: [],
      error: { message, stack: outcome.output ? `${message}\n${outcome.output}` : message },
    },
    source: null,
  };
}
