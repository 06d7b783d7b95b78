/**
 * One long-running `gale` process that the benchmark started (standalone, scheduler, worker, ...):
 * its JSON log lines kept for waiting on and for error messages, and a stop that waits for it.
 * It only ever signals the process it spawned.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pollUntil } from './poll.js';

export const CLI = resolve(import.meta.dirname, '../cli/main.js');

/** One line of a service's log (GALE_LOG_FORMAT=json), or `{ msg: line }` for other output. */
export interface LogEntry {
  msg?: string;
  [key: string]: unknown;
}

const KEPT_LINES = 2000;

export class GaleProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly #entries: LogEntry[] = [];
  readonly #tail: string[] = [];
  readonly #exited: Promise<void>;
  #partial = '';

  constructor(name: string, args: readonly string[], env: NodeJS.ProcessEnv) {
    this.name = name;
    this.child = spawn(
      process.execPath,
      [
        ...(process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : []),
        CLI,
        ...args,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#exited = new Promise((r) => this.child.once('exit', () => r()));
    this.child.stdout?.on('data', (d: Buffer) => this.#take(d));
    this.child.stderr?.on('data', (d: Buffer) => this.#take(d));
  }

  #take(chunk: Buffer): void {
    const lines = (this.#partial + chunk.toString('utf8')).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      let entry: LogEntry;
      try {
        const parsed: unknown = JSON.parse(line);
        entry = typeof parsed === 'object' && parsed !== null ? (parsed as LogEntry) : { msg: line };
      } catch {
        entry = { msg: line };
      }
      this.#entries.push(entry);
      this.#tail.push(line);
      // a long benchmark logs every try: keep what waits and error messages need
      if (this.#entries.length > KEPT_LINES * 2) this.#entries.splice(0, KEPT_LINES);
      if (this.#tail.length > 60) this.#tail.shift();
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Its last log lines, for error messages. */
  tail(lines = 30): string {
    return this.#tail.slice(-lines).join('\n');
  }

  /** Throws, with its log's tail, when it has exited. */
  assertRunning(): void {
    if (this.hasExited) {
      throw new Error(
        `gale ${this.name} exited (${this.child.exitCode ?? this.child.signalCode}); its log ends:\n${this.tail()}`,
      );
    }
  }

  /** Waits for a log line that `match` accepts, and returns it. */
  async waitForLog(match: (entry: LogEntry) => boolean, what: string, timeoutMs: number): Promise<LogEntry> {
    return pollUntil(
      () => {
        const found = this.#entries.find(match);
        if (!found) this.assertRunning();
        return found;
      },
      { timeoutMs, what: `${what} (gale ${this.name})`, seen: () => this.tail(10) },
    );
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.hasExited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!this.hasExited) this.child.kill('SIGKILL');
    }, graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
