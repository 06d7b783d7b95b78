/** The SDK's setup/teardown and per-task scheduling options, as they are serialized and checked. */
import { beforeEach, describe, expect, it } from 'vitest';
import { dag, empty, type TaskOptions, takeDefinedDags } from '../../../src/sdk/index.js';
import { DAG_DEFAULTS } from './dag-defaults.js';

beforeEach(() => {
  takeDefinedDags();
});

const serialize = (build: () => void) => dag({ dagId: 'd' }, build).serialize('/dags/d.ts', DAG_DEFAULTS);
const taskOf = (d: ReturnType<typeof serialize>, id: string) => d.tasks.find((t) => t.taskId === id)!;

describe('setup and teardown in the SDK', () => {
  it('asTeardown({ setups }) marks both, links them and sets the teardown trigger rule', () => {
    const d = serialize(() => {
      const create = empty('create');
      create.then(empty('work')).then(empty('remove').asTeardown({ setups: create }));
    });
    expect(taskOf(d, 'create')).toMatchObject({ isSetup: true, isTeardown: false });
    expect(taskOf(d, 'remove')).toMatchObject({
      isTeardown: true,
      isSetup: false,
      onFailureFailDagrun: false,
      triggerRule: 'all_done_setup_success',
      upstream: ['create', 'work'],
    });
  });

  it('the options setup and teardown do the same', () => {
    const d = serialize(() => {
      empty({ taskId: 'a', setup: true }).then(
        empty({ taskId: 'b', teardown: true, onFailureFailDagrun: true }),
      );
    });
    expect(taskOf(d, 'a').isSetup).toBe(true);
    expect(taskOf(d, 'b')).toMatchObject({
      isTeardown: true,
      onFailureFailDagrun: true,
      triggerRule: 'all_done_setup_success',
    });
  });

  it.each<[string, TaskOptions, RegExp]>([
    ['both setup and teardown', { setup: true, teardown: true }, /both a setup and a teardown/],
    [
      'a teardown with another trigger rule',
      { teardown: true, triggerRule: 'all_success' },
      /all_done_setup_success/,
    ],
    ['onFailureFailDagrun without teardown', { onFailureFailDagrun: true }, /only to a teardown/],
    ['maxActiveTisPerDag of 0', { maxActiveTisPerDag: 0 }, /maxActiveTisPerDag must be an integer >= 1/],
    ['maxActiveTisPerDagrun of 1.5', { maxActiveTisPerDagrun: 1.5 }, /maxActiveTisPerDagrun/],
  ])('rejects %s', (_name, options, message) => {
    expect(() => serialize(() => empty({ taskId: 'x', ...options }))).toThrow(message);
  });

  it('waitForDownstream implies dependsOnPast; limits and dependsOnPast come from defaultArgs too', () => {
    const d = dag({ dagId: 'p', defaultArgs: { dependsOnPast: true, maxActiveTisPerDag: 2 } }, () => {
      empty('a');
      empty({ taskId: 'b', dependsOnPast: false, waitForDownstream: true, maxActiveTisPerDagrun: 3 });
    }).serialize('/dags/p.ts', DAG_DEFAULTS);
    expect(taskOf(d, 'a')).toMatchObject({
      dependsOnPast: true,
      waitForDownstream: false,
      maxActiveTisPerDag: 2,
    });
    expect(taskOf(d, 'b')).toMatchObject({
      dependsOnPast: true,
      waitForDownstream: true,
      maxActiveTisPerDag: 2,
      maxActiveTisPerDagrun: 3,
    });
  });
});
