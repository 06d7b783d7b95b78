/** Which task of a parsed file names a pool that does not exist (an import error for the file). */
import { describe, expect, it } from 'vitest';
import { unknownPoolOf } from '../../../src/dag-processing/store-parse-results.js';
import type { SerializedDag } from '../../../src/models/index.js';

const dag = (dagId: string, pools: string[]) =>
  ({ dagId, tasks: pools.map((pool, i) => ({ taskId: `t${i}`, pool })) }) as unknown as SerializedDag;

describe('unknownPoolOf', () => {
  const cases: { name: string; dags: SerializedDag[]; expected: RegExp | null }[] = [
    { name: 'no DAGs', dags: [], expected: null },
    { name: 'every pool exists', dags: [dag('a', ['default_pool', 'etl'])], expected: null },
    {
      name: 'the first missing pool, naming DAG, task and pool',
      dags: [dag('a', ['default_pool']), dag('b', ['etl', 'nope', 'gone'])],
      expected:
        /^DAG "b", task "t1": pool "nope" does not exist\nhint: Create it with "gale pools set nope <slots>"/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const message = unknownPoolOf(c.dags, new Set(['default_pool', 'etl']));
      if (c.expected === null) expect(message).toBeNull();
      else expect(message).toMatch(c.expected);
    });
  }
});
