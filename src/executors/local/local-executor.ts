/**
 * The local executor: runs tries on this machine, at most `parallelism` at once, each in a task
 * process that leads its own process group and records its own result (so it outlives a
 * scheduler crash, and a timeout can kill everything it started). By default tries run in a pool
 * of warm task processes, one try at a time each, replaced when they crash, after
 * max_tries_per_process tries or above max_process_memory_mb; a task with freshProcess (or
 * warm_processes: false) gets a new process per try, whose stdout and stderr are its log file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { dirname } from 'node:path';
import type { ExecutionTokens } from '../execution-token.js';
import type { Executor, ExecutorEvent, TaskWorkload } from '../executor.js';
import { ExecutorEvents } from '../executor-events.js';
import {
  TRY_WRITES_VIA_EXECUTOR_ENV,
  type TryWriteReply,
  type TryWriter,
  tryWriteRequestSchema,
} from './try-writes.js';

const RUNNER = new URL('../../runner/main.js', import.meta.url);
const POOL_WORKER = new URL('../../runner/pool-worker.js', import.meta.url);

export interface LocalExecutorOptions {
  parallelism: number;
  /** seconds between SIGTERM and SIGKILL */
  killGraceSeconds: number;
  warmProcesses: boolean;
  prewarmProcesses: number;
  idleProcessTtlSeconds: number;
  /** extra environment for task processes */
  env?: NodeJS.ProcessEnv;
  /**
   * Task processes call the task execution API at `url` with a token per try minted here, and get
   * no database, API or Redis settings in their environment (workers; the scheduler's own local
   * executor leaves this out and its task processes use the database directly).
   */
  taskApi?: { url: string; tokens: ExecutionTokens };
  /**
   * Records the claims, ends and deferrals of warm task processes in this process (the scheduler's
   * database connection) instead of in each task process; not with taskApi.
   */
  tryWriter?: TryWriter;
}

/** What a warm process is sent (runner/pool-worker.ts checks it with its poolRequestSchema). */
interface PoolRequest {
  type: 'run';
  workload: TaskWorkload;
  apiToken?: string;
  /** the claim made for the process before the hand-over (what the claim write answered) */
  claimed?: unknown;
}

/** Settings a task process must not see when it talks to the task execution API. */
const PRIVATE_SETTINGS = /^GALE__(DATABASE|API|QUEUE)__|^GALE__CORE__FERNET_KEY$/;

interface Running {
  workload: TaskWorkload;
  pid: number | undefined;
  timers: NodeJS.Timeout[];
  timedOut: boolean;
}

interface WarmProcess {
  child: ChildProcess;
  isReady: boolean;
  /** no more tries: it said it will recycle, or it is being stopped */
  isLeaving: boolean;
  running: Running | null;
  idleTimer: NodeJS.Timeout | null;
}

/** Warm processes starting at once: more only fight for the CPU and start later. */
const MAX_STARTING = Math.max(1, availableParallelism());

/**
 * The task process enforces executionTimeout itself from the moment it claims the try; this is the
 * backstop for when it cannot, counted from the hand-over, with room for a slow start.
 */
const TIMEOUT_BACKSTOP_MS = 30_000;

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

export class LocalExecutor implements Executor {
  readonly name = 'local';
  readonly #options: LocalExecutorOptions;
  readonly #running = new Map<string, Running>();
  readonly #warm = new Set<WarmProcess>();
  /** tries handed over, waiting for a warm process to be free or ready */
  readonly #waiting: Running[] = [];
  readonly #events = new ExecutorEvents();
  #accepting = true;
  readonly #host = hostname();

  constructor(options: LocalExecutorOptions) {
    this.#options = options;
  }

