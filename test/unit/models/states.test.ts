import { describe, expect, it } from 'vitest';
import {
  canTransitionRun,
  canTransitionTi,
  DagRunState,
  FINISHED_TI_STATES,
  isFinishedTiState,
  makeRunId,
  TaskInstanceState,
  tiStatesAllowedBefore,
} from '../../../src/models/states.js';

const TI_STATES = Object.values(TaskInstanceState);
const RUN_STATES = Object.values(DagRunState);

describe('canTransitionTi', () => {
  it.each([
    // the normal life of a try
    { from: 'none', to: 'scheduled', allowed: true },
    { from: 'scheduled', to: 'queued', allowed: true },
    { from: 'queued', to: 'running', allowed: true },
    { from: 'running', to: 'success', allowed: true },
    { from: 'running', to: 'failed', allowed: true },
    { from: 'running', to: 'skipped', allowed: true },
    // retries
    { from: 'running', to: 'up_for_retry', allowed: true },
    { from: 'queued', to: 'up_for_retry', allowed: true },
    { from: 'up_for_retry', to: 'scheduled', allowed: true },
    // a try queued but never claimed is queued again
    { from: 'queued', to: 'scheduled', allowed: true },
    // deferral: the try hands a trigger to the triggerer, and resumes when it fires
    { from: 'running', to: 'deferred', allowed: true },
    { from: 'deferred', to: 'scheduled', allowed: true },
    // its timeout passed or its trigger failed
    { from: 'deferred', to: 'failed', allowed: true },
    { from: 'deferred', to: 'up_for_retry', allowed: true },
    // a DAG run timeout, marking by hand, clearing
    { from: 'deferred', to: 'skipped', allowed: true },
    { from: 'deferred', to: 'success', allowed: true },
    { from: 'deferred', to: 'none', allowed: true },
    // only a running try defers, and a deferred one resumes through the scheduler
    { from: 'queued', to: 'deferred', allowed: false },
    { from: 'scheduled', to: 'deferred', allowed: false },
    { from: 'success', to: 'deferred', allowed: false },
    { from: 'deferred', to: 'running', allowed: false },
    { from: 'deferred', to: 'queued', allowed: false },
    // trigger rules decide without running the task
    { from: 'none', to: 'upstream_failed', allowed: true },
    { from: 'none', to: 'skipped', allowed: true },
    { from: 'scheduled', to: 'skipped', allowed: true },
    // clearing and marking by hand
    { from: 'success', to: 'none', allowed: true },
    { from: 'failed', to: 'none', allowed: true },
    { from: 'success', to: 'failed', allowed: true },
    { from: 'failed', to: 'success', allowed: true },
    { from: 'removed', to: 'none', allowed: true },
    // shortcuts that would skip a step
    { from: 'none', to: 'queued', allowed: false },
    { from: 'none', to: 'running', allowed: false },
    { from: 'scheduled', to: 'running', allowed: false },
    { from: 'up_for_retry', to: 'queued', allowed: false },
    { from: 'up_for_retry', to: 'running', allowed: false },
    // finished states only move when cleared or marked
    { from: 'success', to: 'running', allowed: false },
    { from: 'success', to: 'skipped', allowed: false },
    { from: 'failed', to: 'up_for_retry', allowed: false },
    { from: 'skipped', to: 'running', allowed: false },
    { from: 'removed', to: 'success', allowed: false },
    { from: 'removed', to: 'scheduled', allowed: false },
  ] as const)('$from -> $to is allowed: $allowed', ({ from, to, allowed }) => {
    expect(canTransitionTi(from, to)).toBe(allowed);
  });

  it.each(TI_STATES)('allows staying in %s', (state) => {
    expect(canTransitionTi(state, state)).toBe(true);
  });

  it.each(TI_STATES)('lets a task instance in %s be cleared back to none', (state) => {
    expect(canTransitionTi(state, 'none')).toBe(true);
  });
});

