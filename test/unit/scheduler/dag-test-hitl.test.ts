/** What `gale dags test` prints while a human-in-the-loop task waits for an answer. */
import { describe, expect, it } from 'vitest';
import { TRIGGER_CLASSPATHS } from '../../../src/models/index.js';
import { hitlWaitLines, shellWord } from '../../../src/scheduler/dag-test-hitl.js';

const KWARGS = {
  dag_id: 'ship',
  run_id: 'dags_test__2026-11-30T12:00:00.000Z',
  task_id: 'approve',
  map_index: -1,
  subject: 'Ship it?',
  body: null,
  options: ['Approve', 'Reject'],
  multiple: false,
  params: {},
  defaults: null,
  assignees: null,
  timeout_ms: null,
  poke_interval_ms: 200,
};

const wait = (kwargs: object, classpath: string = TRIGGER_CLASSPATHS.hitl) => ({
  taskId: 'approve',
  mapIndex: -1,
  classpath,
  kwargs,
});

describe('shellWord', () => {
  it.each([
    ['plain', 'plain'],
    ['dags_test__2026-11-30T12:00:00.000Z', 'dags_test__2026-11-30T12:00:00.000Z'],
    ['manual__2026-11-30T12:00:00+00:00', 'manual__2026-11-30T12:00:00+00:00'],
    ['two words', "'two words'"],
    ["it's", `'it'\\''s'`],
    ['$HOME', "'$HOME'"],
  ])('%s is written %s', (word, written) => {
    expect(shellWord(word)).toBe(written);
  });
});

describe('hitlWaitLines', () => {
  it.each([
    [
      'an approval',
      KWARGS,
      'waiting for an answer to "Ship it?"; options: Approve, Reject',
      'gale hitl respond ship dags_test__2026-11-30T12:00:00.000Z approve --choose <option>',
    ],
    [
      'a request with one option and a form, mapped, in a run id with a space',
      {
        ...KWARGS,
        run_id: 'my run',
        map_index: 2,
        options: ['OK'],
        params: { amount: { value: 1, schema: { type: 'integer' } }, note: { value: '', schema: {} } },
      },
      'waiting for an answer to "Ship it?"; options: OK; params: amount, note',
      `gale hitl respond ship 'my run' approve --map-index 2 --params '{"amount": ..., "note": ...}'`,
    ],
    [
      'several options to choose from',
      { ...KWARGS, options: ['eu', 'us'], multiple: true },
      'waiting for an answer to "Ship it?"; options: eu, us (one or more)',
      'gale hitl respond ship dags_test__2026-11-30T12:00:00.000Z approve --choose <option>...',
    ],
  ])('%s: says what it asks and how to answer', (_name, kwargs, asks, command) => {
    expect(hitlWaitLines(wait(kwargs))).toEqual([asks, `answer it from another terminal: ${command}`]);
  });

  it.each([
    ['another trigger', wait({ moment: '2026-01-01T00:00:00Z' }, TRIGGER_CLASSPATHS.dateTime)],
    ['HITL kwargs that do not parse', wait({ subject: 'x' })],
  ])('prints nothing for %s', (_name, w) => {
    expect(hitlWaitLines(w)).toEqual([]);
  });
});
