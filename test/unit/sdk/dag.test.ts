/** dag(), task(), shell(), chain() and Dag.serialize: how a DAG file becomes the serialized DAG. */
import { beforeEach, describe, expect, it } from 'vitest';
import { GaleError } from '../../../src/models/errors.js';
import type { SerializedDag } from '../../../src/models/serialized-dag.js';
import { chain, type Dag, dag, shell, takeDefinedDags, task } from '../../../src/sdk/index.js';

const DEFAULTS = {
  catchup: false,
  dataIntervals: false,
  timezone: 'UTC',
  maxActiveRuns: 16,
  maxActiveTasks: 16,
};

const serialize = (d: Dag): SerializedDag => d.serialize('dags/test.ts', DEFAULTS);

/** Each task's upstream task ids, from the serialized DAG. */
const upstreamOf = (d: Dag): Record<string, string[]> =>
  Object.fromEntries(serialize(d).tasks.map((t) => [t.taskId, t.upstream]));

/** The error `fn` throws, which must be a GaleError. */
function galeError(fn: () => unknown): GaleError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GaleError) return error;
    throw error;
  }
  throw new Error('expected a GaleError, nothing was thrown');
}

const extract = task('extract', (): number[] => [1, 2, 3]);
const total = task('total', (_ctx, rows: number[]) => rows.reduce((a, b) => a + b, 0));
const report = task('report', (_ctx, sum: number, label: string) => `${label}: ${sum}`);
const noop = task('noop', () => undefined);

beforeEach(() => {
  takeDefinedDags();
});

describe('data dependencies', () => {
  it('passing a task result as an argument makes that task upstream and the argument its output', () => {
    const d = dag({ dagId: 'etl' }, () => {
      const rows = extract();
      const sum = total(rows);
      report(sum, 'total');
    });
    const tasks = serialize(d).tasks;
    expect(tasks.map((t) => [t.taskId, t.upstream])).toEqual([
      ['extract', []],
      ['total', ['extract']],
      ['report', ['total']],
    ]);
    expect(tasks[1]?.args).toEqual([{ type: 'output', taskId: 'extract', key: 'return_value' }]);
    expect(tasks[2]?.args).toEqual([
      { type: 'output', taskId: 'total', key: 'return_value' },
      { type: 'literal', value: 'total' },
    ]);
  });

  it('one result passed to several tasks fans out', () => {
    const d = dag({ dagId: 'fan_out' }, () => {
      const rows = extract();
      total.override({ taskId: 'a' })(rows);
      total.override({ taskId: 'b' })(rows);
    });
    expect(upstreamOf(d)).toEqual({ extract: [], a: ['extract'], b: ['extract'] });
  });

  it.each([
    { name: 'a number', value: 42 },
    { name: 'a string', value: 'text' },
    { name: 'null', value: null },
    { name: 'an array', value: [1, 'two', { three: 3 }] },
    { name: 'an object', value: { nested: { list: [true, false] } } },
  ])('serializes $name passed as an argument as a literal', ({ value }) => {
    const keep = task('keep', (_ctx, v: unknown) => v);
    const d = dag({ dagId: 'literals' }, () => {
      keep(value);
    });
    expect(serialize(d).tasks[0]?.args).toEqual([{ type: 'literal', value }]);
  });

  it('serializes a Date argument as its ISO text, as JSON does', () => {
    const keep = task('keep', (_ctx, v: unknown) => v);
    const d = dag({ dagId: 'date_arg' }, () => {
      keep(new Date('2026-01-01T00:00:00Z'));
    });
    expect(serialize(d).tasks[0]?.args).toEqual([{ type: 'literal', value: '2026-01-01T00:00:00.000Z' }]);
  });

  it('rejects an argument that is not JSON, naming the task and the argument', () => {
    const keep = task('keep', (_ctx, v: unknown) => v);
    const error = galeError(() =>
      dag({ dagId: 'bad_arg' }, () => {
        keep(10n);
      }),
    );
    expect(error.code).toBe('GALE_ERR_DAG_INVALID');
    expect(error.message).toContain('task "keep"');
    expect(error.message).toContain('argument 1');
  });
});

