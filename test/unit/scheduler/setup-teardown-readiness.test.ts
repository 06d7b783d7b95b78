/**
 * decideRun with setup and teardown tasks and dependsOnPast: a teardown runs after its work
 * failed when its setup succeeded, the run's state ignores teardowns (unless onFailureFailDagrun),
 * and a task waiting for the previous run is not scheduled. DAGs are built with the SDK.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { TaskInstanceState } from '../../../src/models/index.js';
import { decideRun } from '../../../src/scheduler/run-decisions.js';
import { dag, empty, takeDefinedDags } from '../../../src/sdk/index.js';
import { DAG_DEFAULTS } from '../sdk/dag-defaults.js';

/** create >> work >> remove, remove a teardown of create (asTeardown({ setups })). */
function cluster(onFailureFailDagrun = false) {
  return dag({ dagId: 'st' }, () => {
    const create = empty('create');
    create.then(empty('work')).then(empty('remove').asTeardown({ setups: create, onFailureFailDagrun }));
  }).serialize('/dags/st.ts', DAG_DEFAULTS);
}

const now = new Date('2026-01-01T00:00:00Z');
const tis = (states: Record<string, TaskInstanceState>) =>
  Object.entries(states).map(([task_id, state]) => ({ id: task_id, task_id, state, next_retry_at: null }));
const decided = (
  d: ReturnType<typeof cluster>,
  states: Record<string, TaskInstanceState>,
  past?: Set<string>,
) => {
  const r = decideRun(d, tis(states), now, past);
  const moved: Record<string, string> = {};
  for (const [to, ids] of r.toState) for (const id of ids) moved[id] = to;
  return { moved, runState: r.runState };
};

beforeEach(() => {
  takeDefinedDags();
});

describe('setup and teardown readiness', () => {
  it.each<[string, Record<string, TaskInstanceState>, boolean, Record<string, string>, string | null]>([
    [
      'the teardown waits while work runs',
      { create: 'success', work: 'running', remove: 'none' },
      false,
      {},
      null,
    ],
    [
      'work failed, setup succeeded: the teardown runs',
      { create: 'success', work: 'failed', remove: 'none' },
      false,
      { remove: 'scheduled' },
      null,
    ],
    [
      'the setup failed: work and teardown are upstream_failed, the run fails',
      { create: 'failed', work: 'none', remove: 'none' },
      false,
      { work: 'upstream_failed', remove: 'upstream_failed' },
      'failed',
    ],
    [
      'the setup skipped: the teardown skips',
      { create: 'skipped', work: 'skipped', remove: 'none' },
      false,
      { remove: 'skipped' },
      'success',
    ],
    [
      'the run fails because of the work task, whatever the teardown did',
      { create: 'success', work: 'failed', remove: 'success' },
      false,
      {},
      'failed',
    ],
    [
      'a teardown failure alone leaves the run success',
      { create: 'success', work: 'success', remove: 'failed' },
      false,
      {},
      'success',
    ],
    [
      'with onFailureFailDagrun a teardown failure fails the run',
      { create: 'success', work: 'success', remove: 'failed' },
      true,
      {},
      'failed',
    ],
  ])('%s', (_name, states, failRun, moved, runState) => {
    const r = decided(cluster(failRun), states);
    expect(r.moved).toEqual(moved);
    expect(r.runState).toBe(runState);
  });

  it('a work task two steps below a setup waits for it although its trigger rule is all_done', () => {
    const d = dag({ dagId: 'deep' }, () => {
      const s = empty('s').asSetup();
      s.then(empty('w1'))
        .then(empty({ taskId: 'w2', triggerRule: 'all_done' }))
        .then(empty('t').asTeardown({ setups: s }));
    }).serialize('/dags/deep.ts', DAG_DEFAULTS);
    expect(decided(d, { s: 'running', w1: 'skipped', w2: 'none', t: 'none' }).moved).toEqual({});
    expect(decided(d, { s: 'failed', w1: 'upstream_failed', w2: 'none', t: 'none' }).moved).toEqual({
      w2: 'upstream_failed',
      t: 'upstream_failed',
    });
    expect(decided(d, { s: 'success', w1: 'failed', w2: 'none', t: 'none' }).moved).toEqual({
      w2: 'scheduled',
    });
  });

  it('a task waiting for the previous run is not scheduled, but may still be marked upstream_failed', () => {
    const d = cluster();
    expect(decided(d, { create: 'none', work: 'none', remove: 'none' }, new Set(['create'])).moved).toEqual(
      {},
    );
    expect(decided(d, { create: 'failed', work: 'none', remove: 'none' }, new Set(['work'])).moved).toEqual({
      work: 'upstream_failed',
      remove: 'upstream_failed',
    });
  });
});
