import { describe, expect, it } from 'vitest';
import { containerName, memoryBytes, nanoCpus, parseQuantity } from '../../../src/models/index.js';

describe('Kubernetes quantities', () => {
  it.each([
    { text: '64Mi', bytes: 64 * 1024 * 1024 },
    { text: '32Mi', bytes: 33_554_432 },
    { text: '1Gi', bytes: 1_073_741_824 },
    { text: '1.5Gi', bytes: 1_610_612_736 },
    { text: '512Ki', bytes: 524_288 },
    { text: '500M', bytes: 500_000_000 },
    { text: '1k', bytes: 1_000 },
    { text: '128974848', bytes: 128_974_848 },
    { text: '129e6', bytes: 129_000_000 },
    { text: '0.5Ki', bytes: 512 },
  ])('memory $text is $bytes bytes', ({ text, bytes }) => {
    expect(memoryBytes(text, 'test')).toBe(bytes);
  });

  it.each([
    { text: '0.5', nano: 500_000_000 },
    { text: '500m', nano: 500_000_000 },
    { text: '2', nano: 2_000_000_000 },
    { text: '100m', nano: 100_000_000 },
    { text: '1.25', nano: 1_250_000_000 },
    { text: '250000u', nano: 250_000_000 },
  ])('cpu $text is $nano nanocpus', ({ text, nano }) => {
    expect(nanoCpus(text, 'test')).toBe(nano);
  });

  it.each(['', 'Mi', '64MB', '64 Mi', '-1', '1e3Mi', 'abc', '1.2.3'])('"%s" is not a quantity', (text) => {
    expect(() => parseQuantity(text, 'resources.limits.memory')).toThrow(
      expect.objectContaining({
        code: 'GALE_ERR_DAG_INVALID',
        message: expect.stringContaining('resources.limits.memory'),
      }),
    );
  });
});

describe('containerName', () => {
  const base = {
    dagId: 'etl',
    taskId: 'load',
    runId: 'manual__2026-01-01T00:00:00+00:00',
    tryNumber: 1,
    mapIndex: -1,
  };

  it.each([
    {
      what: 'a plain try',
      t: base,
      pattern: /^gale-etl-load-manual-2026-01-01t00-00-00-00-00-1-[0-9a-f]{8}$/,
    },
    { what: 'a mapped try', t: { ...base, mapIndex: 4 }, pattern: /^gale-etl-load-.*-1-m4-[0-9a-f]{8}$/ },
    { what: 'a retry', t: { ...base, tryNumber: 3 }, pattern: /^gale-etl-load-.*-3-[0-9a-f]{8}$/ },
    {
      what: 'ids with dots and capitals',
      t: { ...base, dagId: 'My.Dag', taskId: 'grp.Task_1' },
      pattern: /^gale-my-dag-grp-task-1-/,
    },
    {
      what: 'ids of nothing sanitizable',
      t: { ...base, dagId: '___', taskId: '...', runId: '::' },
      pattern: /^gale-1-[0-9a-f]{8}$/,
    },
    {
      what: 'very long ids',
      t: { ...base, dagId: 'd'.repeat(250), taskId: 't'.repeat(250) },
      pattern: /^gale-d+-1-[0-9a-f]{8}$/,
    },
  ])('names $what as a DNS label', ({ t, pattern }) => {
    const name = containerName(t);
    expect(name).toMatch(pattern);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
  });

  it('is the same for the same try and differs for any other', () => {
    expect(containerName(base)).toBe(containerName({ ...base }));
    const others = [
      { ...base, dagId: 'etl2' },
      { ...base, taskId: 'load2' },
      { ...base, runId: 'manual__2026-01-02T00:00:00+00:00' },
      { ...base, tryNumber: 2 },
      { ...base, mapIndex: 0 },
      // the same slug, other ids: told apart by the hash
      { ...base, dagId: 'ETL' },
    ];
    const names = new Set([base, ...others].map(containerName));
    expect(names.size).toBe(others.length + 1);
  });
});
