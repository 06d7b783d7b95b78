/** ExecutorSet: the executors of one scheduler, by name, the first the default. */
import { describe, expect, it } from 'vitest';
import type { Executor, ExecutorEvent, TaskWorkload } from '../../../src/executors/executor.js';
import { ExecutorSet } from '../../../src/executors/executor-set.js';

/** An executor that holds what it is given and reports what the test makes it report. */
class HeldExecutor implements Executor {
  readonly held = new Set<string>();
  events: ExecutorEvent[] = [];
  listeners: (() => void)[] = [];
  started = false;
  stopped = false;
  constructor(
    readonly name: string,
    readonly slots = 4,
    readonly failsToStop = false,
  ) {}
  start(): void {
    this.started = true;
  }
  openSlots(): number {
    return this.slots - this.held.size;
  }
  taskCounts() {
    return { queued: 0, running: this.held.size };
  }
  queue(w: TaskWorkload): void {
    this.held.add(w.tiId);
  }
  drainEvents(): ExecutorEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }
  onEvent(listener: () => void): void {
    this.listeners.push(listener);
  }
  isRunning(tiId: string): boolean {
    return this.held.has(tiId);
  }
  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.failsToStop) throw new Error(`${this.name} could not stop`);
  }
}

const workload = (tiId: string): TaskWorkload => ({
  tiId,
  dagId: 'd',
  runId: 'r',
  taskId: tiId,
  mapIndex: -1,
  tryNumber: 1,
  token: `t-${tiId}`,
  fileloc: 'd.ts',
  queue: 'default',
  executionTimeoutMs: null,
  logPath: '/dev/null',
  freshProcess: false,
});

describe('ExecutorSet', () => {
  it('makes the first executor the default and finds each by name', () => {
    const local = new HeldExecutor('local');
    const queue = new HeldExecutor('queue');
    const set = new ExecutorSet([queue, local]);
    expect(set.default).toBe(queue);
    expect(set.names).toEqual(['queue', 'local']);
    expect(set.get('local')).toBe(local);
    expect(set.get('kubernetes')).toBeUndefined();
  });

  it.each([
    { name: 'no executor', executors: [] as HeldExecutor[] },
    { name: 'one name twice', executors: [new HeldExecutor('local'), new HeldExecutor('local')] },
  ])('refuses $name', ({ executors }) => {
    expect(() => new ExecutorSet(executors)).toThrow();
  });

  it.each([
    { name: 'the executor it was queued to', executorName: 'queue', expected: true },
    { name: 'another executor than the one holding it', executorName: 'local', expected: false },
    { name: 'every executor when the column is empty', executorName: null, expected: true },
    { name: 'every executor when the name is not one of them', executorName: 'gone', expected: true },
  ])('asks $name whether a task instance runs', ({ executorName, expected }) => {
    const local = new HeldExecutor('local');
    const queue = new HeldExecutor('queue');
    queue.queue(workload('ti-1'));
    expect(new ExecutorSet([local, queue]).isRunning('ti-1', executorName)).toBe(expected);
  });

  it('counts open slots per executor and tries in use across them', () => {
    const local = new HeldExecutor('local', 2);
    const queue = new HeldExecutor('queue', 3);
    local.queue(workload('a'));
    local.queue(workload('b'));
    queue.queue(workload('c'));
    const set = new ExecutorSet([local, queue]);
    expect(set.openSlots()).toEqual(
      new Map([
        ['local', 0],
        ['queue', 2],
      ]),
    );
    expect(set.inUse()).toBe(3);
  });

  it('starts, wakes on, drains and stops every executor', async () => {
    const local = new HeldExecutor('local');
    const queue = new HeldExecutor('queue');
    const set = new ExecutorSet([local, queue]);
    let woken = 0;
    set.onEvent(() => woken++);
    set.start();
    expect([local.started, queue.started]).toEqual([true, true]);
    local.events.push({ kind: 'finished', workload: workload('a') });
    queue.events.push({ kind: 'finished', workload: workload('b') });
    for (const l of [...local.listeners, ...queue.listeners]) l();
    expect(woken).toBe(2);
    expect(set.drainEvents().map((e) => e.workload.tiId)).toEqual(['a', 'b']);
    expect(set.drainEvents()).toEqual([]);
    await set.shutdown(0);
    expect([local.stopped, queue.stopped]).toEqual([true, true]);
  });

  it('stops every executor even when one fails to, then reports the failure', async () => {
    const local = new HeldExecutor('local', 4, true);
    const queue = new HeldExecutor('queue');
    await expect(new ExecutorSet([local, queue]).shutdown(0)).rejects.toThrow('local could not stop');
    expect(queue.stopped).toBe(true);
  });
});
