/**
 * A warm task process: started by the local executor, it runs one try at a time, as many as it is
 * sent, each try's log going to its own file. It leads its process group, so a try that overruns
 * its executionTimeout takes the process down with it (and the executor starts another). When its
 * executor goes away (IPC disconnect) it finishes the try it has, records it, and exits.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import module from 'node:module';
import { dirname } from 'node:path';
import { z } from '#zod';
import { loadConfig } from '../config/index.js';
import { containerSettings } from '../containers/index.js';
import type { DagRunRow } from '../db/index.js';
import { TRY_WRITES_VIA_EXECUTOR_ENV, taskWorkloadSchema } from '../executors/index.js';
import { createOutputStore } from '../output-store/index.js';
import { ExecutorTryChannel } from './executor-try-channel.js';
import { openTaskProcessChannel } from './open-channel.js';
import { runTry } from './run-try.js';

(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

export const poolRequestSchema = z.object({
  type: z.literal('run'),
  workload: taskWorkloadSchema,
  /** the try's token for the task execution API, when this process has no database settings */
  apiToken: z.string().optional(),
  /** the executor claimed the try for this process (queued -> running) before it sent it */
  claimed: z
    .object({
      maxTries: z.number().int(),
      startDate: z.string(),
      resume: z
        .object({
          method: z.string(),
          kwargs: z.record(z.string(), z.unknown()),
          // a reschedule resumes without an event: JSON leaves the key out
          event: z.unknown().optional(),
        })
        .transform((r) => ({ ...r, event: r.event }))
        .nullable(),
      /** the try's DAG run, read by the claim's transaction (a dag_run row as the database has it) */
      run: z.custom<DagRunRow>(isDagRunRow).optional(),
    })
    .optional(),
});

function isDagRunRow(value: unknown): boolean {
  const v = value as Partial<DagRunRow> | null;
  return typeof v === 'object' && v !== null && typeof v.dag_id === 'string' && typeof v.run_id === 'string';
}

export type PoolReply =
  | { type: 'ready' }
  | { type: 'done'; tiId: string; recycle: boolean }
  /** a try sent while this process was busy or leaving: the executor gives it to another */
  | { type: 'rejected'; tiId: string };

const loaded = loadConfig(process.env);
const { config } = loaded;
const opened = openTaskProcessChannel(process.env, loaded);
const { watchdog, giveToken } = opened;
// The scheduler's local executor records this process's claims and ends on its own connection.
const channel =
  process.env[TRY_WRITES_VIA_EXECUTOR_ENV] === '1' && process.send
    ? new ExecutorTryChannel(opened.channel, process)
    : opened.channel;
const stop = new AbortController();
const maxRss = config.local_executor.max_process_memory_mb * 1024 * 1024;
let tries = 0;
let busy = false;
let leaving = false;

// The executor may be gone: writes to its pipes must not crash the try that runs.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

async function leave(): Promise<never> {
  leaving = true;
  // Messages are ordered: once this one is sent, every reply before it has reached the executor.
  await new Promise<void>((resolve) => {
    if (!process.connected) return resolve();
    process.send?.({ type: 'bye' }, () => resolve());
  });
  await watchdog.close();
  await channel.close();
  // Take down what tries left behind in this process group (a shell's `cmd &`, a command still
  // running after a stop), this process with them.
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    // not a group leader (started by hand): nothing else to take down
  }
  process.exit(0);
}

process.on('SIGTERM', () => {
  leaving = true;
  stop.abort();
  if (!busy) void leave();
});
process.on('disconnect', () => {
  leaving = true;
  if (!busy) void leave();
});

process.on('message', (message) => {
  // the answers to this process's try writes are ExecutorTryChannel's
  if ((message as { type?: unknown } | null)?.type !== 'run') return;
  const request = poolRequestSchema.safeParse(message);
  if (!request.success) {
    // Fail loudly rather than leave the try waiting: the executor reports this process's exit
    // for the try it sent, and the scheduler records it.
    const issues = request.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    process.stderr.write(
      `[${new Date().toISOString()}] ERROR The executor sent a try this task process cannot read (${issues})\n`,
    );
    process.exit(1);
  }
  const { workload: w, apiToken, claimed } = request.data;
  // A claimed try is this process's to run even when it is leaving: no other process may claim it.
  if (busy || (leaving && !claimed)) {
    if (process.connected) process.send?.({ type: 'rejected', tiId: w.tiId } satisfies PoolReply);
    return;
  }
  busy = true;
  void (async () => {
    mkdirSync(dirname(w.logPath), { recursive: true });
    const fd = openSync(w.logPath, 'a');
    giveToken(w.tiId, w.tryNumber, apiToken);
    try {
      await runTry(w, {
        channel,
        sink: (line) => writeSync(fd, line),
        maxOutputSize: config.core.max_output_size,
        outputs: createOutputStore(config),
        heartbeatMs: config.scheduler.task_instance_heartbeat_sec * 1000,
        killGraceMs: config.core.killed_task_cleanup_time * 1000,
        watchdog,
        stop: stop.signal,
        containers: containerSettings(config),
        claimed,
      });
    } catch (error) {
      writeSync(fd, `[${new Date().toISOString()}] ERROR Task process failed: ${String(error)}\n`);
    } finally {
      closeSync(fd);
    }
    tries++;
    busy = false;
    const recycle =
      leaving ||
      watchdog.hasStopped ||
      tries >= config.local_executor.max_tries_per_process ||
      process.memoryUsage.rss() > maxRss;
    if (process.connected) process.send?.({ type: 'done', tiId: w.tiId, recycle } satisfies PoolReply);
    if (recycle) await leave();
  })();
});

// The executor may have gone while this process started: then there is nothing to do.
if (!process.connected) void leave();
else process.send?.({ type: 'ready' } satisfies PoolReply);
