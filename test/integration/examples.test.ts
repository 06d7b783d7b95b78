/**
 * The example DAGs that ship with Gale (core.load_examples): every file loads without an import
 * error, and the control-flow example runs as its comments say under `gale dags test`.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GaleHome,
  makeGaleHome,
  runsOf,
  type Service,
  taskStates,
  waitFor,
} from '../support/gale-home.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples', 'dags');

let g: GaleHome;
let processor: Service | undefined;

describe('example DAGs', () => {
  beforeAll(() => {
    g = makeGaleHome({ GALE__CORE__LOAD_EXAMPLES: 'true' });
    expect(g.gale(['db', 'migrate']).code).toBe(0);
  });

  afterAll(async () => {
    await processor?.stop();
    g?.cleanup();
  });

  it('every example file loads, with no import error', { timeout: 240_000 }, async () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThanOrEqual(10);
    processor = g.start(['dag-processor']);
    const parsed = () =>
      g.db().prepare('select distinct fileloc from dag where is_active = 1').all() as { fileloc: string }[];
    const errors = () => g.db().prepare('select filename, message from import_error').all();
    await waitFor(
      () => errors().length > 0 || files.every((f) => parsed().some((p) => p.fileloc.endsWith(f))),
      {
        what: 'every example file to be parsed',
        timeoutMs: 200_000,
        seen: () => ({ parsed: parsed(), errors: errors(), log: processor?.output().slice(-1500) }),
      },
    );
    expect(errors()).toEqual([]);
  });

  it('example_branching: the sensor waits, then the branch picks by the size param', {
    timeout: 120_000,
  }, () => {
    const r = g.gale(['dags', 'test', 'example_branching', '--conf', '{"size": 5000}']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [run] = runsOf(g.db(), 'example_branching');
    const states = taskStates(g.db(), 'example_branching', run!.run_id);
    expect(states).toMatchObject({
      settled: 'success',
      route: 'success',
      big_load: 'success',
      small_load: 'skipped',
      report: 'success',
    });
  });
});