describe('ordering with then(), after() and chain()', () => {
  it('then() puts the given tasks after this one and returns them', () => {
    const d = dag({ dagId: 'then' }, () => {
      const a = noop.override({ taskId: 'a' })();
      const b = noop.override({ taskId: 'b' })();
      const c = noop.override({ taskId: 'c' })();
      expect(a.then(b)).toBe(b);
      b.then(c);
    });
    expect(upstreamOf(d)).toEqual({ a: [], b: ['a'], c: ['b'] });
  });

  it('then() with a list fans out', () => {
    const d = dag({ dagId: 'then_list' }, () => {
      const a = shell('a', 'echo a');
      a.then([shell('b', 'echo b'), shell('c', 'echo c')]);
    });
    expect(upstreamOf(d)).toEqual({ a: [], b: ['a'], c: ['a'] });
  });

  it('after() puts this task after all the given ones (fan-in) and returns it', () => {
    const d = dag({ dagId: 'after' }, () => {
      const a = shell('a', 'echo a');
      const b = shell('b', 'echo b');
      const c = shell('c', 'echo c');
      const join = shell('join', 'echo join');
      expect(join.after([a, b], c)).toBe(join);
    });
    expect(upstreamOf(d)).toEqual({ a: [], b: [], c: [], join: ['a', 'b', 'c'] });
  });

  it('chain(a, [b, c], d) puts a before b and c, and both before d', () => {
    const d = dag({ dagId: 'chain' }, () => {
      chain(shell('a', 'echo a'), [shell('b', 'echo b'), shell('c', 'echo c')], shell('d', 'echo d'));
    });
    expect(upstreamOf(d)).toEqual({ a: [], b: ['a'], c: ['a'], d: ['b', 'c'] });
  });

  it('chain() of single tasks is a straight line', () => {
    const d = dag({ dagId: 'line' }, () => {
      chain(shell('a', 'echo a'), shell('b', 'echo b'), shell('c', 'echo c'));
    });
    expect(upstreamOf(d)).toEqual({ a: [], b: ['a'], c: ['b'] });
  });

  it('an ordering edge and a data edge between the same tasks are one dependency', () => {
    const d = dag({ dagId: 'both' }, () => {
      const rows = extract();
      rows.then(total(rows));
    });
    expect(upstreamOf(d)).toEqual({ extract: [], total: ['extract'] });
  });

  it('lists upstream task ids sorted', () => {
    const d = dag({ dagId: 'sorted' }, () => {
      shell('join', 'true').after(shell('z', 'true'), shell('m', 'true'), shell('a', 'true'));
    });
    expect(upstreamOf(d).join).toEqual(['a', 'm', 'z']);
  });
});

