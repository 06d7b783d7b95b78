import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../src/models/durations.js';

describe('parseDuration', () => {
  it.each([
    { value: 0, ms: 0 },
    { value: 1500, ms: 1500 },
    { value: 2.6, ms: 3 },
    { value: '500ms', ms: 500 },
    { value: '30s', ms: 30_000 },
    { value: '5m', ms: 300_000 },
    { value: '2h', ms: 7_200_000 },
    { value: '1d', ms: 86_400_000 },
    { value: '1.5h', ms: 5_400_000 },
    { value: '0.5s', ms: 500 },
    { value: ' 10 m ', ms: 600_000 },
  ])('reads $value as $ms ms', ({ value, ms }) => {
    expect(parseDuration(value, 'retryDelay')).toBe(ms);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, '', '10', '-5m', '5 minutes', '1w', 'm', '5m30s'])(
    'rejects %s with GALE_ERR_DAG_INVALID naming the option',
    (value) => {
      expect(() => parseDuration(value, 'task "t": retryDelay')).toThrow(
        expect.objectContaining({
          code: 'GALE_ERR_DAG_INVALID',
          message: expect.stringContaining('task "t": retryDelay'),
        }),
      );
    },
  );
});
