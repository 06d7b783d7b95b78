/**
 * sensor(): poke mode loops within the try, reschedule mode ends the try's run with a reschedule
 * carrying its progress, the timeout counts from the first poke across reschedules and steers the
 * try (TaskFailed, or TaskSkipped with softFail), and a stopped try stops sleeping at once.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { DagRunRow } from '../../../src/db/index.js';
import { RESCHEDULE_CLASSPATH } from '../../../src/models/index.js';
import { buildTaskContext } from '../../../src/runner/task-context.js';
import {
  type Dag,
  dag,
  httpSensor,
  isTaskDeferred,
  type PokeFunction,
  type SensorOptions,
  sensor,
  type TaskContext,
  type TaskDeferred,
  TaskFailed,
  TaskSkipped,
  takeDefinedDags,
  terminalStateOf,
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
  kwargs: Record<string, unknown> | null,
  signal = new AbortController().signal,
): TaskContext {
  return buildTaskContext({
    run: RUN,
    taskId: 's',
    mapIndex: -1,
    tryNumber: 1,
    maxTries: 0,
    dagParams: {},
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    signal,
    secrets: {
      variable: async () => '',
      variableJson: async () => undefined as never,
      connection: async () => {
        throw new Error('no connections in this test');
      },
    },
    xcomPull: async () => undefined,
    xcomPush: async () => undefined,
    resume: kwargs && { method: 'execute', event: undefined, kwargs },
    resumeMethods: [],
  });
}

function sensorDag(options: Partial<SensorOptions>, poke: PokeFunction<unknown>): Dag {
  return dag({ dagId: 'd' }, () => {
    sensor({ taskId: 's', ...options }, poke);
  });
}

/** Runs the sensor's task function: its value, or what it threw. */
async function run(d: Dag, ctx: TaskContext): Promise<unknown> {
  try {
    return await d.getTask('s').fn?.(ctx);
  } catch (error) {
    return error;
  }
}

function counter(doneAt: number, value: unknown = 'v'): { poke: PokeFunction<unknown>; pokes: () => number } {
  let n = 0;
  return {
    poke: () => (++n >= doneAt ? { done: true, value } : false),
    pokes: () => n,
  };
}

beforeEach(() => {
  takeDefinedDags();
});

describe('sensor()', () => {
  it('in poke mode pokes until done within the try and returns the value', async () => {
    const c = counter(3, { ok: 1 });
    const started = Date.now();
    expect(await run(sensorDag({ pokeInterval: '20ms' }, c.poke), contextFor(null))).toEqual({ ok: 1 });
    expect(c.pokes()).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
  });

  it('returns null for a poke that returns true', async () => {
    expect(
      await run(
        sensorDag({ pokeInterval: 1 }, () => true),
        contextFor(null),
      ),
    ).toBeNull();
  });

  it('in reschedule mode ends the run with a reschedule carrying its first poke and poke count', async () => {
    const c = counter(2);
    const d = sensorDag({ mode: 'reschedule', pokeInterval: '30s' }, c.poke);
    const before = Date.now();
    const thrown = await run(d, contextFor(null));
    expect(isTaskDeferred(thrown)).toBe(true);
    const deferred = thrown as TaskDeferred;
    expect(deferred.trigger.classpath).toBe(RESCHEDULE_CLASSPATH);
    const at = Date.parse(String(deferred.trigger.kwargs.reschedule_date));
    expect(at - before).toBeGreaterThanOrEqual(30_000);
    expect(at - Date.now()).toBeLessThanOrEqual(30_000);
    expect(deferred.method).toBe('execute');
    expect(deferred.kwargs).toMatchObject({ sensor_pokes: 1 });
    // the next run of the same try pokes again, with what it carried
    expect(await run(d, contextFor(deferred.kwargs))).toBe('v');
    expect(c.pokes()).toBe(2);
  });

  it.each([
    { softFail: false, steer: TaskFailed, state: 'failed' },
    { softFail: true, steer: TaskSkipped, state: 'skipped' },
  ])(
    'on timeout with softFail $softFail throws what makes the try $state without retry',
    async ({ softFail, steer, state }) => {
      const thrown = await run(
        sensorDag({ pokeInterval: '10ms', timeout: '50ms', softFail }, () => false),
        contextFor(null),
      );
      expect(thrown).toBeInstanceOf(steer);
      expect(terminalStateOf(thrown)).toBe(state);
      expect(String((thrown as Error).message)).toContain('GALE_ERR_SENSOR_TIMEOUT');
    },
  );

  it('counts the timeout from the first poke across reschedules', async () => {
    const d = sensorDag({ mode: 'reschedule', pokeInterval: '1s', timeout: '1m' }, () => false);
    const firstPokeAt = new Date(Date.now() - 61_000).toISOString();
    const thrown = await run(d, contextFor({ sensor_first_poke_at: firstPokeAt, sensor_pokes: 5 }));
    expect(thrown).toBeInstanceOf(TaskFailed);
    const recent = new Date(Date.now() - 5_000).toISOString();
    const again = await run(d, contextFor({ sensor_first_poke_at: recent, sensor_pokes: 5 }));
    expect((again as TaskDeferred).kwargs).toEqual({ sensor_first_poke_at: recent, sensor_pokes: 6 });
  });

  it('stops sleeping at once when the try is stopped', async () => {
    const controller = new AbortController();
    const pending = run(
      sensorDag({ pokeInterval: '1h' }, () => false),
      contextFor(null, controller.signal),
    );
    await new Promise((r) => setTimeout(r, 20));
    const stopped = Date.now();
    controller.abort(new Error('SIGTERM'));
    expect(await pending).toMatchObject({ message: 'SIGTERM' });
    expect(Date.now() - stopped).toBeLessThan(500);
  });

  it('keeps its sensor settings out of the task options', () => {
    const d = sensorDag(
      { mode: 'reschedule', pokeInterval: '5s', timeout: '1h', softFail: true, retries: 2 },
      () => true,
    );
    const options = d.getTask('s').options as unknown as Record<string, unknown>;
    expect(options.retries).toBe(2);
    for (const key of ['mode', 'pokeInterval', 'timeout', 'softFail'])
      expect(options).not.toHaveProperty(key);
  });

  it.each([
    { name: 'an unknown mode', options: { mode: 'sometimes' as never }, message: /mode/ },
    { name: 'a bad pokeInterval', options: { pokeInterval: 'often' }, message: /pokeInterval/ },
    { name: 'a bad timeout', options: { timeout: 'never' }, message: /timeout/ },
  ])('refuses $name', ({ options, message }) => {
    expect(() => sensorDag(options, () => true)).toThrow(message);
  });

  it.each([
    { clash: 'softFail', options: { softFail: true } },
    { clash: 'mode "reschedule"', options: { mode: 'reschedule' as const } },
    { clash: 'responseCheck', options: { responseCheck: () => true } },
  ])('refuses a deferrable httpSensor with $clash, naming both', ({ clash, options }) => {
    expect(() =>
      dag({ dagId: 'h' }, () => {
        httpSensor({ taskId: 'h', endpoint: '/', deferrable: true, ...options });
      }),
    ).toThrow(`deferrable cannot go with ${clash}`);
  });
});