describe('task ids', () => {
  it('names a task after its function when no taskId is given', () => {
    const d = dag({ dagId: 'named' }, () => {
      task({ retries: 1 }, function loadRows() {
        return 1;
      })();
    });
    expect(serialize(d).tasks.map((t) => t.taskId)).toEqual(['loadRows']);
  });

  it('gives a reused task factory the ids id, id__1, id__2, as Airflow', () => {
    const d = dag({ dagId: 'reused' }, () => {
      noop();
      noop();
      noop();
    });
    expect(serialize(d).tasks.map((t) => t.taskId)).toEqual(['noop', 'noop__1', 'noop__2']);
  });

  it('override({ taskId }) gives a second use its own id', () => {
    const d = dag({ dagId: 'override' }, () => {
      noop();
      noop.override({ taskId: 'other' })();
    });
    expect(serialize(d).tasks.map((t) => t.taskId)).toEqual(['noop', 'other']);
  });

  it('override keeps the factory id when it names no taskId, and changes other options', () => {
    const retried = noop.override({ retries: 3 });
    expect(retried.taskId).toBe('noop');
    const d = dag({ dagId: 'override_options' }, () => {
      retried();
    });
    expect(serialize(d).tasks[0]).toMatchObject({ taskId: 'noop', retries: 3 });
  });

  it('override({ taskId }) naming a taken id is renamed id__1, as Airflow renames reused @task ids', () => {
    const d = dag({ dagId: 'override_taken' }, () => {
      noop();
      noop.override({ taskId: 'noop' })();
    });
    expect(serialize(d).tasks.map((t) => t.taskId)).toEqual(['noop', 'noop__1']);
  });

  it('rejects two shell tasks with the same id with GALE_ERR_DAG_DUPLICATE_TASK', () => {
    const error = galeError(() =>
      dag({ dagId: 'dupes' }, () => {
        shell('same', 'echo 1');
        shell('same', 'echo 2');
      }),
    );
    expect(error.code).toBe('GALE_ERR_DAG_DUPLICATE_TASK');
    expect(error.message).toContain('"same"');
    expect(error.message).toContain('"dupes"');
  });

  it('rejects a shell task taking the id of a function task with GALE_ERR_DAG_DUPLICATE_TASK', () => {
    const error = galeError(() =>
      dag({ dagId: 'dupes2' }, () => {
        noop();
        shell('noop', 'echo');
      }),
    );
    expect(error.code).toBe('GALE_ERR_DAG_DUPLICATE_TASK');
  });

  it.each(['has space', 'slash/id', '', 'x'.repeat(251)])('rejects the task id "%s"', (taskId) => {
    const error = galeError(() =>
      dag({ dagId: 'bad_task_id' }, () => {
        shell({ taskId: taskId || ' ' }, 'echo');
      }),
    );
    expect(error.code).toBe('GALE_ERR_DAG_INVALID');
  });

  it('rejects task() of an anonymous function without a taskId', () => {
    expect(galeError(() => task({}, () => 1)).code).toBe('GALE_ERR_DAG_INVALID');
  });

  it('rejects task() whose second argument is not a function (options given second)', () => {
    const error = galeError(() => task('t', { retries: 2 } as never));
    expect(error.code).toBe('GALE_ERR_DAG_INVALID');
    expect(error.message).toContain('task "t" needs a function');
  });
});

describe('cycles', () => {
  it('rejects a cycle with GALE_ERR_DAG_CYCLE naming the tasks in it', () => {
    const error = galeError(() =>
      dag({ dagId: 'cyclic' }, () => {
        const a = shell('a', 'true');
        const b = shell('b', 'true');
        const c = shell('c', 'true');
        shell('outside', 'true').after(a);
        chain(a, b, c);
        c.then(a);
      }),
    );
    expect(error.code).toBe('GALE_ERR_DAG_CYCLE');
    expect(error.message).toContain('"cyclic"');
    expect(error.message).toMatch(/(a -> c -> b -> a|b -> a -> c -> b|c -> b -> a -> c)/);
    expect(error.message).not.toContain('outside');
  });

  it('rejects a task that depends on itself', () => {
    const error = galeError(() =>
      dag({ dagId: 'self' }, () => {
        const a = shell('a', 'true');
        a.after(a);
      }),
    );
    expect(error.code).toBe('GALE_ERR_DAG_CYCLE');
    expect(error.message).toContain('a -> a');
  });

  it('does not register a DAG that failed to build', () => {
    expect(() =>
      dag({ dagId: 'broken' }, () => {
        const a = shell('a', 'true');
        a.then(a);
      }),
    ).toThrow(GaleError);
    expect(takeDefinedDags()).toEqual([]);
  });
});

describe('where tasks and DAGs may be defined', () => {
  it('rejects a task called outside dag()', () => {
    const error = galeError(() => noop());
    expect(error.code).toBe('GALE_ERR_DAG_INVALID');
    expect(error.message).toContain('outside of dag()');
  });

  it('rejects a shell task outside dag()', () => {
    expect(galeError(() => shell('lonely', 'echo')).message).toContain('outside of dag()');
  });

  it('rejects dag() inside dag(), and the outer DAG can still be defined after', () => {
    const error = galeError(() =>
      dag({ dagId: 'outer' }, () => {
        dag({ dagId: 'inner' }, () => {});
      }),
    );
    expect(error.code).toBe('GALE_ERR_DAG_INVALID');
    expect(error.message).toContain('inside dag("outer")');
    expect(() => dag({ dagId: 'outer' }, () => {})).not.toThrow();
  });

  it.each(['', 'has space', 'a/b', 'x'.repeat(251)])('rejects the dag id "%s"', (dagId) => {
    expect(galeError(() => dag({ dagId }, () => {})).code).toBe('GALE_ERR_DAG_INVALID');
  });

  it('takeDefinedDags returns the DAGs defined since the last call, once', () => {
    dag({ dagId: 'one' }, () => {});
    dag({ dagId: 'two' }, () => {});
    expect(takeDefinedDags().map((d) => d.dagId)).toEqual(['one', 'two']);
    expect(takeDefinedDags()).toEqual([]);
  });
});

