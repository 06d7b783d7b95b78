/** Params with JSON Schema: a triggered run's conf is validated, naming the bad param; bad defaults fail the file. */
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome } from '../support/gale-home.js';

describe('params', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('validates a run conf against the params schemas, naming the bad field, and creates no run', () => {
    g = makeGaleHome();
    g.writeDag(
      'params.ts',
      `import { dag, param, task } from 'gale/sdk';
       dag({ dagId: 'typed_params', params: {
           n: param(5, { type: 'integer', minimum: 1, maximum: 10 }),
           mode: param('fast', { enum: ['fast', 'slow'] }),
           target: param(undefined, { type: 'string', minLength: 1 }),
           note: 'free',
         } }, () => {
         task('show', (ctx) => ctx.params)();
       });`,
    );
    g.writeDag(
      'bad-default.ts',
      `import { dag, param, task } from 'gale/sdk';
       dag({ dagId: 'bad_default', params: { n: param(0, { type: 'integer', minimum: 1 }) } }, () => { task('t', () => 1)(); });`,
    );
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const tooSmall = g.gale(['dags', 'test', 'typed_params', '--conf', '{"n": 0, "target": "x"}']);
    expect(tooSmall.code).toBe(1);
    expect(tooSmall.stderr).toContain('param "n" = 0');
    expect(tooSmall.stderr).toMatch(/must be >= 1/);
    const badEnum = g.gale([
      'dags',
      'trigger',
      'typed_params',
      '--conf',
      '{"mode": "medium", "target": "x"}',
    ]);
    expect(badEnum.code).toBe(1);
    expect(badEnum.stderr).toContain('param "mode" = "medium"');
    const missing = g.gale(['dags', 'trigger', 'typed_params']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('param "target" is required');
    expect(g.db().prepare("select count(*) as n from dag_run where dag_id = 'typed_params'").get()).toEqual({
      n: 0,
    });

    const ok = g.gale(['dags', 'test', 'typed_params', '--conf', '{"n": 3, "target": "prod"}']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const row = g
      .db()
      .prepare("select value from xcom where dag_id = 'typed_params' and task_id = 'show'")
      .get() as { value: string };
    expect(JSON.parse(row.value)).toEqual({ n: 3, mode: 'fast', target: 'prod', note: 'free' });

    const errors = JSON.parse(g.gale(['dags', 'list-import-errors', '-o', 'json']).stdout) as {
      message: string;
    }[];
    expect(errors.map((e) => e.message).join('\n')).toContain(
      'the default of param "n" (0) breaks its schema',
    );
  });
});
