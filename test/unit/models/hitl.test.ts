/**
 * Human-in-the-loop answers: which answers a request takes (options, multiple, params against
 * their schemas), the default outcome at the timeout, and how an answer steers the run (an
 * approval's rejection skips what is downstream; a HITL branch follows the chosen tasks).
 */
import { describe, expect, it } from 'vitest';
import {
  approvalSkipsDownstream,
  checkHitlAnswer,
  type HitlRequest,
  hitlBranchChoice,
  timeoutAnswer,
} from '../../../src/models/index.js';
import { branchSkips } from '../../../src/runner/run-try.js';
import {
  approval,
  dag,
  hitlBranch,
  hitlEntry,
  param,
  takeDefinedDags,
  task,
} from '../../../src/sdk/index.js';

const request: HitlRequest = {
  subject: 'Go?',
  body: null,
  options: ['a', 'b', 'c'],
  multiple: false,
  params: { amount: { value: 1, schema: { type: 'integer', minimum: 1 } }, note: { value: 'x', schema: {} } },
  defaults: null,
  assignees: null,
};

describe('checkHitlAnswer', () => {
  it.each([
    {
      what: 'one option',
      req: {},
      chosen: ['a'],
      input: {},
      out: { chosenOptions: ['a'], paramsInput: { amount: 1, note: 'x' } },
    },
    {
      what: 'params override defaults',
      req: {},
      chosen: ['b'],
      input: { amount: 3 },
      out: { chosenOptions: ['b'], paramsInput: { amount: 3, note: 'x' } },
    },
    {
      what: 'several when multiple',
      req: { multiple: true },
      chosen: ['a', 'c'],
      input: {},
      out: { chosenOptions: ['a', 'c'], paramsInput: { amount: 1, note: 'x' } },
    },
    {
      what: 'the only option when none chosen',
      req: { options: ['OK'] },
      chosen: [],
      input: {},
      out: { chosenOptions: ['OK'], paramsInput: { amount: 1, note: 'x' } },
    },
  ])('takes $what', ({ req, chosen, input, out }) => {
    expect(checkHitlAnswer({ ...request, ...req }, { chosenOptions: chosen, paramsInput: input })).toEqual(
      out,
    );
  });

  it.each([
    { what: 'no option', req: {}, chosen: [], input: {}, says: 'No option was chosen' },
    {
      what: 'an unknown option',
      req: {},
      chosen: ['z'],
      input: {},
      says: 'Not an option of this request: z',
    },
    {
      what: 'two options when one is taken',
      req: {},
      chosen: ['a', 'b'],
      input: {},
      says: 'takes one option, not 2 options',
    },
    {
      what: 'a param that breaks its schema',
      req: {},
      chosen: ['a'],
      input: { amount: 0 },
      says: 'param "amount" = 0: value must be >= 1',
    },
    {
      what: 'a param of the wrong type',
      req: {},
      chosen: ['a'],
      input: { amount: 'many' },
      says: 'must be integer',
    },
    {
      what: 'an unknown param',
      req: {},
      chosen: ['a'],
      input: { other: 1 },
      says: 'Not a param of this request: other',
    },
  ])('refuses $what, saying what is wrong', ({ req, chosen, input, says }) => {
    expect(() =>
      checkHitlAnswer({ ...request, ...req }, { chosenOptions: chosen, paramsInput: input }),
    ).toThrow(
      expect.objectContaining({
        code: 'GALE_ERR_HITL_INVALID_RESPONSE',
        message: expect.stringContaining(says),
      }),
    );
  });
});

describe('the answer at the timeout', () => {
  it.each([
    { defaults: null, out: null },
    { defaults: [], out: null },
    { defaults: ['b'], out: { chosenOptions: ['b'], paramsInput: {} } },
  ])('defaults $defaults give $out', ({ defaults, out }) => {
    expect(timeoutAnswer({ ...request, defaults })).toEqual(out);
  });
});

describe('how an answer steers the run', () => {
  it.each([
    { output: { chosenOptions: ['Approve'], chosen: 'Approve' }, skipsAll: false },
    { output: { chosenOptions: ['Reject'], chosen: 'Reject' }, skipsAll: true },
    { output: null, skipsAll: false },
  ])('an approval answered $output.chosen skips everything downstream: $skipsAll', ({ output, skipsAll }) => {
    expect(approvalSkipsDownstream(output)).toBe(skipsAll);
  });

  it.each([
    { chosen: ['left'], skipped: ['right', 'middle'] },
    { chosen: ['left', 'right'], skipped: ['middle'] },
  ])('a HITL branch answered $chosen skips $skipped', ({ chosen, skipped }) => {
    dag({ dagId: 'hitl_steer' }, () => {
      const pick = hitlBranch('pick', { subject: 'Which?', options: ['left', 'right', 'middle'] });
      for (const id of ['left', 'right', 'middle']) pick.then(task(id, () => id)());
    });
    const [d] = takeDefinedDags();
    const skips = branchSkips(d!, 'pick', hitlBranchChoice({ chosenOptions: chosen }));
    expect(skips.sort()).toEqual(skipped.sort());
  });
});

describe('defining HITL tasks', () => {
  it.each([
    {
      what: 'a default outcome that is not an option',
      define: () => hitlBranch('b', { subject: 's', options: ['x'], defaultOutcome: 'y' }),
      says: 'defaultOutcome y is not an option',
    },
    {
      what: 'no options',
      define: () => hitlBranch('b', { subject: 's', options: [] }),
      says: 'it offers no options',
    },
    {
      what: 'a param default that breaks its schema',
      define: () =>
        hitlEntry('e', { subject: 's', params: { n: param(0, { type: 'integer', minimum: 1 }) } }),
      says: 'param "n"',
    },
  ])('refuses $what', ({ define, says }) => {
    expect(() => dag({ dagId: 'hitl_bad' }, () => void define())).toThrow(
      expect.objectContaining({ message: expect.stringContaining(says) }),
    );
    takeDefinedDags();
  });

  it('an approval is a task that steers by its answer', () => {
    dag(
      { dagId: 'hitl_ok' },
      () => void approval('ok', { subject: 'Ship?', timeout: '1h', defaultOutcome: 'Reject' }),
    );
    const [d] = takeDefinedDags();
    expect(d!.getTask('ok').flow).toBe('approval');
  });
});