describe('task options', () => {
  it("gives a task Gale's defaults, as Airflow's", () => {
    const d = dag({ dagId: 'defaults' }, () => {
      noop();
    });
    expect(serialize(d).tasks[0]).toMatchObject({
      kind: 'function',
      triggerRule: 'all_success',
      retries: 0,
      retryDelayMs: 300_000,
      retryExponentialBackoff: false,
      maxRetryDelayMs: null,
      executionTimeoutMs: null,
      pool: 'default_pool',
      poolSlots: 1,
      priorityWeight: 1,
      weightRule: 'downstream',
      queue: 'default',
      executor: null,
      owner: 'gale',
      doc: null,
    });
  });

  it("applies the DAG's defaultArgs to every task, under the task's own options", () => {
    const d = dag(
      { dagId: 'default_args', defaultArgs: { retries: 2, retryDelay: '30s', owner: 'data', pool: 'etl' } },
      () => {
        noop();
        noop.override({ taskId: 'own', retries: 5 })();
        shell('sh', { command: 'echo', owner: 'ops' });
      },
    );
    const byId = Object.fromEntries(serialize(d).tasks.map((t) => [t.taskId, t]));
    expect(byId.noop).toMatchObject({ retries: 2, retryDelayMs: 30_000, owner: 'data', pool: 'etl' });
    expect(byId.own).toMatchObject({ retries: 5, retryDelayMs: 30_000, owner: 'data' });
    expect(byId.sh).toMatchObject({ retries: 2, owner: 'ops', pool: 'etl' });
  });

  it.each([
    { name: 'its own executor option', own: 'queue' as const, defaults: {}, expected: 'queue' },
    {
      name: "the DAG's defaultArgs",
      own: undefined,
      defaults: { executor: 'queue' as const },
      expected: 'queue',
    },
    {
      name: 'its own option over defaultArgs',
      own: 'local' as const,
      defaults: { executor: 'queue' as const },
      expected: 'local',
    },
    { name: 'nothing: null, the default executor', own: undefined, defaults: {}, expected: null },
  ])('takes the executor of a task from $name', ({ own, defaults, expected }) => {
    const d = dag({ dagId: 'executors', defaultArgs: defaults }, () => {
      noop.override(own === undefined ? {} : { executor: own })();
    });
    expect(serialize(d).tasks[0]?.executor).toBe(expected);
  });

  it('compiles durations and rules', () => {
    const t = task(
      {
        taskId: 't',
        retryExponentialBackoff: true,
        maxRetryDelay: '1h',
        executionTimeout: 90_000,
        triggerRule: 'one_failed',
        weightRule: 'absolute',
        priorityWeight: 7,
      },
      () => 1,
    );
    const d = dag({ dagId: 'options' }, () => {
      t();
    });
    expect(serialize(d).tasks[0]).toMatchObject({
      retryExponentialBackoff: true,
      maxRetryDelayMs: 3_600_000,
      executionTimeoutMs: 90_000,
      triggerRule: 'one_failed',
      weightRule: 'absolute',
      priorityWeight: 7,
    });
  });

  it.each([
    { name: 'negative retries', options: { retries: -1 } },
    { name: 'fractional retries', options: { retries: 1.5 } },
    { name: 'zero poolSlots', options: { poolSlots: 0 } },
    { name: 'a zero executionTimeout', options: { executionTimeout: 0 } },
    { name: 'a retryDelay that is not a duration', options: { retryDelay: 'soon' } },
    { name: 'an unknown triggerRule', options: { triggerRule: 'whenever' as never } },
    { name: 'an unknown weightRule', options: { weightRule: 'sideways' as never } },
    { name: 'an unknown executor', options: { executor: 'celery' as never } },
  ])('rejects $name with GALE_ERR_DAG_INVALID naming the task', ({ options }) => {
    const error = galeError(() =>
      dag({ dagId: 'bad_options' }, () => {
        noop.override(options)();
      }),
    );
    expect(error.code).toBe('GALE_ERR_DAG_INVALID');
    expect(error.message).toContain('task "noop"');
  });
});

