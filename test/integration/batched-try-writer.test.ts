/**
 * The scheduler's batched try writer (runner/batched-try-writer.ts): writes of warm task processes
 * that arrive together share one transaction, each in a savepoint, and a write that fails halfway
 * leaves nothing behind and fails no other write.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fernetKeys, type GaleDb, SecretBox } from '../../src/db/index.js';
import type { TryWriteMethod } from '../../src/executors/index.js';
import { batchedTryWriter } from '../../src/runner/index.js';
import { deferDagDatabase, runningTis, tiRow } from '../support/deferred-tries.js';
import type { GaleHome } from '../support/gale-home.js';

let h: GaleHome;
let gdb: GaleDb;
let transactions: number;
let write: (method: TryWriteMethod, args: unknown[]) => Promise<unknown>;

const IDS = ['a', 'b', 'c'];
const ref = (id: string) => ({
  tiId: id,
  tryNumber: 1,
  dagId: 'defer',
  runId: 'manual__1',
  taskId: id === 'a' ? 'wait' : id,
  mapIndex: -1,
});
const claim = (id: string) => write('claim', [ref(id), { token: `t-${id}`, hostname: 'host-1', pid: 42 }]);

beforeEach(async () => {
  ({ h, gdb } = await deferDagDatabase());
  await runningTis(gdb, IDS);
  for (const id of IDS) {
    await gdb.db
      .updateTable('task_instance')
      .set({ state: 'queued', start_date: null, external_executor_id: `t-${id}` })
      .where('id', '=', id)
      .execute();
  }
  transactions = 0;
  // counts the transactions the writer opens (a test double around the real database handle)
  const db = new Proxy(gdb.db, {
    get(target, prop) {
      if (prop === 'transaction') transactions++;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  write = batchedTryWriter({ ...gdb, db }, new SecretBox(fernetKeys('', h.home)));
});

afterEach(async () => {
  await gdb.close();
  h.cleanup();
});

describe('batchedTryWriter', () => {
  it('records the writes that arrive together in one transaction and answers each', async () => {
    const claims = await Promise.all(IDS.map(claim));
    expect(claims.map((c) => (c as { resume: unknown }).resume)).toEqual([null, null, null]);
    expect(transactions).toBe(1);
    for (const id of IDS) expect((await tiRow(gdb, id))?.state).toBe('running');
    // a claim with a wrong token is answered null, in the next batch
    expect(await write('claim', [ref('a'), { token: 'other', hostname: 'host-1', pid: 42 }])).toBeNull();
    expect(transactions).toBe(2);
  });

  it('rolls back a write that fails halfway without failing the others of its batch', async () => {
    await Promise.all(IDS.map(claim));
    const results = await Promise.allSettled([
      write('succeed', [ref('a'), { skip: [], outputJson: '1' }]),
      // finishTry marks it success, then skipping fails (`in` needs a list: invalid SQL)
      write('succeed', [ref('b'), { skip: 'not a list', outputJson: '2' }]),
      write('succeed', [ref('c'), { skip: [], outputJson: undefined }]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await tiRow(gdb, 'a'))?.state).toBe('success');
    expect((await tiRow(gdb, 'b'))?.state).toBe('running');
    expect((await tiRow(gdb, 'c'))?.state).toBe('success');
    const xcoms = await gdb.db.selectFrom('xcom').select(['task_id', 'value']).execute();
    expect(xcoms).toEqual([{ task_id: 'wait', value: '1' }]);
  });
});
