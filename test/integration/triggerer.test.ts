/**
 * The triggerer against the real metadata database (SQLite, and PostgreSQL in the postgres
 * project), in this process: deferring a try, firing its trigger, deferral timeouts, failed
 * triggers, pool slots of deferred tries, and several triggerers sharing (and taking over) the
 * triggers.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  claimTriggers,
  claimTry,
  cleanUnusedTriggers,
  deferredPoolSlots,
  deferTry,
  type GaleDb,
  listTriggersOf,
  occupiedSlots,
  startJob,
} from '../../src/db/index.js';
import { createGaleMetrics, type GaleMetrics } from '../../src/observability/index.js';
import { compileTriggererOptions, Triggerer } from '../../src/triggerer/index.js';
import { deferral, delta, eachTestDeferDagDatabase, runningTis, tiRow } from '../support/deferred-tries.js';
import { waitFor } from '../support/gale-home.js';

const log = pino({ level: 'silent' });
const OPTIONS = compileTriggererOptions({ capacity: 10, poll_interval: 0.05, job_heartbeat_sec: 0.2 });

let gdb: GaleDb;
eachTestDeferDagDatabase((opened) => {
  gdb = opened;
});

/** A task instance whose try 1 runs now (claimed with token "t1"). */
async function runningTi(id: string, maxTries = 0): Promise<void> {
  await runningTis(gdb, [id], maxTries);
}

async function ti(id: string) {
  return tiRow(gdb, id);
}

/** Runs a triggerer in this process until the test stops it. */
function startTriggerer(metrics?: GaleMetrics): { triggerer: Triggerer; stop: () => Promise<void> } {
  const controller = new AbortController();
  const triggerer = new Triggerer({ db: gdb, options: OPTIONS, log, metrics });
  const running = triggerer.run(controller.signal);
  return {
    triggerer,
    stop: async () => {
      controller.abort();
      await running;
    },
  };
}

describe('deferring and firing', () => {
  it('a fired trigger sends its deferred try back to scheduled, with the event and the same try number', async () => {
    await runningTi('a');
    expect(
      await deferTry(gdb.db, {
        tiId: 'a',
        tryNumber: 1,
        token: 't1',
        deferral: deferral(delta(200)),
        now: new Date(),
      }),
    ).toBe(true);
    expect(await ti('a')).toMatchObject({ state: 'deferred', next_method: 'execute', try_number: 1 });
    const t = startTriggerer();
    try {
      const row = await waitFor(async () => ((await ti('a')).state === 'scheduled' ? ti('a') : null), {
        what: 'the trigger to fire',
        timeoutMs: 10_000,
      });
      expect(row).toMatchObject({
        try_number: 1,
        trigger_id: null,
        trigger_timeout: null,
        next_method: 'execute',
      });
      const kwargs = JSON.parse(row.next_kwargs ?? '{}') as Record<string, unknown>;
      expect(kwargs.page).toBe(2);
      expect(typeof kwargs.event).toBe('string');
      expect(await gdb.db.selectFrom('trigger').selectAll().execute()).toEqual([]);
    } finally {
      await t.stop();
    }
  });

  it('a try that is no longer the running one cannot defer, and leaves no trigger', async () => {
    await runningTi('a');
    const now = new Date();
    expect(
      await deferTry(gdb.db, { tiId: 'a', tryNumber: 1, token: 'other', deferral: deferral(delta(10)), now }),
    ).toBe(false);
    expect(await deferTry(gdb.db, { tiId: 'a', tryNumber: 2, deferral: deferral(delta(10)), now })).toBe(
      false,
    );
    expect((await ti('a')).state).toBe('running');
    expect(await gdb.db.selectFrom('trigger').selectAll().execute()).toEqual([]);
  });

  it('a resumed try keeps its start date and outputs, and gets back what it resumes with', async () => {
    await runningTi('a');
    const started = (await ti('a')).start_date;
    await deferTry(gdb.db, {
      tiId: 'a',
      tryNumber: 1,
      token: 't1',
      deferral: deferral(delta(0)),
      now: new Date(),
    });
    await gdb.db
      .updateTable('task_instance')
      .set({ state: 'queued', external_executor_id: 't2', next_kwargs: '{"page":2,"event":"E"}' })
      .where('id', '=', 'a')
      .execute();
    await gdb.db
      .insertInto('xcom')
      .values({
        dag_id: 'defer',
        run_id: 'manual__1',
        task_id: 'wait',
        map_index: -1,
        key: 'k',
        value: '1',
        created_at: started ?? '',
      })
      .execute();
    const claimed = await claimTry(gdb.db, {
      tiId: 'a',
      tryNumber: 1,
      token: 't2',
      hostname: 'h',
      pid: 1,
      now: new Date(),
    });
    expect(claimed).toEqual({
      maxTries: 0,
      startDate: started,
      resume: { method: 'execute', event: 'E', kwargs: { page: 2 } },
    });
    expect((await ti('a')).start_date).toBe(started);
    expect(await gdb.db.selectFrom('xcom').select('key').execute()).toEqual([{ key: 'k' }]);
  });
});

