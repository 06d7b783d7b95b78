/**
 * The local executor: each try runs in its own process on this machine, at most `parallelism`
 * at once. A task process is a process-group leader with its log file as stdout and stderr, so
 * it records its own result even if the scheduler dies, and its whole group can be killed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Executor, ExecutorEvent, TaskWorkload } from '../executor.js';

const RUNNER = new URL('../../runner/main.js', import.meta.url);

export interface LocalExecutorOptions {
  parallelism: number;
  /** seconds between SIGTERM and SIGKILL */
  killGraceSeconds: number;
  /** extra environment for task processes */
  env?: NodeJS.ProcessEnv;
}

interface Running {
  child: ChildProcess;
  workload: TaskWorkload;
  timers: NodeJS.Timeout[];
  timedOut: boolean;
}

/**
 * The task process enforces executionTimeout itself from the moment it claims the try; this is the
 * backstop for when it cannot, counted from the spawn, with room for a slow start on a busy machine.
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
  #events: ExecutorEvent[] = [];
  readonly #listeners: (() => void)[] = [];
  #accepting = true;

  constructor(options: LocalExecutorOptions) {
    this.#options = options;
  }

  openSlots(): number {
    return this.#accepting ? Math.max(0, this.#options.parallelism - this.#running.size) : 0;
  }

  isRunning(tiId: string): boolean {
    return this.#running.has(tiId);
  }

  onEvent(listener: () => void): void {
    this.#listeners.push(listener);
  }

  drainEvents(): ExecutorEvent[] {
    const events = this.#events;
    this.#events = [];
    return events;
  }

  queue(workload: TaskWorkload): void {
    mkdirSync(dirname(workload.logPath), { recursive: true });
    const fd = openSync(workload.logPath, 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [RUNNER.pathname], {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: { ...process.env, ...this.#options.env, GALE_TASK_WORKLOAD: JSON.stringify(workload) },
      });
    } finally {
      closeSync(fd);
    }
    child.unref();
    const entry: Running = { child, workload, timers: [], timedOut: false };
    this.#running.set(workload.tiId, entry);
    if (workload.executionTimeoutMs !== null && child.pid !== undefined) {
      const pid = child.pid;
      entry.timers.push(
        setTimeout(
          () => {
            entry.timedOut = true;
            killGroup(pid, 'SIGTERM');
            entry.timers.push(
              setTimeout(() => killGroup(pid, 'SIGKILL'), this.#options.killGraceSeconds * 1000),
            );
          },
          workload.executionTimeoutMs + TIMEOUT_BACKSTOP_MS + this.#options.killGraceSeconds * 1000,
        ),
      );
    }
    const finish = (exitCode: number | null, signal: string | null) => {
      if (this.#running.get(workload.tiId) !== entry) return;
      for (const t of entry.timers) clearTimeout(t);
      this.#running.delete(workload.tiId);
      this.#events.push({ kind: 'exited', workload, exitCode, signal, timedOut: entry.timedOut });
      for (const l of this.#listeners) l();
    };
    child.on('exit', (code, signal) => finish(code, signal));
    child.on('error', () => finish(null, null));
  }

  async shutdown(graceMs: number): Promise<void> {
    this.#accepting = false;
    const deadline = Date.now() + graceMs;
    while (this.#running.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const entry of this.#running.values()) for (const t of entry.timers) clearTimeout(t);
  }
}