describe('shell()', () => {
  it('serializes the command and its environment', () => {
    const d = dag({ dagId: 'shell' }, () => {
      shell('plain', 'echo {{ ds }}');
      shell(
        { taskId: 'full', retries: 1 },
        { command: 'env', env: { A: '1' }, appendEnv: true, cwd: '/tmp' },
      );
    });
    const [plain, full] = serialize(d).tasks;
    expect(plain).toMatchObject({
      kind: 'shell',
      args: [],
      shell: { command: 'echo {{ ds }}', appendEnv: false },
    });
    expect(full).toMatchObject({
      kind: 'shell',
      retries: 1,
      shell: { command: 'env', env: { A: '1' }, appendEnv: true, cwd: '/tmp' },
    });
  });

  it.each([' ', ''])('rejects the empty command "%s"', (command) => {
    const error = galeError(() =>
      dag({ dagId: 'empty_command' }, () => {
        shell('sh', command);
      }),
    );
    expect(error.code).toBe('GALE_ERR_DAG_INVALID');
    expect(error.message).toContain('"sh"');
  });
});

describe('Dag.serialize', () => {
  it('fills the DAG options from the installation defaults', () => {
    const d = dag({ dagId: 'plain' }, () => {});
    expect(serialize(d)).toEqual({
      dagId: 'plain',
      fileloc: 'dags/test.ts',
      description: null,
      doc: null,
      schedule: { type: 'none' },
      scheduleText: null,
      startDate: null,
      endDate: null,
      catchup: false,
      timezone: 'UTC',
      tags: [],
      maxActiveRuns: 16,
      maxActiveTasks: 16,
      dagrunTimeoutMs: null,
      isPausedUponCreation: null,
      callbacks: { onSuccess: false, onFailure: false },
      deadline: null,
      params: {},
      paramSchemas: {},
      tasks: [],
    });
  });

  it('records which DAG callbacks a DAG has and compiles its deadline alert', () => {
    const noop = () => {};
    const d = dag(
      {
        dagId: 'alerts',
        onFailure: noop,
        deadline: { reference: 'queued_at', interval: '90s', callback: noop },
      },
      () => {},
    );
    expect(serialize(d)).toMatchObject({
      callbacks: { onSuccess: false, onFailure: true },
      deadline: { reference: 'queued_at', intervalMs: 90_000 },
    });
    const bad = dag(
      { dagId: 'bad_alert', deadline: { reference: 'start' as 'queued_at', interval: '1m', callback: noop } },
      () => {},
    );
    expect(() => serialize(bad)).toThrow(/deadline.reference must be "logical_date" or "queued_at"/);
  });

  it('keeps what the DAG sets over the defaults', () => {
    const d = dag(
      {
        dagId: 'full',
        schedule: '0 6 * * *',
        startDate: '2026-01-01',
        endDate: new Date('2026-12-31T00:00:00Z'),
        catchup: true,
        dataIntervals: true,
        timezone: 'Europe/Berlin',
        tags: ['etl'],
        description: 'd',
        doc: 'docs',
        maxActiveRuns: 1,
        maxActiveTasks: 4,
        paused: true,
        params: { region: 'eu' },
      },
      () => {},
    );
    expect(serialize(d)).toMatchObject({
      schedule: { type: 'cron', expression: '0 6 * * *', dataIntervals: true },
      scheduleText: '0 6 * * *',
      startDate: '2026-01-01T00:00:00.000Z',
      endDate: '2026-12-31T00:00:00.000Z',
      catchup: true,
      timezone: 'Europe/Berlin',
      tags: ['etl'],
      description: 'd',
      doc: 'docs',
      maxActiveRuns: 1,
      maxActiveTasks: 4,
      isPausedUponCreation: true,
      params: { region: 'eu' },
    });
  });

  it('takes dataIntervals and the time zone from the installation when the DAG does not set them', () => {
    const d = dag({ dagId: 'installation', schedule: '@daily', startDate: '2026-01-01' }, () => {});
    const s = d.serialize('f.ts', {
      ...DEFAULTS,
      dataIntervals: true,
      timezone: 'Asia/Tokyo',
      catchup: true,
    });
    expect(s).toMatchObject({
      schedule: { type: 'cron', expression: '0 0 * * *', dataIntervals: true },
      timezone: 'Asia/Tokyo',
      catchup: true,
    });
  });

  it('rejects a startDate after endDate with GALE_ERR_DAG_DATES', () => {
    const d = dag({ dagId: 'dates', startDate: '2026-02-01', endDate: '2026-01-01' }, () => {});
    const error = galeError(() => serialize(d));
    expect(error.code).toBe('GALE_ERR_DAG_DATES');
    expect(error.message).toContain('"dates"');
  });

  it.each(['0 0 * * * *', '99 * * * *', '@sometimes'])(
    'rejects the schedule "%s" with GALE_ERR_SCHEDULE_INVALID naming the DAG',
    (schedule) => {
      const d = dag({ dagId: 'bad_cron', schedule, startDate: '2026-01-01' }, () => {});
      const error = galeError(() => serialize(d));
      expect(error.code).toBe('GALE_ERR_SCHEDULE_INVALID');
      expect(error.message).toContain('DAG "bad_cron"');
      expect(error.message).toContain(schedule);
      expect(error.hint).toBeDefined();
    },
  );

  it.each(['@daily', '30m', '@once'])('rejects the schedule "%s" without a startDate', (schedule) => {
    const d = dag({ dagId: 'no_start', schedule }, () => {});
    const error = galeError(() => serialize(d));
    expect(error.code).toBe('GALE_ERR_DAG_INVALID');
    expect(error.message).toContain('startDate');
  });

  it.each([
    { name: 'a startDate that is not a date', options: { startDate: 'someday' } },
    { name: 'zero maxActiveRuns', options: { maxActiveRuns: 0 } },
    { name: 'fractional maxActiveTasks', options: { maxActiveTasks: 1.5 } },
  ])('rejects $name with GALE_ERR_DAG_INVALID', ({ options }) => {
    const d = dag({ dagId: 'bad_dag_options', ...options }, () => {});
    expect(galeError(() => serialize(d)).code).toBe('GALE_ERR_DAG_INVALID');
  });
});

