/** selectTries: each candidate goes to its task's executor, within every limit, in priority order. */
import { describe, expect, it } from 'vitest';
import {
  type QueueCandidate,
  type SelectionLimits,
  selectTries,
  TrySelector,
} from '../../../src/scheduler/try-selection.js';

interface Named extends QueueCandidate {
  id: string;
}

/** A candidate `id` of run r1 in default_pool, naming `executor` (null: the default). */
const c = (id: string, executor: string | null, more: Partial<QueueCandidate> = {}): Named => ({
  id,
  runKey: 'r1',
  maxActiveTasks: 100,
  pool: 'default_pool',
  poolSlots: 1,
  executor,
  ...more,
});

const limits = (more: Partial<SelectionLimits> = {}): SelectionLimits => ({
  openSlots: new Map([
    ['local', 10],
    ['queue', 10],
  ]),
  defaultExecutor: 'local',
  totalOpen: 100,
  activePerRun: new Map(),
  activePerPool: new Map(),
  poolSlots: new Map([
    ['default_pool', 128],
    ['small', 1],
  ]),
  ...more,
});

describe('selectTries', () => {
  it.each([
    {
      name: 'a task naming no executor goes to the default, one naming queue to queue',
      candidates: [c('a', null), c('b', 'queue'), c('c', 'local')],
      limits: limits(),
      chosen: ['a>local', 'b>queue', 'c>local'],
      unroutable: [],
    },
    {
      name: 'the default is the first of core.executor, whichever it is',
      candidates: [c('a', null), c('b', 'local')],
      limits: limits({ defaultExecutor: 'queue' }),
      chosen: ['a>queue', 'b>local'],
      unroutable: [],
    },
    {
      name: 'a full executor skips only its own candidates; lower priorities on another still go',
      candidates: [c('q1', 'queue'), c('q2', 'queue'), c('l1', null), c('q3', 'queue'), c('l2', 'local')],
      limits: limits({
        openSlots: new Map([
          ['local', 5],
          ['queue', 1],
        ]),
      }),
      chosen: ['q1>queue', 'l1>local', 'l2>local'],
      unroutable: [],
    },
    {
      name: 'core.parallelism caps all executors together, highest priority first',
      candidates: [c('a', 'queue'), c('b', 'local'), c('c', 'queue'), c('d', 'local')],
      limits: limits({ totalOpen: 3 }),
      chosen: ['a>queue', 'b>local', 'c>queue'],
      unroutable: [],
    },
    {
      name: 'an executor the scheduler does not run makes the candidate unroutable, not queued elsewhere',
      candidates: [c('a', 'queue'), c('b', null)],
      limits: limits({ openSlots: new Map([['local', 10]]) }),
      chosen: ['b>local'],
      unroutable: ['a>queue'],
    },
    {
      name: 'unroutable candidates are found even when every slot is taken',
      candidates: [c('a', null), c('b', 'kubernetes'), c('c', null)],
      limits: limits({ totalOpen: 1 }),
      chosen: ['a>local'],
      unroutable: ['b>kubernetes'],
    },
    {
      name: "a run's maxActiveTasks counts tries on every executor",
      candidates: [
        c('a', 'queue', { maxActiveTasks: 2 }),
        c('b', 'local', { maxActiveTasks: 2 }),
        c('c', 'queue', { maxActiveTasks: 2 }),
        c('d', 'local', { runKey: 'r2', maxActiveTasks: 2 }),
      ],
      limits: limits({ activePerRun: new Map([['r1', 1]]) }),
      chosen: ['a>queue', 'd>local'],
      unroutable: [],
    },
    {
      name: "a pool's slots count tries on every executor",
      candidates: [c('a', 'queue', { pool: 'small' }), c('b', 'local', { pool: 'small' })],
      limits: limits(),
      chosen: ['a>queue'],
      unroutable: [],
    },
    {
      name: 'maxActiveTisPerDag counts the running instances of the task in every run',
      candidates: [
        c('a1', null, { runKey: 'r1', taskKey: 'a', maxActiveTisPerDag: 2 }),
        c('a2', null, { runKey: 'r2', taskKey: 'a', maxActiveTisPerDag: 2 }),
        c('b', null, { runKey: 'r2', taskKey: 'b', maxActiveTisPerDag: 2 }),
      ],
      limits: limits({ activePerTask: new Map([['a', 1]]) }),
      chosen: ['a1>local', 'b>local'],
      unroutable: [],
    },
    {
      name: 'maxActiveTisPerDagrun bounds the instances of a task in one run only',
      candidates: [
        c('m0', null, { runKey: 'r1', taskKey: 'm', maxActiveTisPerDagrun: 2 }),
        c('m1', null, { runKey: 'r1', taskKey: 'm', maxActiveTisPerDagrun: 2 }),
        c('m2', null, { runKey: 'r1', taskKey: 'm', maxActiveTisPerDagrun: 2 }),
        c('n0', null, { runKey: 'r2', taskKey: 'm', maxActiveTisPerDagrun: 2 }),
      ],
      limits: limits({ activePerRunTask: new Map([['r1\u0000m', 1]]) }),
      chosen: ['m0>local', 'n0>local'],
      unroutable: [],
    },
    {
      name: 'a candidate of a pool that does not exist waits',
      candidates: [c('a', 'queue', { pool: 'gone' }), c('b', 'queue')],
      limits: limits(),
      chosen: ['b>queue'],
      unroutable: [],
    },
  ])('$name', ({ candidates, limits: given, chosen, unroutable }) => {
    const selection = selectTries(candidates, given);
    expect(selection.chosen.map((s) => `${s.candidate.id}>${s.executor}`)).toEqual(chosen);
    expect(selection.unroutable.map((s) => `${s.candidate.id}>${s.executor}`)).toEqual(unroutable);
  });

  it('leaves the limits it was given unchanged', () => {
    const given = limits();
    selectTries([c('a', null), c('b', 'queue')], given);
    expect(given.openSlots.get('local')).toBe(10);
    expect(given.activePerRun.size).toBe(0);
  });
});

describe('TrySelector', () => {
  it.each([
    { name: 'room left', totalOpen: 100, local: 10, queue: 10, offered: 4, isFull: false },
    { name: 'core.parallelism reached', totalOpen: 3, local: 10, queue: 10, offered: 4, isFull: true },
    { name: 'every executor full', totalOpen: 100, local: 2, queue: 1, offered: 4, isFull: true },
    {
      name: 'one executor full, the other not',
      totalOpen: 100,
      local: 2,
      queue: 10,
      offered: 4,
      isFull: false,
    },
    { name: 'no executor open to start with', totalOpen: 100, local: 0, queue: 0, offered: 0, isFull: true },
  ])('chooses in pages what selectTries chooses at once, and knows when it is full: $name', (t) => {
    const given = limits({
      totalOpen: t.totalOpen,
      openSlots: new Map([
        ['local', t.local],
        ['queue', t.queue],
      ]),
    });
    const all = [
      c('a', null),
      c('b', 'queue'),
      c('c', null),
      c('d', 'gone'),
      c('e', null),
      c('f', 'queue'),
    ].slice(0, t.offered + 2);
    const selector = new TrySelector<Named>(given);
    for (const candidate of all.slice(0, 2)) selector.offer(candidate);
    for (const candidate of all.slice(2)) selector.offer(candidate);
    expect(selector.selection).toEqual(selectTries(all, given));
    expect(selector.isFull).toBe(t.isFull);
  });
});
