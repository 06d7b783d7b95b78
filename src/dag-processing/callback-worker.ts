/**
 * Entry of a callback process: loads one DAG file, runs one DAG-level callback (on success, on
 * failure, deadline) and reports over IPC how it went, then exits. Whatever the callback does
 * (throw, hang, exit) stays in this process; the DAG processor only reads its messages.
 */
import { z } from '#zod';
import type { DagRunCallback } from '../sdk/index.js';
import { loadDag } from './load-dag-module.js';

export const callbackRequestSchema = z.object({
  file: z.string(),
  dagId: z.string(),
  runId: z.string(),
  kind: z.enum(['on_success', 'on_failure', 'deadline']),
  reason: z.string().nullable(),
  runState: z.string(),
  logicalDate: z.string(),
  conf: z.record(z.string(), z.unknown()),
});
export type CallbackRequest = z.infer<typeof callbackRequestSchema>;

/** What the process sends: its callback's log lines, then one outcome. */
export type CallbackMessage =
  | { log: { level: 'info' | 'warn' | 'error'; message: string } }
  | { outcome: { error: string | null } };

function send(message: CallbackMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, () => resolve());
  });
}

async function main(): Promise<void> {
  const request = callbackRequestSchema.parse(JSON.parse(process.env.GALE_CALLBACK_REQUEST ?? 'null'));
  let error: string | null = null;
  try {
    const dag = await loadDag(request.file, request.dagId);
    const o = dag.options;
    const callback: DagRunCallback | undefined =
      request.kind === 'on_success'
        ? o.onSuccess
        : request.kind === 'on_failure'
          ? o.onFailure
          : o.deadline?.callback;
    if (!callback) throw new Error(`DAG "${request.dagId}" no longer has a ${request.kind} callback`);
    const line = (level: 'info' | 'warn' | 'error') => (message: string) =>
      void send({ log: { level, message: String(message) } });
    await callback({
      dagId: request.dagId,
      runId: request.runId,
      logicalDate: new Date(request.logicalDate),
      runState: request.runState,
      reason: request.reason,
      conf: request.conf,
      log: { info: line('info'), warn: line('warn'), error: line('error') },
    });
  } catch (e) {
    error = e instanceof Error ? (e.stack ?? e.message) : String(e);
  }
  await send({ outcome: { error } });
  process.exit(0);
}

void main();
