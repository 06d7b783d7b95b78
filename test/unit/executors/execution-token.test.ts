import { createSigner } from 'fast-jwt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExecutionTokens } from '../../../src/executors/index.js';
import { GaleError } from '../../../src/models/index.js';

const SECRET = 's'.repeat(40);

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (error) {
    return error instanceof GaleError ? error.code : 'not a GaleError';
  }
}

describe('task execution API tokens', () => {
  afterEach(() => vi.useRealTimers());

  it('names the try it was minted for, and expires after the ttl', () => {
    const tokens = new ExecutionTokens(SECRET, 600);
    const claims = tokens.verify(tokens.mint('ti-1', 3));
    expect(claims.tiId).toBe('ti-1');
    expect(claims.tryNumber).toBe(3);
    expect(claims.expiresAt - Date.now() / 1000).toBeGreaterThan(590);
  });

  it("lives longer by the wait it is minted for, as a pod's token does for its Pending time", () => {
    vi.useFakeTimers();
    const tokens = new ExecutionTokens(SECRET, 600);
    const token = tokens.mint('ti-1', 1, { waitSeconds: 1800 });
    expect(tokens.verify(token).expiresAt - Date.now() / 1000).toBeGreaterThan(2390);
    vi.setSystemTime(Date.now() + 2_000_000);
    expect(tokens.verify(token).tiId).toBe('ti-1');
    vi.setSystemTime(Date.now() + 401_000);
    expect(codeOf(() => tokens.verify(token))).toBe('GALE_ERR_UNAUTHENTICATED');
  });

  const rejected: [string, () => string][] = [
    ['another secret key', () => new ExecutionTokens('o'.repeat(40), 600).mint('ti-1', 1)],
    [
      'a user access token signed with the secret key itself',
      () => createSigner({ key: SECRET })({ sub: 'admin' }),
    ],
    ['a token without a try', () => createSigner({ key: SECRET, aud: 'gale:execution' })({ sub: 'ti-1' })],
    ['garbage', () => 'not.a.token'],
  ];
  it.each(rejected)('rejects %s as unauthenticated', (_, make) => {
    const tokens = new ExecutionTokens(SECRET, 600);
    expect(codeOf(() => tokens.verify(make()))).toBe('GALE_ERR_UNAUTHENTICATED');
  });

  it('rejects an expired token', () => {
    vi.useFakeTimers();
    const tokens = new ExecutionTokens(SECRET, 60);
    const token = tokens.mint('ti-1', 1);
    vi.setSystemTime(Date.now() + 61_000);
    expect(codeOf(() => tokens.verify(token))).toBe('GALE_ERR_UNAUTHENTICATED');
  });

  it('refuses a secret key shorter than 32 characters', () => {
    expect(codeOf(() => new ExecutionTokens('short', 600))).toBe('GALE_ERR_SECRET_KEY_MISSING');
  });
});