  start(): void {
    if (!this.#options.warmProcesses) return;
    const n = Math.min(this.#options.prewarmProcesses, this.#options.parallelism);
    for (let i = this.#warm.size; i < n; i++) this.#spawnWarm();
  }

  openSlots(): number {
    return this.#accepting ? Math.max(0, this.#options.parallelism - this.#running.size) : 0;
  }

  taskCounts(): { queued: number; running: number } {
    // tries waiting for a warm process are tracked in #running too
    return { queued: this.#waiting.length, running: this.#running.size - this.#waiting.length };
  }

  isRunning(tiId: string): boolean {
    return this.#running.has(tiId);
  }

  onEvent(listener: () => void): void {
    this.#events.onEvent(listener);
  }

  drainEvents(): ExecutorEvent[] {
    return this.#events.drain();
  }

  #emit(event: ExecutorEvent): void {
    this.#events.emit(event);
  }

  queue(workload: TaskWorkload): void {
    if (!this.#options.warmProcesses || workload.freshProcess) {
      mkdirSync(dirname(workload.logPath), { recursive: true });
      this.#runFresh(workload);
      return;
    }
    // a warm process makes its try's log folder itself
    this.#waiting.push(this.#track(workload, undefined));
    this.#dispatch();
  }

  /** Hands waiting tries to free warm processes, and starts more processes while tries wait. */
  #dispatch(): void {
    for (const p of this.#warm) {
      if (this.#waiting.length === 0) break;
      if (p.isReady && !p.isLeaving && !p.running) this.#send(p, this.#waiting.shift()!);
    }
    let starting = [...this.#warm].filter((p) => !p.isReady).length;
    while (
      this.#accepting &&
      this.#waiting.length > starting &&
      starting < MAX_STARTING &&
      this.#warm.size < this.#options.parallelism
    ) {
      this.#spawnWarm();
      starting++;
    }
  }

  #track(workload: TaskWorkload, pid: number | undefined): Running {
    const entry: Running = { workload, pid: undefined, timers: [], timedOut: false };
    this.#running.set(workload.tiId, entry);
    if (pid !== undefined) this.#started(entry, pid);
    return entry;
  }

  /** The try is in a process now: arm the timeout backstop. */
  #started(entry: Running, pid: number): void {
    entry.pid = pid;
    const { workload } = entry;
    if (workload.executionTimeoutMs !== null) {
      const grace = this.#options.killGraceSeconds * 1000;
      entry.timers.push(
        setTimeout(
          () => {
            entry.timedOut = true;
            killGroup(pid, 'SIGTERM');
            entry.timers.push(setTimeout(() => killGroup(pid, 'SIGKILL'), grace));
          },
          workload.executionTimeoutMs + TIMEOUT_BACKSTOP_MS + grace,
        ),
      );
    }
  }

  #untrack(entry: Running): boolean {
    if (this.#running.get(entry.workload.tiId) !== entry) return false;
    for (const t of entry.timers) clearTimeout(t);
    this.#running.delete(entry.workload.tiId);
    return true;
  }

  #runFresh(workload: TaskWorkload): void {
    const fd = openSync(workload.logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [RUNNER.pathname], {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: {
          ...this.#taskEnv(),
          GALE_TASK_WORKLOAD: JSON.stringify(workload),
          ...(this.#options.taskApi
            ? {
                GALE_EXECUTION_API_TOKEN: this.#options.taskApi.tokens.mint(
                  workload.tiId,
                  workload.tryNumber,
                ),
              }
            : {}),
        },
      });
    } finally {
      closeSync(fd);
    }
    child.unref();
    const entry = this.#track(workload, child.pid);
    const finish = (exitCode: number | null, signal: string | null) => {
      if (!this.#untrack(entry)) return;
      this.#emit({ kind: 'exited', workload, exitCode, signal, timedOut: entry.timedOut });
    };
    child.on('exit', (code, signal) => finish(code, signal));
    child.on('error', () => finish(null, null));
  }

