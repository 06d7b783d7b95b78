/**
 * Mapped tasks in the SDK: partial()/expand()/expandKwargs()/zip() serialize to the mapping the
 * scheduler expands, with the upstream tasks they read; their types are checked by tsc (each
 * `@ts-expect-error` must meet an error).
 */
import { beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { GaleError } from '../../../src/models/index.js';
import {
  dag,
  podTask,
  shell,
  type TaskRef,
  takeDefinedDags,
  task,
  zip,
  zipLongest,
} from '../../../src/sdk/index.js';
import { DAG_DEFAULTS } from './dag-defaults.js';

const files = task('files', (): string[] => ['a', 'b']);
const count = task(
  'count',
  (_ctx, { file, factor }: { file: string; factor: number }) => file.length * factor,
);
const pair = task('pair', (_ctx, { both }: { both: [string, number] }) => both.join('='));
const positional = task('positional', (_ctx, a: number, b: number) => a + b);

beforeEach(() => {
  takeDefinedDags();
});

function serialized(build: () => void) {
  return dag({ dagId: 'mapped' }, build).serialize('/dags/mapped.ts', DAG_DEFAULTS);
}

describe('mapped tasks', () => {
  it('partial().expand() over an upstream output serializes the mapping and the upstream task', () => {
    const s = serialized(() => {
      const counted = count.partial({ factor: 10 }).expand({ file: files() });
      expectTypeOf(counted).toEqualTypeOf<TaskRef<number[]>>();
    });
    const t = s.tasks.find((x) => x.taskId === 'count')!;
    expect(t.upstream).toEqual(['files']);
    expect(t.args).toEqual([]);
    expect(t.mapping).toEqual({
      type: 'expand',
      partial: { factor: { type: 'literal', value: 10 } },
      expand: [{ name: 'file', source: { type: 'output', taskId: 'files', key: 'return_value' } }],
    });
  });

  it('expand() over literal lists, expandKwargs() and zip() serialize as written', () => {
    const s = serialized(() => {
      count.expand({ file: ['a', 'b'], factor: [1, 2] });
      count.partial({ factor: 1 }).expandKwargs([{ file: 'x' }, { file: 'y' }]);
      pair.expand({ both: zip(['x', 'y'], [1, 2]) });
      pair.override({ taskId: 'pair_longest' }).expand({ both: zipLongest(0, files(), [1]) as never });
    });
    const byId = new Map(s.tasks.map((t) => [t.taskId, t]));
    expect(byId.get('count')?.mapping).toMatchObject({
      expand: [
        { name: 'file', source: { type: 'literal', values: ['a', 'b'] } },
        { name: 'factor', source: { type: 'literal', values: [1, 2] } },
      ],
    });
    expect(byId.get('count__1')?.mapping).toMatchObject({
      type: 'expand_kwargs',
      source: { type: 'literal', values: [{ file: 'x' }, { file: 'y' }] },
    });
    expect(byId.get('pair')?.mapping).toMatchObject({
      expand: [{ name: 'both', source: { type: 'zip', fill: null } }],
    });
    expect(byId.get('pair_longest')?.upstream).toEqual(['files']);
    expect(byId.get('pair_longest')?.mapping).toMatchObject({
      expand: [{ source: { type: 'zip', fill: { value: 0 } } }],
    });
  });

  it.each<[string, () => void, RegExp]>([
    ['expand() with nothing to map over', () => count.expand({} as never), /at least one argument/],
    [
      'an argument in both partial() and expand()',
      () => count.partial({ factor: 1 }).expand({ file: ['a'], factor: [1] } as never),
      /both partial\(\) and expand\(\)/,
    ],
    [
      'a function with positional arguments',
      () => positional.expand({ a: [1] } as never),
      /one argument object/,
    ],
    [
      'a number to expand over',
      () => count.expand({ file: 3 as never, factor: [1] }),
      /cannot expand over 3/,
    ],
    [
      'a shell task mapped over something else than command, env and cwd',
      () => shell.partial('s', { command: 'true' }).expand({ timeout: [1] } as never),
      /cannot map over "timeout"/,
    ],
    [
      'a shell field in both shell.partial() and expand()',
      () => shell.partial('s', { command: 'true' }).expand({ command: ['false'] } as never),
      /"command" given to both partial\(\) and expand\(\)/,
    ],
    [
      'a podTask image in both podTask.partial() and expand()',
      () => podTask.partial('p', { image: 'alpine:3' }).expand({ image: ['a', 'b'] } as never),
      /mapped podTask "p": "image" given to both partial\(\) and expand\(\)/,
    ],
    [
      'a mapped podTask with no image, fixed or mapped',
      () => podTask.partial('p', { cmds: ['true'] }).expand({ args: [['x']] } as never),
      /mapped podTask "p" has no image/,
    ],
    [
      'a podTask mapped over something else than image, cmds, args and env',
      () => podTask.partial('p', { image: 'alpine:3' }).expand({ labels: [{ a: 'b' }] } as never),
      /mapped podTask "p": cannot map over "labels"/,
    ],
    [
      'an unmapped podTask with no image',
      () => podTask('p', { cmds: ['true'] } as never),
      /podTask "p" has no image/,
    ],
    [
      'a podTask field in both podTask.partial() and expand()',
      () => podTask.partial('p', { image: 'alpine:3', args: ['x'] }).expand({ args: [['y']] } as never),
      /"args" given to both partial\(\) and expand\(\)/,
    ],
    [
      'a mapped shell task with no command',
      () => shell.partial('s').expand({ env: [{ A: '1' }] } as never),
      /mapped shell task "s" has no command/,
    ],
  ])('%s is refused when the DAG is defined', (_name, build, message) => {
    const error = (() => {
      try {
        serialized(build);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(GaleError);
    expect(String((error as Error).message)).toMatch(message);
  });

  it('shell.partial().expand() serializes the fixed fields on the shell task and the mapped ones as its mapping', () => {
    const s = serialized(() => {
      const lines = shell
        .partial('greet', { command: 'echo $WHO', appendEnv: true })
        .expand({ env: [{ WHO: 'a' }] });
      expectTypeOf(lines).toEqualTypeOf<TaskRef<string[]>>();
      shell.partial({ taskId: 'each', retries: 2 }).expand({ command: files() });
    });
    const greet = s.tasks.find((x) => x.taskId === 'greet')!;
    expect(greet.kind).toBe('shell');
    expect(greet.shell).toEqual({ command: 'echo $WHO', appendEnv: true });
    expect(greet.mapping).toEqual({
      type: 'expand',
      partial: {},
      expand: [{ name: 'env', source: { type: 'literal', values: [{ WHO: 'a' }] } }],
    });
    const each = s.tasks.find((x) => x.taskId === 'each')!;
    expect(each.upstream).toEqual(['files']);
    expect(each.retries).toBe(2);
    expect(each.shell?.command).toBe('');
  });

  it('podTask.partial().expand() keeps the fixed container and maps cmds, args or env', () => {
    const s = serialized(() => {
      const out = podTask
        .partial<number>('p', { image: 'alpine:3', cmds: ['sh', '-c'], doXcomPush: true })
        .expand({ args: [['echo 1'], ['echo 2']] });
      expectTypeOf(out).toEqualTypeOf<TaskRef<number[]>>();
    });
    const p = s.tasks.find((x) => x.taskId === 'p')!;
    expect(p.kind).toBe('container');
    expect(p.container?.image).toBe('alpine:3');
    expect(p.container?.cmds).toEqual(['sh', '-c']);
    expect(p.mapping).toEqual({
      type: 'expand',
      partial: {},
      expand: [{ name: 'args', source: { type: 'literal', values: [['echo 1'], ['echo 2']] } }],
    });
  });

  it('podTask.partial() without an image maps over it: the container keeps an empty image for each instance to fill', () => {
    const s = serialized(() => {
      podTask
        .partial('p', { cmds: ['sh', '-c', 'echo hi'], imagePullPolicy: 'Never' })
        .expand({ image: ['alpine:3', 'busybox:1'] });
    });
    const p = s.tasks.find((x) => x.taskId === 'p')!;
    expect(p.container?.image).toBe('');
    expect(p.container?.imagePullPolicy).toBe('Never');
    expect(p.mapping).toEqual({
      type: 'expand',
      partial: {},
      expand: [{ name: 'image', source: { type: 'literal', values: ['alpine:3', 'busybox:1'] } }],
    });
  });

  it('types: expand() needs every argument not given to partial(), as lists of their types', () => {
    serialized(() => {
      // @ts-expect-error factor is neither partial nor expanded
      count.expand({ file: ['a'] });
      // @ts-expect-error a list of numbers for a string argument
      count.partial({ factor: 2 }).expand({ file: [1, 2] });
      // @ts-expect-error expandKwargs elements must have the remaining arguments
      count.partial({ factor: 2 }).expandKwargs([{ factor: 3 }]);
      count.partial({ factor: 2 }).expand({ file: ['ok'] });
      shell.partial('t3', { command: 'echo $A' }).expand({ env: [{ A: '1' }] });
    });
    // types only (never called: the second is refused when defined)
    const _shellTypes = () => {
      // @ts-expect-error a mapped shell task's command is a string
      shell.partial('t1').expand({ command: [1, 2] });
      // @ts-expect-error command is neither fixed nor mapped
      shell.partial('t2').expand({ env: [{ A: '1' }] });
      // @ts-expect-error a mapped podTask's image is a string
      podTask.partial('p1', { cmds: ['true'] }).expand({ image: [1] });
      // @ts-expect-error the image is fixed in partial(): it cannot be mapped too
      podTask.partial('p2', { image: 'alpine:3' }).expand({ image: ['busybox:1'] });
    };
  });
});
