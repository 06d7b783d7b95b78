/**
 * Claims and successes of many tries in a few statements (db/bulk-try-writes.ts), and the batched
 * try writer that uses them: each try gets the same answer and the same rows as with the one-try
 * functions (claimTry, recordTrySuccess), and a try the bulk statements must not decide (a wrong
 * token, a resumed deferral, a repeated claim, an ended try) is left to the one-try path.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  claimTriesInBulk,
  fernetKeys,
  type GaleDb,
  recordSuccessesInBulk,
  SecretBox,
} from '../../src/db/index.js';
import type { TryWriteMethod } from '../../src/executors/index.js';
import { batchedTryWriter } from '../../src/runner/index.js';
import { deferDagDatabase, runningTis, tiRow } from '../support/deferred-tries.js';
import type { GaleHome } from '../support/gale-home.js';

let h: GaleHome;
let gdb: GaleDb;
let write: (method: TryWriteMethod, args: unknown[]) => Promise<unknown>;

const IDS = ['a', 'b', 'c', 'd', 'e'];
const STARTED = '2026-11-30T10:00:00.000Z';
const ref = (id: string, tryNumber = 1) => ({
  tiId: id,
  tryNumber,
  dagId: 'defer',
  runId: 'manual__1',
  taskId: id === 'a' ? 'wait' : id,
  mapIndex: -1,
});
const claimOf = (id: string, token = `t-${id}`) => ({
  token,
  hostname: `host-${id}`,
  pid: 40 + IDS.indexOf(id),
});

async function queue(id: string, extra: Record<string, unknown> = {}): Promise<void> {
  await gdb.db
    .updateTable('task_instance')
    .set({ state: 'queued', start_date: null, external_executor_id: `t-${id}`, ...extra })
    .where('id', '=', id)
    .execute();
}

async function xcomTasks(): Promise<string[]> {
  const rows = await gdb.db.selectFrom('xcom').select('task_id').orderBy('task_id').execute();
  return rows.map((r) => r.task_id);
}

beforeEach(async () => {
  ({ h, gdb } = await deferDagDatabase());
  await runningTis(gdb, IDS);
  write = batchedTryWriter(gdb, new SecretBox(fernetKeys('', h.home)));
});

afterEach(async () => {
  await gdb.close();
  h.cleanup();
});

describe('claimTriesInBulk', () => {
  it('claims the queued first runs with their tokens, clears their old outputs, and leaves the rest', async () => {
    for (const id of ['a', 'b', 'c']) await queue(id);
    await queue('d', { next_method: 'resume', start_date: STARTED });
    // "e" stays running (claimed before)
    const now = new Date('2026-11-30T10:00:05Z');
    for (const id of ['a', 'b']) {
      await gdb.db
        .insertInto('xcom')
        .values({
          dag_id: 'defer',
          run_id: 'manual__1',
          task_id: ref(id).taskId,
          map_index: -1,
          key: 'return_value',
          value: '"old"',
          created_at: STARTED,
        })
        .execute();
    }
    const claimed = await gdb.db.transaction().execute((tx) =>
      claimTriesInBulk(
        tx,
        [
          { tiId: 'a', tryNumber: 1, ...claimOf('a') },
          { tiId: 'b', tryNumber: 1, ...claimOf('b', 'wrong') },
          { tiId: 'c', tryNumber: 2, ...claimOf('c') },
          { tiId: 'd', tryNumber: 1, ...claimOf('d') },
          { tiId: 'e', tryNumber: 1, ...claimOf('e', 't1') },
        ],
        now,
      ),
    );
    expect([...claimed.keys()]).toEqual(['a']);
    // the try's run comes along, as the task process would read it (it then reads nothing itself)
    const run = await gdb.db
      .selectFrom('dag_run')
      .selectAll()
      .where('dag_id', '=', 'defer')
      .where('run_id', '=', 'manual__1')
      .executeTakeFirstOrThrow();
    expect(claimed.get('a')).toEqual({ maxTries: 0, startDate: now.toISOString(), resume: null, run });
    const a = await tiRow(gdb, 'a');
    expect(a).toMatchObject({ state: 'running', hostname: 'host-a', pid: 40, start_date: now.toISOString() });
    for (const id of ['b', 'c', 'd']) expect((await tiRow(gdb, id))?.state).toBe('queued');
    expect(await xcomTasks()).toEqual(['b']);
  });
});

describe('recordSuccessesInBulk', () => {
  it('ends the running tries at their try number, with their outputs, and leaves the rest', async () => {
    await gdb.db.updateTable('task_instance').set({ start_date: STARTED }).execute();
    await gdb.db.updateTable('task_instance').set({ state: 'failed' }).where('id', '=', 'c').execute();
    const now = new Date('2026-11-30T10:00:02.500Z');
    const ended = await gdb.db.transaction().execute((tx) =>
      recordSuccessesInBulk(
        tx,
        [
          { tiId: 'a', tryNumber: 1, outputJson: '{"n":1}' },
          { tiId: 'b', tryNumber: 1, outputJson: undefined },
          { tiId: 'c', tryNumber: 1, outputJson: '2' },
          { tiId: 'd', tryNumber: 2, outputJson: '3' },
        ],
        now,
      ),
    );
    expect([...ended].sort()).toEqual(['a', 'b']);
    for (const id of ['a', 'b']) {
      expect(await tiRow(gdb, id)).toMatchObject({
        state: 'success',
        end_date: now.toISOString(),
        duration: 2.5,
      });
    }
    expect((await tiRow(gdb, 'c'))?.state).toBe('failed');
    expect((await tiRow(gdb, 'd'))?.state).toBe('running');
    // as Airflow 3, a successful try stays in its task instance's row, no history row (try-history.ts);
    // the view of ended tries has it
    expect(await gdb.db.selectFrom('task_instance_history').selectAll().execute()).toEqual([]);
    const tries = await gdb.db
      .selectFrom('task_instance_try')
      .select(['ti_id', 'try_number', 'state', 'start_date', 'duration'])
      .orderBy('ti_id')
      .execute();
    expect(tries).toEqual([
      { ti_id: 'a', try_number: 1, state: 'success', start_date: STARTED, duration: 2.5 },
      { ti_id: 'b', try_number: 1, state: 'success', start_date: STARTED, duration: 2.5 },
    ]);
    const xcoms = await gdb.db.selectFrom('xcom').select(['task_id', 'key', 'value']).execute();
    expect(xcoms).toEqual([{ task_id: 'wait', key: 'return_value', value: '{"n":1}' }]);
  });
});

describe('bulk writes of more tries than one statement holds', () => {
  it('gives each of hundreds of tries its own host, pid and duration, and leaves those that changed', async () => {
    const many = Array.from({ length: 450 }, (_, i) => `m${String(i).padStart(3, '0')}`);
    await runningTis(gdb, many);
    // queued for try 1 with its own token; every 100th was cleared meanwhile
    await gdb.db.transaction().execute(async (tx) => {
      for (const id of many) {
        await tx
          .updateTable('task_instance')
          .set({ state: 'queued', start_date: null, external_executor_id: `t-${id}` })
          .where('id', '=', id)
          .execute();
      }
    });
    const changed = many.filter((_, i) => i % 100 === 7);
    await gdb.db.updateTable('task_instance').set({ state: 'none' }).where('id', 'in', changed).execute();
    const claimedAt = new Date('2026-11-30T10:00:00Z');
    const claimed = await gdb.db.transaction().execute((tx) =>
      claimTriesInBulk(
        tx,
        many.map((id, i) => ({ ...ref(id), token: `t-${id}`, hostname: `host-${id}`, pid: 1000 + i })),
        claimedAt,
      ),
    );
    const expected = many.filter((id) => !changed.includes(id));
    expect([...claimed.keys()].sort()).toEqual(expected);
    // each started at its own second, so each has its own duration
    for (const [i, id] of many.entries()) {
      await gdb.db
        .updateTable('task_instance')
        .set({ start_date: new Date(claimedAt.getTime() + i * 1000).toISOString() })
        .where('id', '=', id)
        .where('state', '=', 'running')
        .execute();
    }
    const endedAt = new Date(claimedAt.getTime() + 1_000_000);
    const ended = await gdb.db.transaction().execute((tx) =>
      recordSuccessesInBulk(
        tx,
        many.map((id) => ({ ...ref(id), outputJson: undefined })),
        endedAt,
      ),
    );
    expect([...ended].sort()).toEqual(expected);
    const rows = await gdb.db
      .selectFrom('task_instance')
      .select(['id', 'state', 'hostname', 'pid', 'duration'])
      .where('id', 'in', many)
      .execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const [i, id] of many.entries()) {
      expect(byId.get(id)).toEqual(
        changed.includes(id)
          ? { id, state: 'none', hostname: null, pid: null, duration: null }
          : { id, state: 'success', hostname: `host-${id}`, pid: 1000 + i, duration: 1000 - i },
      );
    }
  });
});

describe('batchedTryWriter with bulk writes', () => {
  it.each([
    ['a right claim', 'a', claimOf('a'), 'claimed'],
    ['a wrong token', 'b', claimOf('b', 'wrong'), null],
    ['a resumed deferral (one-try path)', 'd', claimOf('d'), 'resumed'],
  ] as const)(
    'answers %s as claimTry does, in one batch with the others',
    async (_name, id, claim, expected) => {
      for (const q of IDS) await queue(q);
      await gdb.db
        .updateTable('task_instance')
        .set({ next_method: 'resume', next_kwargs: '{}', start_date: STARTED })
        .where('id', '=', 'd')
        .execute();
      const others = IDS.filter((o) => o !== id && o !== 'd');
      const answers = await Promise.all([
        write('claim', [ref(id), claim]),
        ...others.map((o) => write('claim', [ref(o), claimOf(o)])),
      ]);
      const answer = answers[0] as { startDate: string; resume: unknown } | null;
      if (expected === null) expect(answer).toBeNull();
      else if (expected === 'resumed')
        expect(answer).toMatchObject({ startDate: STARTED, resume: { method: 'resume' } });
      else expect(answer).toMatchObject({ resume: null });
      for (const o of others) expect((await tiRow(gdb, o))?.state).toBe('running');
      // the same claim again: the process's answer was lost, it gets the claim back (claimTry's reclaim)
      // (the bulk claim's answer also brings the try's run along; claimTry's does not)
      if (expected === 'claimed') {
        const { run, ...rest } = answer as { run?: { run_id: string } };
        expect(run?.run_id).toBe('manual__1');
        expect(await write('claim', [ref(id), claim])).toEqual(rest);
      }
    },
  );

  it('answers successes and failures of one batch each as alone', async () => {
    await gdb.db.updateTable('task_instance').set({ state: 'failed' }).where('id', '=', 'e').execute();
    const answers = await Promise.all([
      write('succeed', [ref('a'), { skip: [], outputJson: '1' }]),
      write('succeed', [ref('b'), { skip: [], outputJson: undefined }]),
      write('succeed', [ref('c', 2), { skip: [], outputJson: undefined }]),
      write('succeed', [ref('d'), { skip: ['e'], outputJson: undefined }]),
      write('succeed', [ref('e'), { skip: [], outputJson: undefined }]),
    ]);
    expect(answers).toEqual([true, true, false, true, false]);
    const states = await gdb.db.selectFrom('task_instance').select(['id', 'state']).orderBy('id').execute();
    expect(states.map((s) => s.state)).toEqual(['success', 'success', 'running', 'success', 'failed']);
    expect(await xcomTasks()).toEqual(['wait']);
  });
});
