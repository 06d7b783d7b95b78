/**
 * Fired triggers recorded in batches (fire-triggers.ts, and the triggerer that uses it) against
 * the real metadata database (SQLite, and PostgreSQL in the postgres project): many triggers
 * firing at once all resume their tries, each with its own kwargs; a try cleared, failed or
 * deferred again meanwhile is never resurrected; a batch that cannot be written leaves every row.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  deferTry,
  type FiredTrigger,
  fireTriggers,
  type GaleDb,
  ROWS_PER_STATEMENT,
} from '../../src/db/index.js';
import type { TaskInstanceState } from '../../src/models/index.js';
import { createGaleMetrics } from '../../src/observability/index.js';
import { compileTriggererOptions, Triggerer } from '../../src/triggerer/index.js';
import {
  deferAll,
  deferral,
  delta,
  eachTestDeferDagDatabase,
  runningTis,
  tiRow,
} from '../support/deferred-tries.js';
import { waitFor } from '../support/gale-home.js';

const log = pino({ level: 'silent' });

let gdb: GaleDb;
eachTestDeferDagDatabase((opened) => {
  gdb = opened;
});

const triggerIdOf = async (id: string) => {
  const triggerId = (await tiRow(gdb, id)).trigger_id;
  if (triggerId === null) throw new Error(`task instance ${id} waits for no trigger`);
  return triggerId;
};

const countTis = async (state: TaskInstanceState) =>
  Number(
    (
      await gdb.db
        .selectFrom('task_instance')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('state', '=', state)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('fired triggers recorded in batches', () => {
  it('many triggers firing at once all resume their tries, each with its own kwargs and the event', async () => {
    // more than one batch, and more than one statement's worth of rows
    const ids = Array.from({ length: ROWS_PER_STATEMENT * 2 + 100 }, (_, i) => `t${i}`);
    await runningTis(gdb, ids);
    const now = new Date();
    for (const [i, id] of ids.entries()) {
      const d = { ...deferral(delta(0)), kwargs: { page: i } };
      expect(await deferTry(gdb.db, { tiId: id, tryNumber: 1, token: 't1', deferral: d, now })).toBe(true);
    }
    const metrics = createGaleMetrics({ db: gdb.db, log });
    const options = compileTriggererOptions({ capacity: 5000, poll_interval: 0.05, job_heartbeat_sec: 1 });
    const controller = new AbortController();
    const running = new Triggerer({ db: gdb, options, log, metrics }).run(controller.signal);
    try {
      await waitFor(async () => (await countTis('scheduled')) === ids.length, {
        what: `all ${ids.length} tries to resume`,
        timeoutMs: 60_000,
        seen: async () => `${await countTis('scheduled')} scheduled, ${await countTis('deferred')} deferred`,
      });
    } finally {
      controller.abort();
      await running;
    }
    const rows = await gdb.db.selectFrom('task_instance').selectAll().execute();
    for (const row of rows) {
      expect(row).toMatchObject({
        state: 'scheduled',
        try_number: 1,
        trigger_id: null,
        next_method: 'execute',
      });
      const kwargs = JSON.parse(row.next_kwargs ?? '{}') as { page: number; event: unknown };
      expect(`t${kwargs.page}`).toBe(row.id);
      expect(typeof kwargs.event).toBe('string');
    }
    expect(await gdb.db.selectFrom('trigger').selectAll().execute()).toEqual([]);
    const succeeded = await metrics.registry.getSingleMetric('gale_triggers_succeeded_total')?.get();
    expect(succeeded?.values[0]?.value).toBe(ids.length);
  });

  it('a try cleared, failed elsewhere or deferred again meanwhile is not resurrected, and a trigger fires once', async () => {
    await runningTis(gdb, ['a', 'b', 'c', 'd']);
    await deferAll(gdb, ['a', 'b', 'c', 'd'], deferral(delta(60_000)));
    const fired = await Promise.all(
      ['a', 'b', 'c', 'd'].map(async (id) => ({ triggerId: await triggerIdOf(id), event: 'E' })),
    );
    const set = (id: string, values: { state: 'none' | 'failed' | 'running'; try_number?: number }) =>
      gdb.db.updateTable('task_instance').set(values).where('id', '=', id).execute();
    await set('a', { state: 'none' }); // cleared
    await set('b', { state: 'failed' }); // marked failed
    // cleared, run again and deferred again: on a new trigger, with other kwargs
    await set('c', { state: 'running', try_number: 2 });
    const again = { ...deferral(delta(60_000)), kwargs: { page: 3 } };
    expect(await deferTry(gdb.db, { tiId: 'c', tryNumber: 2, deferral: again, now: new Date() })).toBe(true);
    const cTrigger = await triggerIdOf('c');

    const resumed = await fireTriggers(gdb.db, { fired, now: new Date() });
    expect([...resumed.values()]).toEqual([0, 0, 0, 1]);
    expect(await tiRow(gdb, 'a')).toMatchObject({ state: 'none' });
    expect(await tiRow(gdb, 'b')).toMatchObject({ state: 'failed' });
    expect(await tiRow(gdb, 'c')).toMatchObject({
      state: 'deferred',
      try_number: 2,
      trigger_id: cTrigger,
      next_kwargs: '{"page":3}',
    });
    const d = await tiRow(gdb, 'd');
    expect(d).toMatchObject({ state: 'scheduled', trigger_id: null, next_kwargs: '{"page":2,"event":"E"}' });
    const left = await gdb.db.selectFrom('trigger').select('id').execute();
    expect(left).toEqual([{ id: cTrigger }]);

    // another triggerer that fired the same trigger records it too late: nothing changes
    const late = await fireTriggers(gdb.db, {
      fired: [{ triggerId: fired[3]?.triggerId ?? -1, event: 'F' }],
      now: new Date(),
    });
    expect([...late.values()]).toEqual([0]);
    expect(await tiRow(gdb, 'd')).toEqual(d);
  });

  it('a batch that cannot be written leaves every row as it was, for a triggerer to record again', async () => {
    const ids = Array.from({ length: ROWS_PER_STATEMENT + 1 }, (_, i) => `t${i}`);
    await runningTis(gdb, ids);
    await deferAll(gdb, ids, deferral(delta(60_000)));
    const fired: FiredTrigger[] = await Promise.all(
      ids.map(async (id) => ({ triggerId: await triggerIdOf(id), event: 'E' })),
    );
    // the last chunk's event cannot be stored: the write fails after the first chunk's statements
    const unstorable: Record<string, unknown> = {};
    unstorable.self = unstorable;
    const last = fired.at(-1);
    if (last) last.event = unstorable;
    await expect(fireTriggers(gdb.db, { fired, now: new Date() })).rejects.toThrow();
    expect(await countTis('deferred')).toBe(ids.length);
    expect(await gdb.db.selectFrom('trigger').select('id').execute()).toHaveLength(ids.length);
  });
});
