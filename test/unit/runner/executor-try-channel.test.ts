/**
 * The channel of a warm task process whose executor records its try writes. The IPC endpoint here
 * is a test double (an EventEmitter standing for `process`); the real path, a warm process and its
 * scheduler, is tested in test/integration/warm-processes.test.ts and crash-safety.test.ts.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { TryWriteRequest } from '../../../src/executors/index.js';
import { ExecutorTryChannel, type IpcEndpoint } from '../../../src/runner/executor-try-channel.js';
import type { TryChannel } from '../../../src/runner/index.js';

const REF = { tiId: 't1', tryNumber: 1, dagId: 'd', runId: 'r', taskId: 'a', mapIndex: -1 };

class IpcDouble extends EventEmitter implements IpcEndpoint {
  connected = true;
  sent: TryWriteRequest[] = [];
  send = (message: unknown, callback?: (error: Error | null) => void) => {
    this.sent.push(message as TryWriteRequest);
    callback?.(null);
    return true;
  };
  answer(id: number, reply: { ok: true; value: unknown } | { ok: false; error: string }) {
    this.emit('message', { type: 'written', id, ...reply });
  }
  disconnect() {
    this.connected = false;
    this.emit('disconnect');
  }
}

/** A direct channel that records what was asked of it. */
function directDouble(calls: string[]): TryChannel {
  return new Proxy({} as TryChannel, {
    get: (_t, method: string) => async () => {
      calls.push(method);
      return `${method} direct`;
    },
  });
}

describe('ExecutorTryChannel', () => {
  it.each([
    ['claim', (c: TryChannel) => c.claim(REF, { token: 'k', hostname: 'h', pid: 1 })],
    ['succeed', (c: TryChannel) => c.succeed(REF, { skip: [], outputJson: undefined })],
    [
      'fail',
      (c: TryChannel) =>
        c.fail(REF, {
          error: 'x',
          retry: { retryDelayMs: 0, retryExponentialBackoff: false, maxRetryDelayMs: null },
        }),
    ],
    ['defer', (c: TryChannel) => c.defer(REF, { trigger: { kind: 'time', moment: 'x' } } as never)],
  ] as const)('sends %s to the executor and resolves with its answer', async (method, call) => {
    const ipc = new IpcDouble();
    const calls: string[] = [];
    const channel = new ExecutorTryChannel(directDouble(calls), ipc);
    const result = call(channel);
    expect(ipc.sent).toHaveLength(1);
    expect(ipc.sent[0]).toMatchObject({ type: 'write', method });
    ipc.answer(ipc.sent[0]!.id, { ok: true, value: `${method} via executor` });
    await expect(result).resolves.toBe(`${method} via executor`);
    expect(calls).toEqual([]);
  });

  it("revives a retry's time, which the executor's JSON answer carries as a string", async () => {
    const ipc = new IpcDouble();
    const channel = new ExecutorTryChannel(directDouble([]), ipc);
    const retry = { retryDelayMs: 1000, retryExponentialBackoff: false, maxRetryDelayMs: null };
    const result = channel.fail(REF, { error: 'x', retry });
    const at = '2026-11-30T12:00:01.000Z';
    ipc.answer(ipc.sent[0]!.id, { ok: true, value: { state: 'up_for_retry', error: 'x', nextRetryAt: at } });
    const outcome = await result;
    expect(outcome).toEqual({ state: 'up_for_retry', error: 'x', nextRetryAt: new Date(at) });
    expect(outcome?.state === 'up_for_retry' && outcome.nextRetryAt.toISOString()).toBe(at);
  });

  it('rejects with the error the executor answered', async () => {
    const ipc = new IpcDouble();
    const channel = new ExecutorTryChannel(directDouble([]), ipc);
    const result = channel.succeed(REF, { skip: [], outputJson: undefined });
    ipc.answer(ipc.sent[0]!.id, { ok: false, error: 'Error: database is locked' });
    await expect(result).rejects.toThrow('database is locked');
  });

  it('makes a write the executor did not answer directly once the executor is gone', async () => {
    const ipc = new IpcDouble();
    const calls: string[] = [];
    const channel = new ExecutorTryChannel(directDouble(calls), ipc);
    const result = channel.succeed(REF, { skip: [], outputJson: undefined });
    ipc.disconnect();
    await expect(result).resolves.toBe('succeed direct');
    // and later writes go directly too
    await expect(
      channel.fail(REF, {
        error: 'x',
        retry: { retryDelayMs: 0, retryExponentialBackoff: false, maxRetryDelayMs: null },
      }),
    ).resolves.toBe('fail direct');
    expect(calls).toEqual(['succeed', 'fail']);
    expect(ipc.sent).toHaveLength(1);
  });

  it('ignores answers to writes it did not send or already settled', async () => {
    const ipc = new IpcDouble();
    const channel = new ExecutorTryChannel(directDouble([]), ipc);
    const result = channel.claim(REF, { token: 'k', hostname: 'h', pid: 1 });
    const { id } = ipc.sent[0]!;
    ipc.answer(id + 100, { ok: true, value: 'stray' });
    ipc.answer(id, { ok: true, value: null });
    ipc.answer(id, { ok: true, value: 'late' });
    await expect(result).resolves.toBeNull();
  });

  it.each(['dagRun', 'getXcom', 'heartbeat', 'setXcom', 'getVariable'] as const)(
    'reads and other writes (%s) go to the database directly',
    async (method) => {
      const ipc = new IpcDouble();
      const calls: string[] = [];
      const channel = new ExecutorTryChannel(directDouble(calls), ipc);
      await (channel[method] as (...a: unknown[]) => Promise<unknown>)(REF, 'k', 'v');
      expect(calls).toEqual([method]);
      expect(ipc.sent).toEqual([]);
    },
  );
});
