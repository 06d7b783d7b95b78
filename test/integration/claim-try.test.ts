/**
 * A task process claims its try once; the same claim made again by the same process (its first
 * answer was lost with the scheduler that recorded it, see runner/executor-try-channel.ts) gets
 * the claim back, and nobody else does.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimTry, type GaleDb } from '../../src/db/index.js';
import { deferDagDatabase, runningTis } from '../support/deferred-tries.js';
import type { GaleHome } from '../support/gale-home.js';

let h: GaleHome;
let gdb: GaleDb;

beforeEach(async () => {
  ({ h, gdb } = await deferDagDatabase());
  await runningTis(gdb, ['a']);
  await gdb.db
    .updateTable('task_instance')
    .set({ state: 'queued', start_date: null, external_executor_id: 'token-1' })
    .execute();
});

afterEach(async () => {
  await gdb.close();
  h.cleanup();
});

const CLAIM = { tiId: 'a', tryNumber: 1, token: 'token-1', hostname: 'host-1', pid: 42 };

describe('claimTry', () => {
  it('claims a queued try once and returns the same claim to the same process again', async () => {
    const first = await claimTry(gdb.db, { ...CLAIM, now: new Date('2026-11-29T10:00:00Z') });
    expect(first).toEqual({ maxTries: 0, startDate: '2026-11-29T10:00:00.000Z', resume: null });
    const again = await claimTry(gdb.db, { ...CLAIM, now: new Date('2026-11-29T10:00:05Z') });
    expect(again).toEqual(first);
  });

  it.each([
    ['another token', { token: 'token-2' }],
    ['another process', { pid: 43 }],
    ['another host', { hostname: 'host-2' }],
    ['another try', { tryNumber: 2 }],
  ])('refuses a second claim with %s', async (_name, change) => {
    expect(await claimTry(gdb.db, { ...CLAIM, now: new Date() })).not.toBeNull();
    expect(await claimTry(gdb.db, { ...CLAIM, ...change, now: new Date() })).toBeNull();
  });

  it('refuses to claim a try that ended, even for the process that ran it', async () => {
    await claimTry(gdb.db, { ...CLAIM, now: new Date() });
    await gdb.db.updateTable('task_instance').set({ state: 'success' }).execute();
    expect(await claimTry(gdb.db, { ...CLAIM, now: new Date() })).toBeNull();
  });
});
