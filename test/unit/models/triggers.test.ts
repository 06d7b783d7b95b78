import { describe, expect, it } from 'vitest';
import {
  dateTimeTriggerKwargs,
  deferralDeadline,
  deferralSchema,
  fileTriggerKwargs,
  parseNextKwargs,
  timeDeltaTriggerKwargs,
} from '../../../src/models/index.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

describe('deferralDeadline', () => {
  it.each([
    {
      name: 'no timeout and no executionTimeout: never',
      timeoutMs: null,
      execMs: null,
      startedAgo: 0,
      at: null,
    },
    {
      name: 'the deferral timeout, counted from now',
      timeoutMs: 5_000,
      execMs: null,
      startedAgo: 0,
      at: 5_000,
    },
    {
      name: 'the executionTimeout, counted from the start of the try',
      timeoutMs: null,
      execMs: 10_000,
      startedAgo: 4_000,
      at: 6_000,
    },
    { name: 'the earlier of both: the deferral', timeoutMs: 2_000, execMs: 10_000, startedAgo: 0, at: 2_000 },
    {
      name: 'the earlier of both: the execution',
      timeoutMs: 60_000,
      execMs: 10_000,
      startedAgo: 9_000,
      at: 1_000,
    },
  ])('$name', ({ timeoutMs, execMs, startedAgo, at: expected }) => {
    const deadline = deferralDeadline({
      now: T0,
      timeoutMs,
      executionTimeoutMs: execMs,
      tryStartedAt: at(-startedAgo),
    });
    expect(deadline?.toISOString() ?? null).toBe(expected === null ? null : at(expected).toISOString());
  });
});

describe('trigger kwargs', () => {
  it.each([
    { schema: dateTimeTriggerKwargs, kwargs: { moment: '2026-01-01T00:00:00Z' }, ok: true },
    { schema: dateTimeTriggerKwargs, kwargs: { moment: 'tomorrow' }, ok: false },
    { schema: dateTimeTriggerKwargs, kwargs: { moment: '2026-01-01', extra: 1 }, ok: false },
    { schema: timeDeltaTriggerKwargs, kwargs: { delta_ms: 1500 }, ok: true },
    { schema: timeDeltaTriggerKwargs, kwargs: { delta_ms: -1 }, ok: false },
    { schema: fileTriggerKwargs, kwargs: { filepath: '/tmp/x' }, ok: true },
    { schema: fileTriggerKwargs, kwargs: { filepath: '' }, ok: false },
    { schema: fileTriggerKwargs, kwargs: { filepath: '/tmp/x', poke_interval_ms: 1 }, ok: false },
  ])('$kwargs is valid: $ok', ({ schema, kwargs, ok }) => {
    expect(schema.safeParse(kwargs).success).toBe(ok);
  });

  it('gives a file trigger the default poke interval of Airflow (5 s)', () => {
    expect(fileTriggerKwargs.parse({ filepath: '/tmp/x' }).poke_interval_ms).toBe(5_000);
  });
});

describe('deferrals', () => {
  it('parses what a task process sends', () => {
    const deferral = {
      trigger: { classpath: 'gale.triggers.TimeDeltaTrigger', kwargs: { delta_ms: 10 } },
      method: 'execute',
      kwargs: { page: 2 },
      timeoutMs: null,
      executionTimeoutMs: 60_000,
    };
    expect(deferralSchema.parse(deferral)).toEqual(deferral);
    expect(deferralSchema.safeParse({ ...deferral, method: '' }).success).toBe(false);
    expect(deferralSchema.safeParse({ ...deferral, timeoutMs: 'soon' }).success).toBe(false);
    expect(deferralSchema.safeParse({ ...deferral, executionTimeoutMs: 0 }).success).toBe(false);
  });

  it.each([
    { json: null, kwargs: {} },
    {
      json: '{"a":1,"event":"2026-01-01T00:00:00.000Z"}',
      kwargs: { a: 1, event: '2026-01-01T00:00:00.000Z' },
    },
    { json: '[1]', kwargs: {} },
    { json: 'null', kwargs: {} },
  ])('reads next_kwargs $json as $kwargs', ({ json, kwargs }) => {
    expect(parseNextKwargs(json)).toEqual(kwargs);
  });
});
