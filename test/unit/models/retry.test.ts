import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../../src/models/retry.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('retryDelayMs', () => {
  it.each([1, 2, 5])('without backoff waits retryDelay before try %i + 1', (tryNumber) => {
    const task = { retryDelayMs: 5 * MINUTE, retryExponentialBackoff: false, maxRetryDelayMs: null };
    expect(retryDelayMs(task, tryNumber)).toBe(5 * MINUTE);
  });

  it.each([
    { tryNumber: 0, delay: 1 * MINUTE },
    { tryNumber: 1, delay: 1 * MINUTE },
    { tryNumber: 2, delay: 2 * MINUTE },
    { tryNumber: 3, delay: 4 * MINUTE },
    { tryNumber: 4, delay: 8 * MINUTE },
    { tryNumber: 5, delay: 10 * MINUTE },
    { tryNumber: 30, delay: 10 * MINUTE },
  ])(
    'with backoff doubles the delay after each failed try, capped by maxRetryDelay: try $tryNumber waits $delay ms',
    ({ tryNumber, delay }) => {
      const task = { retryDelayMs: MINUTE, retryExponentialBackoff: true, maxRetryDelayMs: 10 * MINUTE };
      expect(retryDelayMs(task, tryNumber)).toBe(delay);
    },
  );

  it('with backoff and no maxRetryDelay caps the delay at 24 hours', () => {
    const task = { retryDelayMs: HOUR, retryExponentialBackoff: true, maxRetryDelayMs: null };
    expect(retryDelayMs(task, 5)).toBe(16 * HOUR);
    expect(retryDelayMs(task, 6)).toBe(24 * HOUR);
    expect(retryDelayMs(task, 60)).toBe(24 * HOUR);
  });

  it('a zero retryDelay stays zero with backoff', () => {
    expect(retryDelayMs({ retryDelayMs: 0, retryExponentialBackoff: true, maxRetryDelayMs: null }, 10)).toBe(
      0,
    );
  });
});
