/** Task callbacks run in the task process around each try; a failing callback changes nothing. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, taskStates } from '../support/gale-home.js';

describe('task callbacks', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('onExecute, onRetry, onFailure, onSuccess and onSkip run with the context and the error', () => {
    g = makeGaleHome();
    const file = join(g.home, 'calls.txt');
    g.writeDag(
      'cb.ts',
      `import { appendFileSync } from 'node:fs';
       import { dag, task, TaskSkipped } from 'gale/sdk';
       const note = (what: string) => (ctx: { taskId: string; tryNumber: number }, error?: string) => {
         appendFileSync(${JSON.stringify(file)}, [what, ctx.taskId, ctx.tryNumber, error ?? ''].join('|') + '\\n');
       };
       dag({ dagId: 'cb', defaultArgs: { onExecute: note('execute'), onFailure: note('failure'), onRetry: note('retry') } }, () => {
         task({ taskId: 'bad', retries: 1, retryDelay: 0 }, () => { throw new Error('nope'); })();
         task({ taskId: 'good', onSuccess: note('success') }, () => 1)();
         task({ taskId: 'noisy', onSuccess: () => { throw new Error('callback broke'); } }, () => 2)();
         task({ taskId: 'skips', onSkip: note('skip') }, () => { throw new TaskSkipped('not today'); })();
       });`,
    );
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const result = g.gale(['dags', 'test', 'cb']);
    expect(result.stdout).toContain('The onSuccess callback failed: Error: callback broke');
    const runId = (
      g.db().prepare("select run_id from dag_run where dag_id = 'cb'").get() as { run_id: string }
    ).run_id;
    expect(taskStates(g.db(), 'cb', runId)).toEqual({
      bad: 'failed',
      good: 'success',
      noisy: 'success',
      skips: 'skipped',
    });
    const all = readFileSync(file, 'utf8').trim().split('\n');
    const skip = all.filter((c) => c.startsWith('skip|'));
    expect(skip).toHaveLength(1);
    expect(skip[0]).toMatch(/^skip\|skips\|1\|.*not today/);
    const calls = all.filter((c) => !c.startsWith('skip|')).sort();
    expect(calls).toEqual(
      [
        'execute|bad|1|',
        'execute|bad|2|',
        'execute|good|1|',
        'execute|noisy|1|',
        'execute|skips|1|',
        'failure|bad|2|Error: nope',
        'retry|bad|1|Error: nope',
        'success|good|1|',
      ].sort(),
    );
  });
});
