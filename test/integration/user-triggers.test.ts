/**
 * User-written triggers with real processes (standalone: scheduler, triggerer, local executor): a
 * trigger defined with defineTrigger in a module next to the DAG file defers a task, the triggerer
 * imports the DAG file to run it, and the task resumes with its event; a trigger that throws fails
 * its task with its message.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, runsOf, taskStates, waitFor } from '../support/gale-home.js';
import { startStandalone } from '../support/standalone.js';

const TRIGGERS = `
import { setTimeout as sleep } from 'node:timers/promises';
import { defineTrigger } from 'gale/sdk';
export const countdown = defineTrigger('acme.Countdown', async function* (kwargs: { ms: number; label: string }, { signal }) {
  await sleep(kwargs.ms, undefined, { signal });
  yield { label: kwargs.label };
});
export const broken = defineTrigger('acme.Broken', async (kwargs: { queue: string }) => {
  throw new Error(\`queue \${kwargs.queue} said no\`);
});
`;

const DAG = `
import { dag, task } from 'gale/sdk';
import { broken, countdown } from './acme-triggers.js';
dag({ dagId: 'custom', defaultArgs: { retries: 0 } }, () => {
  task('wait', (ctx) => ctx.triggerEvent ?? ctx.defer(countdown({ ms: 500, label: 'go' })))();
  task('broken', (ctx) => ctx.defer(broken({ queue: 'orders' })))();
});
`;

describe('user-written triggers', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('a defined trigger defers a task and resumes it with its event; a throwing one fails its task', {
    timeout: 150_000,
  }, async () => {
    g = makeGaleHome({ GALE__TRIGGERER__POLL_INTERVAL: '0.2', GALE__TRIGGERER__JOB_HEARTBEAT_SEC: '0.5' });
    g.writeDag('acme-triggers.ts', TRIGGERS);
    g.writeDag('custom.ts', DAG);
    const standalone = await startStandalone(g, 'custom');
    const log = () => standalone.output().slice(-3000);
    const runId = JSON.parse(g.gale(['dags', 'trigger', 'custom', '-o', 'json']).stdout).run_id as string;
    await waitFor(() => ['success', 'failed'].includes(runsOf(g.db(), 'custom')[0]?.state ?? ''), {
      what: 'the run to end',
      timeoutMs: 100_000,
      seen: () => ({ states: taskStates(g.db(), 'custom', runId), log: log() }),
    });
    expect(taskStates(g.db(), 'custom', runId)).toEqual({ wait: 'success', broken: 'failed' });
    const value = g
      .db()
      .prepare("select value from xcom where dag_id = 'custom' and task_id = 'wait' and key = 'return_value'")
      .get() as { value: string };
    expect(JSON.parse(value.value)).toEqual({ label: 'go' });
    const error = (
      g
        .db()
        .prepare("select error from task_instance_try where dag_id = 'custom' and task_id = 'broken'")
        .get() as { error: string }
    ).error;
    expect(error).toContain('acme.Broken');
    expect(error).toContain('queue orders said no');
    await standalone.stop();
  });
});
