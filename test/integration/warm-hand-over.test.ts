/**
 * The local executor claims a try for the warm process it hands it to (queued -> running with that
 * process's pid) before sending it, so the process does not ask back; a try that can no longer be
 * claimed is never sent and ends as its process would have ended it ("finished"). Uses the built
 * executor (dist/), since it spawns its compiled pool worker. The try writer here is a test double
 * that records what it is asked and answers the claim as the database would for a try re-queued
 * meanwhile (null).
 */
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ExecutorEvent, TaskWorkload, TryWriteMethod } from '../../src/executors/index.js';
import { type GaleHome, isAlive, makeGaleHome, waitFor } from '../support/gale-home.js';

let g: GaleHome;
beforeEach(() => {
  g = makeGaleHome();
});
afterEach(() => g.cleanup());

it('claims the try for its warm process before the hand-over, and sends no try it could not claim', async () => {
  const { LocalExecutor } = (await import(
    new URL('../../dist/executors/local/local-executor.js', import.meta.url).href
  )) as typeof import('../../src/executors/local/local-executor.js');
  const writes: { method: TryWriteMethod; args: unknown[] }[] = [];
  const executor = new LocalExecutor({
    parallelism: 1,
    killGraceSeconds: 1,
    warmProcesses: true,
    prewarmProcesses: 1,
    idleProcessTtlSeconds: 60,
    env: g.env,
    tryWriter: async (method, args) => {
      writes.push({ method, args });
      return null;
    },
  });
  const events: ExecutorEvent[] = [];
  executor.onEvent(() => events.push(...executor.drainEvents()));
  executor.start();
  const workload: TaskWorkload = {
    tiId: 'ti-1',
    dagId: 'd',
    runId: 'manual__1',
    taskId: 't',
    mapIndex: -1,
    tryNumber: 1,
    token: 'token-1',
    fileloc: `${g.dags}/d.ts`,
    queue: 'default',
    executionTimeoutMs: null,
    freshProcess: false,
    podOverride: null,
    logPath: `${g.home}/logs/t.log`,
  };
  try {
    executor.queue(workload);
    await waitFor(() => events.length > 0, { what: 'the try to end', seen: () => JSON.stringify(writes) });
    expect(events).toEqual([{ kind: 'finished', workload }]);
    // one write only, the executor's claim, with the warm process's pid: the process was never sent the try
    expect(writes.map((w) => w.method)).toEqual(['claim']);
    const [ref, claim] = writes[0]!.args as [
      { tiId: string; tryNumber: number },
      { token: string; pid: number },
    ];
    expect(ref).toMatchObject({ tiId: 'ti-1', tryNumber: 1 });
    expect(claim.token).toBe('token-1');
    expect(isAlive(claim.pid)).toBe(true);
    expect(claim.pid).not.toBe(process.pid);
    // a process that gets a try opens its log first: this one never did
    expect(existsSync(workload.logPath)).toBe(false);
    expect(executor.isRunning('ti-1')).toBe(false);
    expect(executor.openSlots()).toBe(1);
  } finally {
    await executor.shutdown(0);
  }
});
