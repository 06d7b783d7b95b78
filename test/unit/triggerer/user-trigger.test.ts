/**
 * User-written triggers in the triggerer: run to their first event whether they are async
 * generators or async functions, fail with their own message, stop at once when aborted even if
 * their code ignores the signal, and are made from their row (imported from their DAG file, one
 * import for many triggers at once).
 */
import { describe, expect, it } from 'vitest';
import { defineTrigger, findDefinedTrigger } from '../../../src/sdk/index.js';
import { createTrigger, firstEvent, TriggerModules } from '../../../src/triggerer/index.js';

const clock = { now: () => new Date() };
const closed: string[] = [];

defineTrigger('test.Yields', async function* (kwargs: { n: number }) {
  try {
    yield { n: kwargs.n };
    yield { n: -1 };
  } finally {
    closed.push('test.Yields');
  }
});
defineTrigger('test.Returns', async (kwargs: { n: number }) => ({ doubled: kwargs.n * 2 }));
defineTrigger('test.Throws', async () => {
  throw new Error('the queue is gone');
});
defineTrigger('test.Ends', async function* () {});
defineTrigger('test.Deaf', () => new Promise(() => {}));

describe('firstEvent', () => {
  it.each([
    { classpath: 'test.Yields', kwargs: { n: 3 }, event: { n: 3 } },
    { classpath: 'test.Returns', kwargs: { n: 4 }, event: { doubled: 8 } },
  ])('$classpath fires with its first event', async ({ classpath, kwargs, event }) => {
    const definition = findDefinedTrigger(classpath)!;
    await expect(firstEvent(definition, kwargs, new AbortController().signal)).resolves.toEqual(event);
  });

  it.each([
    { classpath: 'test.Throws', error: 'the queue is gone' },
    { classpath: 'test.Ends', error: 'test.Ends ended without an event' },
  ])('$classpath fails with "$error"', async ({ classpath, error }) => {
    await expect(
      firstEvent(findDefinedTrigger(classpath)!, {}, new AbortController().signal),
    ).rejects.toThrow(error);
  });

  it('closes a generator after its first event', async () => {
    closed.length = 0;
    await firstEvent(findDefinedTrigger('test.Yields')!, { n: 1 }, new AbortController().signal);
    await new Promise((r) => setImmediate(r));
    expect(closed).toEqual(['test.Yields']);
  });

  it('settles at once when aborted, though the trigger ignores its signal', async () => {
    const controller = new AbortController();
    const waiting = firstEvent(findDefinedTrigger('test.Deaf')!, {}, controller.signal);
    controller.abort(new Error('stopped by the test'));
    await expect(waiting).rejects.toThrow('stopped by the test');
  });
});

describe('createTrigger for user-written triggers', () => {
  const row = (classpath: string, fileloc: string | null) => ({
    classpath,
    kwargs: '{"n": 5}',
    created_date: new Date().toISOString(),
    fileloc,
  });

  it('runs a trigger defined in this process', async () => {
    const trigger = createTrigger(row('test.Returns', null), clock);
    await expect(trigger.run(new AbortController().signal)).resolves.toEqual({ doubled: 10 });
  });

  it('rejects an unknown trigger without a DAG file to import', () => {
    expect(() => createTrigger(row('test.Nowhere', null), clock)).toThrow(
      /GALE_ERR_TRIGGER_INVALID|No trigger/,
    );
  });

  it('imports the DAG file once for triggers that need it at the same time', async () => {
    const imported: string[] = [];
    const modules = new TriggerModules(async (file) => {
      imported.push(file);
      await new Promise((r) => setTimeout(r, 20));
      defineTrigger('test.FromFile', async (kwargs: { n: number }) => kwargs.n + 1);
    });
    const runs = [1, 2, 3].map(() =>
      createTrigger(row('test.FromFile', '/dags/a.ts'), clock, null, modules).run(
        new AbortController().signal,
      ),
    );
    expect(await Promise.all(runs)).toEqual([6, 6, 6]);
    expect(imported).toEqual(['/dags/a.ts']);
  });

  it.each([
    {
      what: 'a DAG file that cannot be imported',
      load: async () => {
        throw new Error('SyntaxError in a.ts');
      },
      error: /Cannot import \/dags\/a.ts, which defines test.Missing: .*SyntaxError in a.ts/,
    },
    {
      what: 'a DAG file that does not define the trigger',
      load: async () => undefined,
      error: /No trigger "test.Missing" is defined by \/dags\/a.ts/,
    },
  ])('fails the trigger for $what', async ({ load, error }) => {
    const trigger = createTrigger(row('test.Missing', '/dags/a.ts'), clock, null, new TriggerModules(load));
    await expect(trigger.run(new AbortController().signal)).rejects.toThrow(error);
  });
});
