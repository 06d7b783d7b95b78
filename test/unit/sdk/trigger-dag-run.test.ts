/**
 * triggerDagRun's options compiled at DAG definition (defaults, what to do with an existing run,
 * conflicts rejected naming the setting), and defineTrigger's names.
 */
import { describe, expect, it } from 'vitest';
import {
  compileTriggerDagRunOptions,
  defineTrigger,
  type TriggerDagRunOptions,
} from '../../../src/sdk/index.js';

describe('compileTriggerDagRunOptions', () => {
  it.each<{ options: TriggerDagRunOptions; expected: Record<string, unknown> }>([
    {
      options: { triggerDagId: 'b' },
      expected: {
        triggerDagId: 'b',
        waitForCompletion: false,
        allowedStates: ['success'],
        failedStates: ['failed'],
        pokeIntervalMs: 60_000,
        deferrable: false,
        whenExists: 'fail',
      },
    },
    { options: { triggerDagId: 'b', skipWhenAlreadyExists: true }, expected: { whenExists: 'skip' } },
    {
      options: { triggerDagId: 'b', resetDagRun: true, skipWhenAlreadyExists: true },
      expected: { whenExists: 'reset' },
    },
    {
      options: {
        triggerDagId: 'b',
        waitForCompletion: true,
        deferrable: true,
        pokeInterval: '5s',
        failedStates: [],
      },
      expected: { waitForCompletion: true, deferrable: true, pokeIntervalMs: 5_000, failedStates: [] },
    },
  ])('$options', ({ options, expected }) => {
    expect(compileTriggerDagRunOptions('t', options)).toMatchObject(expected);
  });

  it.each<{ options: TriggerDagRunOptions; error: RegExp }>([
    { options: { triggerDagId: '' }, error: /triggerDagRun "t": triggerDagId must name a DAG/ },
    {
      options: { triggerDagId: 'b', allowedStates: ['done' as never] },
      error: /allowedStates has done, not DAG run states/,
    },
    {
      options: { triggerDagId: 'b', allowedStates: ['success', 'failed'] },
      error: /failed is in both allowedStates and failedStates/,
    },
    { options: { triggerDagId: 'b', pokeInterval: 'soon' }, error: /pokeInterval/ },
  ])('rejects $options', ({ options, error }) => {
    expect(() => compileTriggerDagRunOptions('t', options)).toThrow(error);
  });
});

describe('defineTrigger', () => {
  it.each([
    { classpath: 'my company.X', error: /is not a trigger name/ },
    { classpath: 'gale.triggers.Mine', error: /in Gale's own namespace/ },
    { classpath: '', error: /is not a trigger name/ },
  ])('rejects the name "$classpath"', ({ classpath, error }) => {
    expect(() => defineTrigger(classpath, async () => 1)).toThrow(error);
  });

  it('builds the trigger to defer on from its kwargs', () => {
    const queueDepth = defineTrigger(
      'acme.QueueDepth',
      async (kwargs: { queue: string }) => kwargs.queue.length,
    );
    expect(queueDepth({ queue: 'orders' })).toEqual({
      classpath: 'acme.QueueDepth',
      kwargs: { queue: 'orders' },
    });
  });
});
