/** The local executor's warm task processes: reused across tries, replaced after N tries, skipped with freshProcess. */
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, runsOf, taskStates, waitFor } from '../support/gale-home.js';

const CHAIN = (fresh: boolean) => `
import { chain, dag, task } from 'gale/sdk';
const step = task({ taskId: 'step', freshProcess: ${fresh} }, (ctx) => process.pid);
dag({ dagId: 'steps' }, () => { chain(...Array.from({ length: 5 }, () => step())); });
`;

function pids(g: GaleHome): number[] {
  return (
    g.db().prepare("select pid from task_instance_try where dag_id = 'steps' order by start_date").all() as {
      pid: number;
    }[]
  ).map((r) => r.pid);
}

async function runSteps(g: GaleHome): Promise<void> {
  const s = g.start(['standalone']);
  await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"steps"'), {
    what: 'the DAG to be parsed',
    seen: () => s.output(),
  });
  expect(g.gale(['dags', 'trigger', 'steps']).code).toBe(0);
  await waitFor(() => runsOf(g.db(), 'steps')[0]?.state === 'success', {
    what: 'the run to succeed',
    seen: () => taskStates(g.db(), 'steps'),
  });
  await s.stop();
}

describe('warm task processes', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('tries run one after another in the same warm process', async () => {
    g = makeGaleHome();
    g.writeDag('steps.ts', CHAIN(false));
    await runSteps(g);
    expect(new Set(pids(g)).size).toBe(1);
    // the executor claims each try for its process before the hand-over: the pid it recorded is the
    // pid the task saw (its return value)
    const returned = g
      .db()
      .prepare("select value from xcom where dag_id = 'steps' and key = 'return_value'")
      .all() as { value: string }[];
    expect(returned.map((r) => Number(r.value))).toEqual(Array(5).fill(pids(g)[0]));
  });

  it('a warm process is replaced after max_tries_per_process tries', async () => {
    g = makeGaleHome({ GALE__LOCAL_EXECUTOR__MAX_TRIES_PER_PROCESS: '2' });
    g.writeDag('steps.ts', CHAIN(false));
    await runSteps(g);
    const seen = pids(g);
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(3);
  });

  it('freshProcess gives every try a new process', async () => {
    g = makeGaleHome();
    g.writeDag('steps.ts', CHAIN(true));
    await runSteps(g);
    expect(new Set(pids(g)).size).toBe(5);
  });

  it('with warm_processes off every try gets a new process', async () => {
    g = makeGaleHome({ GALE__LOCAL_EXECUTOR__WARM_PROCESSES: 'false' });
    g.writeDag('steps.ts', CHAIN(false));
    await runSteps(g);
    expect(new Set(pids(g)).size).toBe(5);
  });
});