describe('tiStatesAllowedBefore', () => {
  it.each(TI_STATES)('lists exactly the other states that may move to %s', (to) => {
    const expected = TI_STATES.filter((from) => from !== to && canTransitionTi(from, to));
    expect([...tiStatesAllowedBefore(to)].sort()).toEqual(expected.sort());
  });

  it.each([
    { to: 'queued', from: ['scheduled'] },
    { to: 'running', from: ['queued'] },
    { to: 'up_for_retry', from: ['queued', 'running', 'deferred'] },
    { to: 'deferred', from: ['running'] },
    { to: 'removed', from: ['none', 'scheduled'] },
  ] as const)('only $from may move to $to', ({ to, from }) => {
    expect([...tiStatesAllowedBefore(to)].sort()).toEqual([...from].sort());
  });
});

describe('finished task instance states', () => {
  it.each([
    { state: 'success', finished: true },
    { state: 'failed', finished: true },
    { state: 'upstream_failed', finished: true },
    { state: 'skipped', finished: true },
    { state: 'removed', finished: true },
    { state: 'none', finished: false },
    { state: 'scheduled', finished: false },
    { state: 'queued', finished: false },
    { state: 'running', finished: false },
    { state: 'up_for_retry', finished: false },
    { state: 'deferred', finished: false },
  ] as const)('$state is finished: $finished', ({ state, finished }) => {
    expect(isFinishedTiState(state)).toBe(finished);
    expect(FINISHED_TI_STATES.has(state)).toBe(finished);
  });
});

describe('canTransitionRun', () => {
  it.each([
    { from: 'queued', to: 'running', allowed: true },
    { from: 'running', to: 'success', allowed: true },
    { from: 'running', to: 'failed', allowed: true },
    // cleared runs run again
    { from: 'success', to: 'queued', allowed: true },
    { from: 'failed', to: 'queued', allowed: true },
    // marked by hand
    { from: 'success', to: 'failed', allowed: true },
    { from: 'failed', to: 'success', allowed: true },
    { from: 'success', to: 'running', allowed: false },
    { from: 'failed', to: 'running', allowed: false },
  ] as const)('$from -> $to is allowed: $allowed', ({ from, to, allowed }) => {
    expect(canTransitionRun(from, to)).toBe(allowed);
  });

  it.each(RUN_STATES)('allows staying in %s', (state) => {
    expect(canTransitionRun(state, state)).toBe(true);
  });
});

describe('makeRunId', () => {
  it.each([
    {
      runType: 'scheduled',
      logicalDate: '2026-01-01T00:00:00Z',
      runId: 'scheduled__2026-01-01T00:00:00+00:00',
    },
    { runType: 'manual', logicalDate: '2026-03-15T06:30:05Z', runId: 'manual__2026-03-15T06:30:05+00:00' },
    {
      runType: 'backfill',
      logicalDate: '2025-12-31T23:00:00Z',
      runId: 'backfill__2025-12-31T23:00:00+00:00',
    },
    // a date given with an offset is written in UTC
    {
      runType: 'scheduled',
      logicalDate: '2026-01-01T06:00:00+01:00',
      runId: 'scheduled__2026-01-01T05:00:00+00:00',
    },
  ] as const)('gives $runId for a $runType run at $logicalDate', ({ runType, logicalDate, runId }) => {
    expect(makeRunId(runType, new Date(logicalDate))).toBe(runId);
  });
});

describe('makeRunId: known gap (reported)', () => {
  // Airflow writes logical_date.isoformat(), which keeps sub-second digits; Gale drops the
  // milliseconds, so two manual runs triggered within one second get the same run id.
  it('gives distinct run ids to logical dates within the same second', () => {
    const first = makeRunId('manual', new Date('2026-01-01T12:00:00.100Z'));
    const second = makeRunId('manual', new Date('2026-01-01T12:00:00.900Z'));
    expect(first).not.toBe(second);
  });
});