describe('deferrals that cannot end well', () => {
  it.each([
    {
      name: 'past its timeout',
      maxTries: 0,
      state: 'failed',
      error: 'GALE_ERR_DEFERRAL_TIMEOUT',
      invalid: false,
    },
    {
      name: 'past its timeout, with a retry left',
      maxTries: 1,
      state: 'up_for_retry',
      error: 'GALE_ERR_DEFERRAL_TIMEOUT',
      invalid: false,
    },
    {
      name: 'whose trigger cannot run',
      maxTries: 0,
      state: 'failed',
      error: 'GALE_ERR_TRIGGER_INVALID',
      invalid: true,
    },
  ])('a deferral $name ends its try: $state', async ({ maxTries, state, error, invalid }) => {
    await runningTi('a', maxTries);
    const trigger = invalid ? { classpath: 'gale.triggers.Nope', kwargs: {} } : delta(60_000);
    const timeout = invalid ? null : 100;
    await deferTry(gdb.db, {
      tiId: 'a',
      tryNumber: 1,
      token: 't1',
      deferral: deferral(trigger, timeout),
      now: new Date(),
    });
    const t = startTriggerer();
    try {
      await waitFor(async () => (await ti('a')).state === state, {
        what: `the try to be ${state}`,
        timeoutMs: 10_000,
        seen: () => 'still deferred',
      });
      expect(await ti('a')).toMatchObject({ next_method: null, next_kwargs: null, trigger_id: null });
      const history = await gdb.db.selectFrom('task_instance_try').selectAll().execute();
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({ try_number: 1, state });
      expect(history[0]?.error).toContain(error);
      await waitFor(async () => (await gdb.db.selectFrom('trigger').selectAll().execute()).length === 0, {
        what: 'the trigger to be cleaned up',
      });
    } finally {
      await t.stop();
    }
  });
});

describe('deferral timeouts', () => {
  it.each([
    {
      name: 'its own timeout, from when it deferred',
      timeoutMs: 60_000,
      executionTimeoutMs: null,
      at: 60_000,
    },
    {
      name: "the task's executionTimeout, from the start of the try",
      timeoutMs: null,
      executionTimeoutMs: 90_000,
      at: 30_000,
    },
    { name: 'the earlier of both', timeoutMs: 60_000, executionTimeoutMs: 90_000, at: 30_000 },
    { name: 'none: it waits for ever', timeoutMs: null, executionTimeoutMs: null, at: null },
  ])('a deferral times out at $name', async ({ timeoutMs, executionTimeoutMs, at }) => {
    await runningTi('a');
    const now = new Date();
    // the try started a minute before it deferred
    await gdb.db
      .updateTable('task_instance')
      .set({ start_date: new Date(now.getTime() - 60_000).toISOString() })
      .where('id', '=', 'a')
      .execute();
    const d = { ...deferral(delta(10)), timeoutMs, executionTimeoutMs };
    expect(await deferTry(gdb.db, { tiId: 'a', tryNumber: 1, token: 't1', deferral: d, now })).toBe(true);
    expect((await ti('a')).trigger_timeout).toBe(
      at === null ? null : new Date(now.getTime() + at).toISOString(),
    );
  });
});

