import { describe, expect, it } from 'vitest';
import { describeError, ErrorCodes, GaleError, isGaleError } from '../../../src/models/errors.js';

describe('ErrorCodes', () => {
  it.each(Object.entries(ErrorCodes))('the key %s equals its code', (key, code) => {
    expect(code).toBe(key);
  });

  it('every code starts with GALE_ERR_', () => {
    for (const code of Object.values(ErrorCodes)) expect(code).toMatch(/^GALE_ERR_[A-Z_]+$/);
  });
});

describe('GaleError', () => {
  it('carries its code, hint and cause', () => {
    const cause = new Error('root');
    const error = new GaleError('GALE_ERR_DAG_CYCLE', 'a cycle', { hint: 'break it', cause });
    expect(error).toBeInstanceOf(Error);
    expect(isGaleError(error)).toBe(true);
    expect(error).toMatchObject({ name: 'GaleError', code: 'GALE_ERR_DAG_CYCLE', hint: 'break it', cause });
  });

  it.each([
    {
      name: 'a GaleError with a hint',
      error: new GaleError('GALE_ERR_USAGE', 'bad flag', { hint: 'see --help' }),
      text: 'bad flag\n  hint: see --help',
    },
    {
      name: 'a GaleError without a hint',
      error: new GaleError('GALE_ERR_USAGE', 'bad flag'),
      text: 'bad flag',
    },
    { name: 'a thrown string', error: 'plain text', text: 'plain text' },
  ])('describes $name for a user as its message and hint, without a stack', ({ error, text }) => {
    expect(describeError(error)).toBe(text);
  });

  it('describes an unexpected error with its stack', () => {
    const error = new TypeError('boom');
    expect(describeError(error)).toContain('TypeError: boom');
    expect(describeError(error)).toContain('errors.test.ts');
    expect(isGaleError(error)).toBe(false);
  });
});
