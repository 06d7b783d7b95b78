/**
 * A warm task process (the built dist/runner/pool-worker.js, forked with an IPC channel in JSON, as
 * the local executor starts it) and what it is sent: answers to its try writes are not requests,
 * and a request it cannot read ends the process with the reason on stderr, so that the executor
 * reports the try instead of the try waiting for ever.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const POOL_WORKER = resolve(import.meta.dirname, '../../dist/runner/pool-worker.js');

function start(home: string): { child: ChildProcess; stderr: () => string; ready: Promise<void> } {
  const child = fork(POOL_WORKER, [], {
    env: { PATH: process.env.PATH, GALE_HOME: home, GALE__CORE__LOAD_EXAMPLES: 'false' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const ready = new Promise<void>((resolve) => {
    child.on('message', (m: { type?: string }) => {
      if (m.type === 'ready') resolve();
    });
  });
  return { child, stderr: () => err, ready };
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

describe('a warm task process and the messages it is sent', () => {
  let home: string;
  let w: ReturnType<typeof start>;
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), 'gale-pool-worker-'));
    w = start(home);
    await w.ready;
  });
  afterEach(() => {
    w.child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });

  it('ends, saying what it could not read, when a try request is malformed', {
    timeout: 60_000,
  }, async () => {
    w.child.send({ type: 'run', workload: { tiId: 'ti-1' } });
    expect(await exitOf(w.child)).toBe(1);
    expect(w.stderr()).toMatch(
      /ERROR The executor sent a try this task process cannot read \(workload\.dagId: /,
    );
  });

  it('ignores messages that are not try requests, and leaves when its executor goes', {
    timeout: 60_000,
  }, async () => {
    w.child.send({ type: 'written', id: 99, ok: true, value: true });
    w.child.send({ something: 'else' });
    // still there: it answers a disconnect by leaving on its own, with code 0
    expect(w.child.exitCode).toBeNull();
    w.child.disconnect();
    expect(await exitOf(w.child)).toBe(0);
    expect(w.stderr()).not.toContain('ERROR');
  });
});