describe('pools', () => {
  it('a deferred try holds a slot of its pool only when the pool has include_deferred, as Airflow', async () => {
    await gdb.db
      .insertInto('slot_pool')
      .values([
        { pool: 'counts', slots: 4, description: '', include_deferred: 1 },
        { pool: 'ignores', slots: 4, description: '', include_deferred: 0 },
      ])
      .execute();
    for (const [id, pool] of [
      ['a', 'counts'],
      ['b', 'ignores'],
    ] as const) {
      await runningTi(id);
      await gdb.db.updateTable('task_instance').set({ pool, pool_slots: 2 }).where('id', '=', id).execute();
      await deferTry(gdb.db, {
        tiId: id,
        tryNumber: 1,
        token: 't1',
        deferral: deferral(delta(60_000)),
        now: new Date(),
      });
    }
    expect(Object.fromEntries(await deferredPoolSlots(gdb.db))).toEqual({ counts: 2 });
    expect(Object.fromEntries(await occupiedSlots(gdb.db))).toEqual({ counts: 2 });
  });
});

describe('several triggerers', () => {
  it('share the triggers up to their capacity, and take over those of a dead triggerer', async () => {
    const now = new Date();
    for (const id of ['a', 'b', 'c']) {
      await runningTi(id);
      await deferTry(gdb.db, { tiId: id, tryNumber: 1, token: 't1', deferral: deferral(delta(60_000)), now });
    }
    const first = await startJob(gdb.db, 'triggerer', now);
    const second = await startJob(gdb.db, 'triggerer', now);
    const live = [first, second];
    expect(await claimTriggers(gdb.db, { triggererId: first, capacity: 2, liveTriggererIds: live })).toBe(2);
    expect(await claimTriggers(gdb.db, { triggererId: second, capacity: 2, liveTriggererIds: live })).toBe(1);
    expect(await claimTriggers(gdb.db, { triggererId: second, capacity: 5, liveTriggererIds: live })).toBe(0);
    // the first stops heartbeating: the second takes its triggers
    expect(
      await claimTriggers(gdb.db, { triggererId: second, capacity: 5, liveTriggererIds: [second] }),
    ).toBe(2);
    expect(await listTriggersOf(gdb.db, second)).toHaveLength(3);
    expect(await listTriggersOf(gdb.db, first)).toHaveLength(0);
  });

  it('a running triggerer stops a trigger whose task instance was cleared, and it is deleted', async () => {
    await runningTi('a');
    await deferTry(gdb.db, {
      tiId: 'a',
      tryNumber: 1,
      token: 't1',
      deferral: deferral(delta(60_000)),
      now: new Date(),
    });
    const metrics = createGaleMetrics({ db: gdb.db, log });
    const running = async () =>
      (await metrics.registry.getSingleMetric('gale_triggers_running')?.get())?.values[0]?.value;
    const t = startTriggerer(metrics);
    try {
      await waitFor(async () => (await running()) === 1, { what: 'the trigger to run', seen: running });
      await gdb.db.updateTable('task_instance').set({ state: 'none' }).where('id', '=', 'a').execute();
      await waitFor(async () => (await running()) === 0, { what: 'the trigger to stop', seen: running });
      expect(await gdb.db.selectFrom('trigger').selectAll().execute()).toEqual([]);
      expect((await ti('a')).trigger_id).toBeNull();
      expect(await cleanUnusedTriggers(gdb.db)).toBe(0);
    } finally {
      await t.stop();
    }
  });
});