// Mistakes across DAGs and chain() of two lists, as Airflow handles them.
describe('tasks of other DAGs and chained lists', () => {
  it('rejects a task result from another DAG passed as an argument', () => {
    let leaked: ReturnType<typeof extract> | undefined;
    dag({ dagId: 'first' }, () => {
      leaked = extract();
    });
    expect(() =>
      dag({ dagId: 'second' }, () => {
        total(leaked!);
      }),
    ).toThrow(GaleError);
  });

  it('then() from a task of another DAG does not change that other DAG', () => {
    let leaked: ReturnType<typeof noop> | undefined;
    const first = dag({ dagId: 'first' }, () => {
      leaked = noop();
    });
    try {
      dag({ dagId: 'second' }, () => {
        leaked!.then(shell('noop', 'true'));
      });
    } catch {
      // rejecting the cross-DAG edge is fine too
    }
    expect(upstreamOf(first)).toEqual({ noop: [] });
  });

  it('chain() of two adjacent lists pairs them element-wise, as Airflow', () => {
    const d = dag({ dagId: 'pairs' }, () => {
      chain([shell('a', 'true'), shell('b', 'true')], [shell('c', 'true'), shell('d', 'true')]);
    });
    expect(upstreamOf(d)).toEqual({ a: [], b: [], c: ['a'], d: ['b'] });
  });
});
