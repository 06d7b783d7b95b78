/** `gale dags test` runs other tasks before a reschedule that is not due, and waits for it when nothing else is left. */
import { describe, expect, it } from 'vitest';
import { runnableAfterReschedules } from '../../../src/scheduler/reschedule-wait.js';

const NOW = new Date('2026-01-01T00:00:00.000Z');
const later = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

interface Ti {
  id: string;
  next_method: string | null;
  next_retry_at: string | null;
}

describe('runnableAfterReschedules', () => {
  it.each<{ name: string; tis: Ti[]; runnable: string[] }>([
    { name: 'nothing', tis: [], runnable: [] },
    { name: 'a first try', tis: [{ id: 'a', next_method: null, next_retry_at: null }], runnable: ['a'] },
    {
      name: 'a retry (due at once in dags test)',
      tis: [{ id: 'r', next_method: null, next_retry_at: later(60_000) }],
      runnable: ['r'],
    },
    {
      name: 'a resumed deferral',
      tis: [{ id: 'd', next_method: 'execute', next_retry_at: null }],
      runnable: ['d'],
    },
    {
      name: 'a reschedule already due',
      tis: [{ id: 's', next_method: 'execute', next_retry_at: later(-1) }],
      runnable: ['s'],
    },
    {
      name: 'another task before a reschedule not yet due',
      tis: [
        { id: 's', next_method: 'execute', next_retry_at: later(60_000) },
        { id: 'a', next_method: null, next_retry_at: null },
      ],
      runnable: ['a'],
    },
  ])('runs $name', async ({ tis, runnable }) => {
    expect((await runnableAfterReschedules(tis, NOW)).map((t) => t.id)).toEqual(runnable);
  });

  it('waits for the earliest reschedule when only reschedules are left', async () => {
    const now = new Date();
    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    const tis = [
      { id: 's1', next_method: 'execute', next_retry_at: at(300) },
      { id: 's2', next_method: 'execute', next_retry_at: at(5_000) },
    ];
    const started = Date.now();
    expect((await runnableAfterReschedules(tis, now)).map((t) => t.id)).toEqual(['s1', 's2']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});
