/**
 * What DAG authors use to defer: the built-in triggers' descriptions, ctx.defer() and the resume
 * option, and the deferrable sensors waitUntil, waitFor and waitForFile.
 */
import { beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { DagRunRow } from '../../../src/db/index.js';
import { TRIGGER_CLASSPATHS } from '../../../src/models/index.js';
import { buildTaskContext } from '../../../src/runner/task-context.js';
import {
  type Dag,
  dag,
  dateTimeTrigger,
  fileTrigger,
  isTaskDeferred,
  type TaskContext,
  TaskDeferred,
  type TaskRef,
  takeDefinedDags,
  task,
  timeDeltaTrigger,
  waitFor,
  waitForFile,
  waitUntil,
} from '../../../src/sdk/index.js';

const RUN = {
  dag_id: 'd',
  run_id: 'manual__1',
  logical_date: '2026-01-01T00:00:00.000Z',
  data_interval_start: '2026-01-01T00:00:00.000Z',
  data_interval_end: '2026-01-01T00:00:00.000Z',
  conf: '{}',
} as DagRunRow;

function contextFor(
  dagObj: Dag,
  taskId: string,
  resume: { method: string; event: unknown; kwargs?: Record<string, unknown> } | null = null,
  run: DagRunRow = RUN,
): TaskContext {
  const node = dagObj.getTask(taskId);
  return buildTaskContext({
    run,
    taskId,
    mapIndex: -1,
    tryNumber: 1,
    maxTries: 0,
    dagParams: {},
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    signal: new AbortController().signal,
    secrets: {
      variable: async () => '',
      variableJson: async () => undefined as never,
      connection: async () => {
        throw new Error('no connections in this test');
      },
    },
    xcomPull: async () => undefined,
    xcomPush: async () => undefined,
    resume: resume && { method: resume.method, event: resume.event, kwargs: resume.kwargs ?? {} },
    resumeMethods: Object.keys(node.resume),
  });
}

/** Runs a task's function with a context; returns its value, or the TaskDeferred it threw. */
async function runTask(d: Dag, taskId: string, ctx: TaskContext): Promise<unknown> {
  try {
    return await d.getTask(taskId).fn?.(ctx);
  } catch (error) {
    if (isTaskDeferred(error)) return error;
    throw error;
  }
}

beforeEach(() => {
  takeDefinedDags();
});

describe('triggers', () => {
  it.each([
    {
      name: 'dateTimeTrigger',
      spec: dateTimeTrigger('2026-05-01T06:00:00+02:00'),
      classpath: TRIGGER_CLASSPATHS.dateTime,
      kwargs: { moment: '2026-05-01T04:00:00.000Z' },
    },
    {
      name: 'timeDeltaTrigger',
      spec: timeDeltaTrigger('90s'),
      classpath: TRIGGER_CLASSPATHS.timeDelta,
      kwargs: { delta_ms: 90_000 },
    },
    {
      name: 'fileTrigger',
      spec: fileTrigger('/data/in.csv', { pokeInterval: '1s' }),
      classpath: TRIGGER_CLASSPATHS.file,
      kwargs: { filepath: '/data/in.csv', poke_interval_ms: 1_000 },
    },
  ])('$name describes its trigger as data', ({ spec, classpath, kwargs }) => {
    expect(spec).toEqual({ classpath, kwargs });
  });

  it.each([
    {
      name: 'a date that is not one',
      make: () => dateTimeTrigger('someday'),
      code: 'GALE_ERR_TRIGGER_INVALID',
    },
    { name: 'a delta that is not one', make: () => timeDeltaTrigger('soon'), code: 'GALE_ERR_DAG_INVALID' },
    { name: 'an empty path', make: () => fileTrigger(''), code: 'GALE_ERR_TRIGGER_INVALID' },
  ])('refuses $name', ({ make, code }) => {
    expect(make).toThrow(expect.objectContaining({ code }));
  });
});

describe('ctx.defer', () => {
  const wait = task(
    { taskId: 'wait', resume: { done: (_ctx, event: string, kwargs) => `${event}/${kwargs.page}` } },
    (ctx) => ctx.defer(timeDeltaTrigger('5s'), { method: 'done', kwargs: { page: 2 }, timeout: '1m' }),
  );
  const again = task('again', (ctx) =>
    ctx.triggerEvent === undefined ? ctx.defer(timeDeltaTrigger('1s')) : `fired at ${ctx.triggerEvent}`,
  );
  const wrong = task('wrong', (ctx) => ctx.defer(timeDeltaTrigger('1s'), { method: 'missing' }));

  it('ends the run with TaskDeferred, carrying the trigger, method, kwargs and timeout', async () => {
    const d = dag({ dagId: 'defer' }, () => {
      wait();
    });
    const thrown = await runTask(d, 'wait', contextFor(d, 'wait'));
    expect(thrown).toBeInstanceOf(TaskDeferred);
    expect(thrown).toMatchObject({
      trigger: { classpath: TRIGGER_CLASSPATHS.timeDelta, kwargs: { delta_ms: 5_000 } },
      method: 'done',
      kwargs: { page: 2 },
      timeoutMs: 60_000,
    });
  });

  it('resumes with the named function, which gets the event and the kwargs', async () => {
    const d = dag({ dagId: 'defer' }, () => {
      wait();
    });
    const ctx = contextFor(d, 'wait', { method: 'done', event: 'E', kwargs: { page: 2 } });
    expect(ctx.nextKwargs).toEqual({ page: 2 });
    expect(await d.getTask('wait').resume.done?.(ctx, 'E', ctx.nextKwargs)).toBe('E/2');
  });

  it('defaults to running the task function again, with ctx.triggerEvent set', async () => {
    const d = dag({ dagId: 'defer' }, () => {
      again();
    });
    expect(await runTask(d, 'again', contextFor(d, 'again'))).toMatchObject({
      method: 'execute',
      timeoutMs: null,
    });
    const resumed = contextFor(d, 'again', { method: 'execute', event: '2026-01-01T00:00:01.000Z' });
    expect(await runTask(d, 'again', resumed)).toBe('fired at 2026-01-01T00:00:01.000Z');
  });

  it('refuses to defer to a resume function the task does not have, naming it', async () => {
    const d = dag({ dagId: 'defer' }, () => {
      wrong();
    });
    await expect(runTask(d, 'wrong', contextFor(d, 'wrong'))).rejects.toMatchObject({
      code: 'GALE_ERR_DAG_INVALID',
      message: expect.stringContaining('"missing"'),
    });
  });

  it.each([
    { name: 'a resume function named execute', resume: { execute: () => 1 } },
    { name: 'a resume entry that is not a function', resume: { done: 'later' } },
  ])('refuses $name when the DAG is built', ({ resume }) => {
    const bad = task({ taskId: 'bad', resume: resume as never }, () => 1);
    expect(() => dag({ dagId: 'bad_resume' }, () => void bad())).toThrow(
      expect.objectContaining({ code: 'GALE_ERR_DAG_INVALID' }),
    );
  });

  it('keeps resume functions out of the serialized DAG', () => {
    const d = dag({ dagId: 'defer' }, () => {
      wait();
    });
    const serialized = d.serialize('dags/x.ts', {
      catchup: false,
      dataIntervals: false,
      timezone: 'UTC',
      maxActiveRuns: 1,
      maxActiveTasks: 1,
    });
    expect(JSON.stringify(serialized)).not.toContain('resume');
  });
});

describe('deferrable sensors', () => {
  it('waitUntil defers on a date-time trigger, and its output is the moment once it fired', async () => {
    const moment = new Date(Date.now() + 3_600_000).toISOString();
    const d = dag({ dagId: 'sensors' }, () => {
      waitUntil('until', moment);
    });
    expect(await runTask(d, 'until', contextFor(d, 'until'))).toMatchObject({
      trigger: { classpath: TRIGGER_CLASSPATHS.dateTime, kwargs: { moment } },
    });
    expect(await runTask(d, 'until', contextFor(d, 'until', { method: 'execute', event: moment }))).toBe(
      moment,
    );
  });

  it('waitUntil succeeds at once, without deferring, when the moment has passed', async () => {
    const d = dag({ dagId: 'sensors' }, () => {
      waitUntil('past', '2020-01-01T00:00:00Z');
    });
    expect(await runTask(d, 'past', contextFor(d, 'past'))).toBe('2020-01-01T00:00:00.000Z');
  });

  it("waitFor waits until the delta after the run's data interval end, as TimeDeltaSensorAsync", async () => {
    const end = new Date(Date.now() + 60_000);
    const run = { ...RUN, data_interval_end: end.toISOString() } as DagRunRow;
    const d = dag({ dagId: 'sensors' }, () => {
      waitFor({ taskId: 'delta', retries: 1 }, '1h');
    });
    expect(await runTask(d, 'delta', contextFor(d, 'delta', null, run))).toMatchObject({
      trigger: { kwargs: { moment: new Date(end.getTime() + 3_600_000).toISOString() } },
    });
    expect(d.getTask('delta').options.retries).toBe(1);
  });

  it('waitForFile defers on a file trigger with its timeout; its output is the event', async () => {
    const d = dag({ dagId: 'sensors' }, () => {
      waitForFile('file', '/data/in.csv', { pokeInterval: '2s', timeout: '10m' });
    });
    expect(await runTask(d, 'file', contextFor(d, 'file'))).toMatchObject({
      trigger: {
        classpath: TRIGGER_CLASSPATHS.file,
        kwargs: { filepath: '/data/in.csv', poke_interval_ms: 2_000 },
      },
      timeoutMs: 600_000,
    });
    const event = { filepath: '/data/in.csv' };
    expect(await runTask(d, 'file', contextFor(d, 'file', { method: 'execute', event }))).toEqual(event);
  });

  it('are typed: their outputs pass on to downstream tasks', () => {
    const use = task('use', (_ctx, moment: string) => moment.length);
    dag({ dagId: 'sensor_types' }, () => {
      const ref = waitFor('w', '1m');
      expectTypeOf(ref).toEqualTypeOf<TaskRef<string>>();
      expectTypeOf(waitForFile('f', '/x')).toEqualTypeOf<TaskRef<{ filepath: string }>>();
      use(ref);
    });
  });
});
