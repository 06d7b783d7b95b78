/**
 * Type tests of the SDK's generics: checked by `tsc -p tsconfig.json` (each `@ts-expect-error`
 * must meet an error), and run by vitest so that the calls are also valid at runtime.
 */
import { beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  type Arg,
  dag,
  type GroupArg,
  shell,
  type TaskContext,
  type TaskRef,
  takeDefinedDags,
  task,
} from '../../../src/sdk/index.js';

const numbers = task('numbers', (): number[] => [1, 2, 3]);
const shout = task('shout', (_ctx, text: string) => text.toUpperCase());
const sum = task('sum', async (_ctx, values: number[]) => values.reduce((a, b) => a + b, 0));
const describeSum = task('describe_sum', (_ctx, total: number, label: string) => `${label}=${total}`);

beforeEach(() => {
  takeDefinedDags();
});

describe('SDK types', () => {
  it('a task ref carries the return type of its function, awaited', () => {
    dag({ dagId: 'types_refs' }, () => {
      expectTypeOf(numbers()).toEqualTypeOf<TaskRef<number[]>>();
      expectTypeOf(sum(numbers())).toEqualTypeOf<TaskRef<number>>();
      expectTypeOf(shell('echo', 'echo hi')).toEqualTypeOf<TaskRef<string>>();
    });
  });

  it('a task accepts a literal or a ref of the parameter type', () => {
    const d = dag({ dagId: 'types_ok' }, () => {
      shout('literal');
      shout(shell('greeting', 'echo hi'));
      const total = sum(numbers());
      describeSum(total, 'total');
      describeSum(6, shout('label'));
    });
    expect(d.tasks.size).toBe(8);
    expectTypeOf<Arg<string>>().toEqualTypeOf<string | TaskRef<string> | GroupArg<string>>();
  });

  it('a task rejects a ref or literal of another type', () => {
    dag({ dagId: 'types_bad' }, () => {
      // @ts-expect-error a TaskRef<number[]> is not a string
      shout(numbers());
      // @ts-expect-error a number is not a string
      shout(42);
      // @ts-expect-error a TaskRef<string> is not a number[]
      sum(shell('words', 'echo a b'));
      // @ts-expect-error arguments in the wrong order
      describeSum('total', sum(numbers()));
      // @ts-expect-error a missing argument
      describeSum(1);
    });
  });

  it('the task function receives the task context first', () => {
    task('ctx', (ctx) => {
      expectTypeOf(ctx).toEqualTypeOf<TaskContext>();
      expectTypeOf(ctx.logicalDate).toEqualTypeOf<Date>();
      return ctx.runId;
    });
  });

  it('then() returns what it is given, after() returns the task itself', () => {
    dag({ dagId: 'types_order' }, () => {
      const first = numbers();
      const second = shout('x');
      expectTypeOf(first.then(second)).toEqualTypeOf<TaskRef<string>>();
      expectTypeOf(first.then([second, shout('y')] as const)).toEqualTypeOf<
        readonly [TaskRef<string>, TaskRef<string>]
      >();
      expectTypeOf(second.after(first)).toEqualTypeOf<TaskRef<string>>();
    });
  });
});
