/**
 * Triggering DAG runs through the task execution API, as a task process on a worker or in a pod
 * does (the real HttpTryChannel against a real API server): the try's token creates a run of
 * another DAG with its conf checked against that DAG's params, reads its state, and is refused for
 * another try or a try that is not running.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExecutionTokens } from '../../src/executors/index.js';
import { HttpTryChannel } from '../../src/runner/index.js';
import {
  type GaleHome,
  makeGaleHome,
  startExecutionApi,
  TEST_SECRET_KEY,
  waitFor,
} from '../support/gale-home.js';

describe('DAG runs through the task execution API', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it("a running try's token triggers a run with a checked conf and reads its state", {
    timeout: 180_000,
  }, async () => {
    g = makeGaleHome();
    const release = join(g.home, 'release');
    g.writeDag(
      'dags.ts',
      `import { existsSync } from 'node:fs';
       import { dag, param, task } from 'gale/sdk';
       dag({ dagId: 'target', params: { n: param(1, { type: 'integer' }) } }, () => { task('work', () => 1)(); });
       dag({ dagId: 'holder' }, () => { task('hold', async () => { while (!existsSync(${JSON.stringify(release)})) await new Promise((r) => setTimeout(r, 100)); })().then(task('other', () => 1)()); });`,
    );
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const processor = g.start(['dag-processor']);
    const { url } = await startExecutionApi(g);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"holder"'), {
      what: 'the DAGs to be parsed',
      timeoutMs: 60_000,
      seen: () => processor.output().slice(-2000),
    });
    const runId = JSON.parse(g.gale(['dags', 'trigger', 'holder', '-o', 'json']).stdout).run_id as string;
    // the try as a worker holds it: running (the scheduler runs it; 'other' waits for it)
    const scheduler = g.start(['scheduler']);
    await waitFor(
      () => g.db().prepare("select 1 from task_instance where task_id = 'hold' and state = 'running'").get(),
      { what: 'the holding try to run', timeoutMs: 60_000, seen: () => scheduler.output().slice(-2000) },
    );
    const idOf = (taskId: string) =>
      (
        g
          .db()
          .prepare("select id from task_instance where dag_id = 'holder' and task_id = ?")
          .get(taskId) as {
          id: string;
        }
      ).id;
    const tokens = new ExecutionTokens(TEST_SECRET_KEY, 60);
    const channel = new HttpTryChannel({ url, retryForMs: 0 });
    const ref = (taskId: string) => ({
      tiId: idOf(taskId),
      tryNumber: 1,
      dagId: 'holder',
      runId,
      taskId,
      mapIndex: -1,
    });
    channel.setToken(tokens.mint(idOf('hold'), 1));

    await expect(
      channel.triggerDagRun(ref('hold'), { dagId: 'target', conf: { n: 'many' }, whenExists: 'fail' }),
    ).rejects.toThrow(/HTTP 400.*param "n" = "many"/);
    const made = await channel.triggerDagRun(ref('hold'), {
      dagId: 'target',
      runId: 'from_holder',
      conf: { n: 3 },
      whenExists: 'fail',
    });
    expect(made).toMatchObject({ runId: 'from_holder', state: 'queued', outcome: 'created' });
    const row = g
      .db()
      .prepare("select conf from dag_run where dag_id = 'target' and run_id = 'from_holder'")
      .get() as {
      conf: string;
    };
    expect(JSON.parse(row.conf)).toEqual({ n: 3 });
    // the scheduler runs meanwhile: it may have started the run already
    await expect(channel.dagRunState(ref('hold'), 'target', 'from_holder')).resolves.toMatch(
      /^(queued|running|success)$/,
    );
    await expect(channel.dagRunState(ref('hold'), 'target', 'nope')).resolves.toBeNull();
    const again = (whenExists: 'skip' | 'fail') =>
      channel.triggerDagRun(ref('hold'), { dagId: 'target', runId: 'from_holder', conf: {}, whenExists });
    await expect(again('skip')).resolves.toMatchObject({ outcome: 'exists' });
    await expect(again('fail')).rejects.toThrow(/HTTP 409/);

    // this token is not for the other try, and the other try is not running
    const fromOther = () =>
      channel.triggerDagRun(ref('other'), { dagId: 'target', conf: {}, whenExists: 'fail' });
    await expect(fromOther()).rejects.toThrow(/HTTP 403/);
    channel.setToken(tokens.mint(idOf('other'), 1));
    await expect(fromOther()).rejects.toThrow(/HTTP 403.*Only a running try/);
    writeFileSync(release, '');
    await scheduler.stop();
    await processor.stop();
  });
});