  /** The environment of task processes: without private settings when they use the task execution API. */
  #taskEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.#options.env };
    const { taskApi } = this.#options;
    if (!taskApi) return env;
    for (const name of Object.keys(env)) if (PRIVATE_SETTINGS.test(name)) delete env[name];
    env.GALE_EXECUTION_API_URL = taskApi.url;
    return env;
  }

  #spawnWarm(): WarmProcess {
    const { tryWriter, taskApi } = this.#options;
    const writesHere = tryWriter !== undefined && taskApi === undefined;
    const child = spawn(process.execPath, [POOL_WORKER.pathname], {
      detached: true,
      // JSON over the IPC channel (node's default): cheaper than V8's structured clone for these
      // small messages; the one date a try write answers with is revived by ExecutorTryChannel
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...this.#taskEnv(), ...(writesHere ? { [TRY_WRITES_VIA_EXECUTOR_ENV]: '1' } : {}) },
    });
    child.unref();
    child.channel?.unref();
    const p: WarmProcess = {
      child,
      isReady: false,
      isLeaving: false,
      running: null,
      idleTimer: null,
    };
    this.#warm.add(p);
    // What the process prints outside the task log (a crash, raw writes) goes to the try it runs.
    const relay = (chunk: Buffer) => {
      if (p.running) {
        try {
          appendFileSync(p.running.workload.logPath, chunk);
        } catch {
          // the log folder went away; nothing to keep
        }
      }
    };
    child.stdout?.on('data', relay);
    child.stderr?.on('data', relay);
    child.on('message', (message: { type?: string; recycle?: boolean; tiId?: string }) => {
      if (message.type === 'write') {
        if (writesHere) this.#write(child, message);
      } else if (message.type === 'ready') {
        p.isReady = true;
        this.#idle(p);
        this.#dispatch();
      } else if (message.type === 'done' && p.running) {
        const entry = p.running;
        p.running = null;
        if (message.recycle) p.isLeaving = true;
        if (this.#untrack(entry)) this.#emit({ kind: 'finished', workload: entry.workload });
        if (!p.isLeaving) this.#idle(p);
        this.#dispatch();
      } else if (message.type === 'rejected' && p.running && p.running.workload.tiId === message.tiId) {
        // It was going away when the try arrived: the try waits for another process.
        const entry: Running = p.running;
        p.running = null;
        p.isLeaving = true;
        for (const t of entry.timers) clearTimeout(t);
        entry.timers = [];
        entry.pid = undefined;
        this.#waiting.unshift(entry);
        this.#dispatch();
      } else if (message.type === 'bye') {
        p.isLeaving = true;
      }
    });
    const gone = (exitCode: number | null, signal: string | null) => {
      if (!this.#warm.delete(p)) return;
      if (p.idleTimer) clearTimeout(p.idleTimer);
      const lost = p.running;
      if (lost && this.#untrack(lost)) {
        this.#emit({ kind: 'exited', workload: lost.workload, exitCode, signal, timedOut: lost.timedOut });
      }
      if (this.#accepting) {
        this.start();
        this.#dispatch();
      }
    };
    // After 'exit' the last IPC messages may still be unread: wait for the channel to close
    // (bounded; not 'close', which a grandchild holding the process's stdout would delay forever).
    child.on('exit', (code, signal) => {
      if (!child.connected) return gone(code, signal);
      const timer = setTimeout(() => gone(code, signal), 1000);
      child.once('disconnect', () => {
        clearTimeout(timer);
        setImmediate(() => gone(code, signal));
      });
    });
    child.on('error', () => gone(null, null));
    return p;
  }

  /** Records a warm process's try write and answers it; an answer to a process gone is dropped. */
  #write(child: ChildProcess, message: unknown): void {
    const request = tryWriteRequestSchema.safeParse(message);
    if (!request.success || !this.#options.tryWriter) return;
    const { id, method, args } = request.data;
    const answer = (reply: TryWriteReply) => {
      if (child.connected) child.send(reply, () => undefined);
    };
    this.#options.tryWriter(method, args).then(
      (value) => answer({ type: 'written', id, ok: true, value }),
      (error: unknown) => answer({ type: 'written', id, ok: false, error: String(error) }),
    );
  }

  #send(p: WarmProcess, entry: Running): void {
    if (p.idleTimer) clearTimeout(p.idleTimer);
    p.idleTimer = null;
    p.running = entry;
    if (p.child.pid !== undefined) this.#started(entry, p.child.pid);
    const { taskApi } = this.#options;
    const { workload } = entry;
    const { tryWriter } = this.#options;
    const pid = p.child.pid;
    if (tryWriter && !taskApi && pid !== undefined) {
      this.#claimFor(p, entry, tryWriter, pid);
      return;
    }
    const apiToken = taskApi?.tokens.mint(workload.tiId, workload.tryNumber);
    this.#hand(p, { type: 'run', workload, apiToken });
  }

  /**
   * Claims the try for the warm process (queued -> running, with its pid) before it is sent, so
   * that the process starts at once instead of asking back: one round trip less per try. A try
   * that cannot be claimed (re-queued, cleared meanwhile) ends here as its process would end it;
   * when the claim cannot be written, the process claims the try itself.
   */
  #claimFor(p: WarmProcess, entry: Running, write: TryWriter, pid: number): void {
    const { workload } = entry;
    const ref = {
      tiId: workload.tiId,
      tryNumber: workload.tryNumber,
      dagId: workload.dagId,
      runId: workload.runId,
      taskId: workload.taskId,
      mapIndex: workload.mapIndex,
    };
    write('claim', [ref, { token: workload.token, hostname: this.#host, pid }]).then(
      (claimed) => {
        // the process died meanwhile: its exit reported the try
        if (p.running !== entry || !this.#warm.has(p)) return;
        if (claimed) return this.#hand(p, { type: 'run', workload, claimed });
        p.running = null;
        if (this.#untrack(entry)) this.#emit({ kind: 'finished', workload });
        if (!p.isLeaving) this.#idle(p);
        this.#dispatch();
      },
      () => {
        if (p.running === entry && this.#warm.has(p)) this.#hand(p, { type: 'run', workload });
      },
    );
  }

  #hand(p: WarmProcess, request: PoolRequest): void {
    p.child.send(request, (error) => {
      // The process died before it got the try: its exit reports the try as lost.
      if (error) p.child.kill('SIGKILL');
    });
  }

  #idle(p: WarmProcess): void {
    if (p.idleTimer) clearTimeout(p.idleTimer);
    p.idleTimer = setTimeout(() => {
      const idle = [...this.#warm].filter((w) => !w.running && !w.isLeaving);
      if (idle.length > this.#options.prewarmProcesses && !p.running) this.#retire(p);
    }, this.#options.idleProcessTtlSeconds * 1000);
    p.idleTimer.unref();
  }

  #retire(p: WarmProcess): void {
    p.isLeaving = true;
    if (p.child.connected) p.child.disconnect();
  }

  async shutdown(graceMs: number): Promise<void> {
    this.#accepting = false;
    for (const entry of this.#waiting.splice(0)) this.#untrack(entry);
    for (const p of this.#warm) if (!p.running) this.#retire(p);
    const deadline = Date.now() + graceMs;
    while (this.#running.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // Warm processes still running a try finish it on their own and exit (IPC disconnect).
    for (const p of this.#warm) this.#retire(p);
    for (const entry of this.#running.values()) for (const t of entry.timers) clearTimeout(t);
  }
}
