import { describe, expect, it } from 'vitest';
import type { TaskWorkload } from '../../../../src/executors/index.js';
import {
  otherSchedulersSelector,
  podLabels,
  podName,
  safeLabelValue,
  schedulerIdOf,
  schedulerSelector,
} from '../../../../src/executors/kubernetes/index.js';
import { matchesSelector } from '../../../support/kube-api-double.js';

const VALID_LABEL = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const workload: TaskWorkload = {
  tiId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  dagId: 'etl',
  runId: 'manual__2026-01-02T03:04:05+00:00',
  taskId: 'load.rows',
  mapIndex: -1,
  tryNumber: 2,
  token: 'tok-1',
  fileloc: '/dags/etl.ts',
  queue: 'default',
  executionTimeoutMs: null,
  logPath: '/logs/x.log',
  freshProcess: false,
};

describe('label values', () => {
  it.each([
    ['etl', 'etl'],
    ['load.rows', 'load.rows'],
    ['A_b-9', 'A_b-9'],
    ['', ''],
  ])('a valid value %j stays as it is', (value, expected) => {
    expect(safeLabelValue(value)).toBe(expected);
  });

  it.each([
    'manual__2026-01-02T03:04:05+00:00',
    '-1',
    '_leading',
    'trailing.',
    'x'.repeat(64),
    'spaces and / slashes',
    '::',
  ])('an invalid value %j becomes a valid one', (value) => {
    const safe = safeLabelValue(value);
    expect(safe).toMatch(VALID_LABEL);
    expect(safe.length).toBeLessThanOrEqual(63);
    expect(safe).not.toBe(value);
  });

  it('two invalid values that sanitize alike stay distinct (the hash of the original)', () => {
    expect(safeLabelValue('a:b')).not.toBe(safeLabelValue('a+b'));
    expect(safeLabelValue('-1')).not.toBe(safeLabelValue('1'));
  });
});

describe('pod labels and name', () => {
  it('labels every identifying value safely and keeps the originals in annotations', () => {
    const { labels, annotations } = podLabels(workload, 'sched-host-1');
    for (const value of Object.values(labels)) expect(value).toMatch(VALID_LABEL);
    expect(annotations).toEqual({
      'gale.dev/dag-id': 'etl',
      'gale.dev/task-id': 'load.rows',
      'gale.dev/run-id': workload.runId,
      'gale.dev/try-number': '2',
      'gale.dev/map-index': '-1',
      'gale.dev/ti-id': workload.tiId,
      'gale.dev/scheduler-id': 'sched-host-1',
    });
    expect(labels['gale.dev/dag-id']).toBe('etl');
    expect(labels['gale.dev/run-id']).not.toBe(workload.runId);
  });

  it.each([
    ['same try, same token', { ...workload }, true],
    ['another try number', { ...workload, tryNumber: 3 }, false],
    ['the try queued again (new token)', { ...workload, token: 'tok-2' }, false],
    ['another task instance', { ...workload, tiId: 'other' }, false],
  ])('names are deterministic per queued try: %s', (_what, other, same) => {
    expect(podName(other) === podName(workload)).toBe(same);
  });

  it.each([
    ['etl', 'load.rows'],
    ['A_Very_Long_DAG_Id_'.repeat(10), 'task'],
    ['___', '...'],
  ])('a name is a DNS label of at most 63 characters (%s)', (dagId, taskId) => {
    const name = podName({ ...workload, dagId, taskId });
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(name.length).toBeLessThanOrEqual(63);
  });
});

describe('whose pods a scheduler watches, and which it may adopt', () => {
  const long = `scheduler-${'x'.repeat(70)}`;
  const podOf = (schedulerId: string) => podLabels(workload, schedulerId);
  it.each([
    ['its own pod', 'sched-a', 'sched-a', true, false],
    ["another scheduler's pod", 'sched-a', 'sched-b', false, true],
    ['a long id made safe, its own', long, long, true, false],
    ['a long id made safe, another', long, 'sched-b', false, true],
  ])('%s: watched %s, a candidate for adoption %s', (_what, me, owner, isOwn, isOther) => {
    const { labels, annotations } = podOf(owner);
    expect(matchesSelector(labels, schedulerSelector(me))).toBe(isOwn);
    expect(matchesSelector(labels, otherSchedulersSelector(me))).toBe(isOther);
    // the original id, even when the label holds a hash of it
    expect(schedulerIdOf({ metadata: { labels, annotations } })).toBe(owner);
  });

  it('a pod without the label is no candidate (not a Gale task pod)', () => {
    expect(matchesSelector({ app: 'other' }, otherSchedulersSelector('sched-a'))).toBe(false);
  });
});
