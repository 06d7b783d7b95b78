/** Sensors' pure part: poke intervals with exponential backoff, the timeout, external states' verdict. */
import { describe, expect, it } from 'vitest';
import {
  canTransitionTi,
  externalStatesVerdict,
  hasSensorTimedOut,
  nextPokeIntervalMs,
  type PokeIntervalInput,
} from '../../../src/models/index.js';

const BASE: PokeIntervalInput = {
  pokeIntervalMs: 10_000,
  exponentialBackoff: true,
  maxWaitMs: null,
  timeoutMs: 7 * 86_400_000,
  elapsedMs: 0,
  pokeCount: 1,
  jitterKey: 'd#t#2026-01-01T00:00:00.000Z',
};

describe('nextPokeIntervalMs', () => {
  it.each([1, 2, 10])('without backoff is the poke interval after poke %i', (pokeCount) => {
    expect(nextPokeIntervalMs({ ...BASE, exponentialBackoff: false, pokeCount })).toBe(10_000);
  });

  it.each([
    // as Airflow: b = pokeInterval * 2^(pokes-2), at least 1 s; the interval is in [b, 2b)
    { pokeCount: 1, min: 5_000 },
    { pokeCount: 2, min: 10_000 },
    { pokeCount: 3, min: 20_000 },
    { pokeCount: 4, min: 40_000 },
    { pokeCount: 8, min: 640_000 },
  ])('with backoff after poke $pokeCount waits between $min ms and twice that', ({ pokeCount, min }) => {
    const ms = nextPokeIntervalMs({ ...BASE, pokeCount });
    expect(ms).toBeGreaterThanOrEqual(min);
    expect(ms).toBeLessThan(2 * min);
  });

  it('with backoff waits at least 1 s however short the poke interval', () => {
    const ms = nextPokeIntervalMs({ ...BASE, pokeIntervalMs: 100, pokeCount: 1 });
    expect(ms).toBeGreaterThanOrEqual(1_000);
    expect(ms).toBeLessThan(2_000);
  });

  it.each([
    { name: 'maxWait', input: { maxWaitMs: 30_000, pokeCount: 6 }, expected: 30_000 },
    {
      name: 'the time left before the timeout',
      input: { timeoutMs: 60_000, elapsedMs: 55_000, pokeCount: 6 },
      expected: 5_000,
    },
    {
      name: 'nothing when the timeout is past',
      input: { timeoutMs: 60_000, elapsedMs: 70_000, pokeCount: 6 },
      expected: 0,
    },
  ])('with backoff is capped by $name', ({ input, expected }) => {
    expect(nextPokeIntervalMs({ ...BASE, ...input })).toBe(expected);
  });

  it('spreads sensors that started together, and is the same for the same sensor and poke', () => {
    const of = (jitterKey: string) => nextPokeIntervalMs({ ...BASE, pokeCount: 4, jitterKey });
    expect(of('d#a#x')).toBe(of('d#a#x'));
    expect(new Set(['a', 'b', 'c', 'd', 'e'].map((t) => of(`d#${t}#x`))).size).toBeGreaterThan(1);
  });
});

describe('hasSensorTimedOut', () => {
  it.each([
    { elapsedMs: 0, timeoutMs: 1_000, timedOut: false },
    { elapsedMs: 1_000, timeoutMs: 1_000, timedOut: false },
    { elapsedMs: 1_001, timeoutMs: 1_000, timedOut: true },
    { elapsedMs: 1, timeoutMs: 0, timedOut: true },
  ])(
    'after $elapsedMs ms with a timeout of $timeoutMs ms: $timedOut',
    ({ elapsedMs, timeoutMs, timedOut }) => {
      expect(hasSensorTimedOut(elapsedMs, timeoutMs)).toBe(timedOut);
    },
  );
});

describe('externalStatesVerdict', () => {
  const allowed = ['success', 'skipped'];
  const failed = ['failed', 'upstream_failed'];
  it.each([
    { name: 'no run yet', states: {}, expected: ['a'], verdict: 'waiting' },
    {
      name: 'all allowed',
      states: { a: ['success'], b: ['skipped'] },
      expected: ['a', 'b'],
      verdict: 'done',
    },
    {
      name: 'one still running',
      states: { a: ['success'], b: ['running'] },
      expected: ['a', 'b'],
      verdict: 'waiting',
    },
    { name: 'one missing', states: { a: ['success'] }, expected: ['a', 'b'], verdict: 'waiting' },
    {
      name: 'one failed',
      states: { a: ['failed'], b: ['running'] },
      expected: ['a', 'b'],
      verdict: 'failed',
    },
    {
      name: 'a mapped task partly done',
      states: { m: ['success', 'running'] },
      expected: ['m'],
      verdict: 'waiting',
    },
    { name: 'a mapped task done', states: { m: ['success', 'success'] }, expected: ['m'], verdict: 'done' },
    { name: 'the run itself', states: { '*': ['success'] }, expected: ['*'], verdict: 'done' },
  ])('$name: $verdict', ({ states, expected, verdict }) => {
    expect(externalStatesVerdict(new Map(Object.entries(states)), expected, allowed, failed)).toBe(verdict);
  });
});

describe('up_for_reschedule transitions', () => {
  it.each([
    { from: 'running', to: 'up_for_reschedule', allowed: true },
    { from: 'up_for_reschedule', to: 'scheduled', allowed: true },
    { from: 'up_for_reschedule', to: 'none', allowed: true },
    { from: 'up_for_reschedule', to: 'skipped', allowed: true },
    { from: 'up_for_reschedule', to: 'queued', allowed: false },
    { from: 'up_for_reschedule', to: 'running', allowed: false },
    { from: 'queued', to: 'up_for_reschedule', allowed: false },
    { from: 'deferred', to: 'up_for_reschedule', allowed: false },
  ] as const)('$from -> $to: $allowed', ({ from, to, allowed }) => {
    expect(canTransitionTi(from, to)).toBe(allowed);
  });
});
