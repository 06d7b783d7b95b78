/** podTask(): its options compiled (defaults, checks) and serialized with the DAG. */
import { beforeEach, describe, expect, it } from 'vitest';
import { serializedDagSchema } from '../../../src/models/index.js';
import { dag, type PodTaskOptions, podTask, takeDefinedDags, task } from '../../../src/sdk/index.js';

const DEFAULTS = {
  catchup: false,
  dataIntervals: false,
  timezone: 'UTC',
  maxActiveRuns: 16,
  maxActiveTasks: 16,
};

beforeEach(() => {
  takeDefinedDags();
});

function containerOf(options: PodTaskOptions, taskOptions: Parameters<typeof podTask>[0] = 'p') {
  const d = dag({ dagId: 'pods' }, () => {
    podTask(taskOptions, options);
  });
  const serialized = serializedDagSchema.parse(d.serialize('dags/pods.ts', DEFAULTS));
  return { node: d.getTask(typeof taskOptions === 'string' ? taskOptions : taskOptions.taskId!), serialized };
}

describe('podTask', () => {
  it('applies the defaults and serializes the container with the task', () => {
    const { node, serialized } = containerOf({ image: 'alpine:3' });
    expect(node.kind).toBe('container');
    expect(serialized.tasks[0]).toMatchObject({
      taskId: 'p',
      kind: 'container',
      container: {
        image: 'alpine:3',
        cmds: [],
        args: [],
        env: {},
        imagePullPolicy: 'IfNotPresent',
        getLogs: true,
        outputFile: null,
        deferrable: false,
        pollIntervalMs: 2_000,
        onFinish: 'delete',
        namespace: null,
      },
    });
  });

  it.each([
    { what: 'nothing', options: {}, outputFile: null },
    { what: 'doXcomPush', options: { doXcomPush: true }, outputFile: '/gale/xcom/return.json' },
    { what: 'outputFile', options: { outputFile: '/out/o.json' }, outputFile: '/out/o.json' },
    { what: 'both', options: { doXcomPush: true, outputFile: '/o.json' }, outputFile: '/o.json' },
  ])('reads an output file with $what', ({ options, outputFile }) => {
    expect(containerOf({ image: 'a', ...options }).node.container?.outputFile).toBe(outputFile);
  });

  it('takes env as a record or as a Kubernetes list, and task options beside the container', () => {
    const { node, serialized } = containerOf(
      { image: 'a', env: [{ name: 'A', value: '{{ ds }}' }] },
      { taskId: 'p', retries: 2, executionTimeout: '1m' },
    );
    expect(node.container?.env).toEqual({ A: '{{ ds }}' });
    expect(serialized.tasks[0]).toMatchObject({ retries: 2, executionTimeoutMs: 60_000 });
  });

  it('is a task like others: its output feeds a downstream task', () => {
    const d = dag({ dagId: 'flow' }, () => {
      const made = podTask<{ n: number }>('make', { image: 'a', doXcomPush: true });
      task('use', (_ctx, v: { n: number }) => v.n)(made);
    });
    expect(d.getTask('use').upstream).toEqual(new Set(['make']));
  });

  it.each([
    { what: 'no image', options: { image: '' }, message: /has no image/ },
    {
      what: 'a bad memory quantity',
      options: { image: 'a', resources: { limits: { memory: '64MB' } } },
      message: /resources.limits.memory: "64MB"/,
    },
    {
      what: 'a bad cpu quantity',
      options: { image: 'a', resources: { requests: { cpu: 'lots' } } },
      message: /resources.requests.cpu/,
    },
    {
      what: 'a bad pull policy',
      options: { image: 'a', imagePullPolicy: 'Sometimes' },
      message: /imagePullPolicy/,
    },
    { what: 'a bad onFinish', options: { image: 'a', onFinish: 'archive' }, message: /onFinish/ },
    {
      what: 'outputFile with doXcomPush false',
      options: { image: 'a', doXcomPush: false, outputFile: '/o' },
      message: /doXcomPush is false/,
    },
    { what: 'a bad env list', options: { image: 'a', env: [{ name: 'A' }] }, message: /env entries/ },
  ])('refuses $what', ({ options, message }) => {
    expect(() => containerOf(options as PodTaskOptions)).toThrow(
      expect.objectContaining({ code: 'GALE_ERR_DAG_INVALID', message: expect.stringMatching(message) }),
    );
  });
});
