/**
 * Mapped task groups in the SDK (taskGroup().expand(), Airflow's @task_group .expand()): every task
 * of the group serializes the group's mapping, its group arguments as placeholders, and the
 * group's input tasks upstream; misuse is refused with the reason. Types are checked by tsc.
 */
import { beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  dag,
  type GroupArgs,
  group,
  type TaskGroup,
  type TaskRef,
  takeDefinedDags,
  task,
  taskGroup,
} from '../../../src/sdk/index.js';
import { DAG_DEFAULTS } from './dag-defaults.js';

const numbers = task('numbers', (): number[] => [1, 2, 3]);
const double = task('double', (_ctx, x: number) => x * 2);
const label = task('label', (_ctx, doubled: number, prefix: string) => `${prefix}${doubled}`);
const join = task('join', (_ctx, labels: string[]) => labels.join(','));
const mappedTask = task('mapped', (_ctx, { x }: { x: number }) => x);

beforeEach(() => {
  takeDefinedDags();
});

const serialized = (build: () => void) => dag({ dagId: 'g' }, build).serialize('/dags/g.ts', DAG_DEFAULTS);
const taskOf = (s: ReturnType<typeof serialized>, id: string) => s.tasks.find((t) => t.taskId === id)!;

describe('mapped task groups', () => {
  it("serializes every task with the group's mapping, per-index arguments and the input task upstream", () => {
    const s = serialized(() => {
      const labels = taskGroup('g', ({ x }: GroupArgs<{ x: number }>) => label(double(x), 'n=')).expand({
        x: numbers(),
      });
      expectTypeOf(labels).toEqualTypeOf<TaskRef<string[]>>();
      join(labels);
    });
    const input = { type: 'output', taskId: 'numbers', key: 'return_value' };
    expect(taskOf(s, 'g.double')).toMatchObject({
      upstream: ['numbers'],
      args: [{ type: 'literal', value: null }],
      taskGroup: 'g',
      mapping: {
        type: 'group',
        groupId: 'g',
        expand: [{ name: 'x', source: input }],
        groupArgs: { '0': 'x' },
      },
    });
    expect(taskOf(s, 'g.label')).toMatchObject({
      upstream: ['g.double', 'numbers'],
      args: [
        { type: 'output', taskId: 'g.double', key: 'return_value' },
        { type: 'literal', value: 'n=' },
      ],
      mapping: { type: 'group', groupId: 'g', groupArgs: {} },
    });
    // the downstream task takes all outputs of the task the group returned
    expect(taskOf(s, 'join')).toMatchObject({ upstream: ['g.label'], mapping: null });
  });

  it('maps over literal lists, in a plain group, and returns the group when build returns nothing', () => {
    const s = serialized(() => {
      group('outer', () => {
        const g = taskGroup('inner', ({ x }: GroupArgs<{ x: number }>) => {
          double(x);
        }).expand({ x: [1, 2] });
        expectTypeOf(g).toEqualTypeOf<TaskGroup>();
        expect(g.groupId).toBe('outer.inner');
      });
    });
    expect(taskOf(s, 'outer.inner.double')).toMatchObject({
      upstream: [],
      mapping: {
        type: 'group',
        groupId: 'outer.inner',
        expand: [{ name: 'x', source: { type: 'literal', values: [1, 2] } }],
      },
    });
  });

  it.each<[string, () => void, string]>([
    [
      'a group argument used outside its group',
      () => {
        let kept: unknown;
        taskGroup('g', ({ x }: GroupArgs<{ x: number }>) => {
          kept = x;
          double(x);
        }).expand({ x: [1] });
        double(kept as number);
      },
      'outside that group',
    ],
    [
      'a task mapped on its own inside a mapped group',
      () => {
        taskGroup('g', ({ x }: GroupArgs<{ x: number }>) => {
          double(x);
          mappedTask.expand({ x: [1, 2] });
        }).expand({ x: [1] });
      },
      'inside mapped task group "g"',
    ],
    [
      'a mapped group inside a mapped group',
      () => {
        taskGroup('g', ({ x }: GroupArgs<{ x: number }>) => {
          double(x);
          taskGroup('h', ({ y }: GroupArgs<{ y: number }>) => double.override({ taskId: 'd2' })(y)).expand({
            y: [1],
          });
        }).expand({ x: [1] });
      },
      'a mapped task group inside a mapped task group',
    ],
    [
      'expand over nothing',
      () => {
        taskGroup('g', () => double(1)).expand({});
      },
      'at least one argument',
    ],
    [
      'a group argument inside a list',
      () => {
        taskGroup('g', ({ x }: GroupArgs<{ x: number }>) => join([x] as never)).expand({ x: [1] });
      },
      'inside a list or object',
    ],
  ])('refuses %s', (_name, build, message) => {
    expect(() => serialized(build)).toThrow(message);
  });
});
