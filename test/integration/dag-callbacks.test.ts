/**
 * DAG-level callbacks (Airflow's DAG on_success_callback / on_failure_callback) and deadline
 * alerts (Airflow 3.1): run once each, by a DAG processor in a process of their own, with the
 * run and the reason; a failing callback is recorded and changes nothing; `gale dags test` runs
 * its run's callback in the foreground.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, runsOf, waitFor } from '../support/gale-home.js';

const DAGS = `
import { appendFileSync, existsSync } from 'node:fs';
import { dag, task, webhookNotifier } from 'gale/sdk';
const home = process.env.GALE_HOME;
const note = (what: string) => (ctx: { dagId: string; runId: string; runState: string; reason: string | null; log: { info(m: string): void } }) => {
  ctx.log.info('noting ' + what);
  appendFileSync(home + '/calls.txt', [what, ctx.dagId, ctx.runId, ctx.runState, ctx.reason].join('|') + '\\n');
};
dag({ dagId: 'cb_ok', onSuccess: note('success'), onFailure: note('failure') }, () => {
  task('fine', () => 1)();
});
dag({ dagId: 'cb_bad', onSuccess: note('success'), onFailure: note('failure') }, () => {
  task('broken', () => { throw new Error('nope'); })();
});
dag({ dagId: 'cb_throws', onSuccess: () => { throw new Error('callback broke'); } }, () => {
  task('fine', () => 1)();
});
dag({ dagId: 'cb_notify', onFailure: webhookNotifier({ url: () => process.env.HOOK_URL, text: '{{ dag_id }} {{ reason }}' }) }, () => {
  task({ taskId: 'broken', onFailure: webhookNotifier({ url: () => process.env.HOOK_URL, text: '{{ task_id }}: {{ error }}' }) }, () => {
    throw new Error('nope');
  })();
});
dag({ dagId: 'cb_late', deadline: { reference: 'queued_at', interval: '1s', callback: note('deadline') } }, () => {
  task('waits', async () => {
    while (!existsSync(home + '/go-on')) await new Promise((r) => setTimeout(r, 100));
  })();
});
`;

function calls(g: GaleHome): string[] {
  const file = join(g.home, 'calls.txt');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').sort() : [];
}

function requests(g: GaleHome, dagId: string) {
  return g
    .db()
    .prepare('select kind, state, reason, attempts, error from callback_request where dag_id = ? order by id')
    .all(dagId) as { kind: string; state: string; reason: string; attempts: number; error: string | null }[];
}

describe('DAG-level callbacks', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('run once per run with the reason, a deadline fires while the run runs, a failing one changes nothing', async () => {
    g = makeGaleHome();
    g.writeDag('callbacks.ts', DAGS);
    const s = g.start(['standalone']);
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"cb_late"'), {
      what: 'the DAGs to be parsed',
    });
    const ids: Record<string, string> = {};
    for (const dagId of ['cb_ok', 'cb_bad', 'cb_throws', 'cb_late']) {
      expect(g.gale(['dags', 'unpause', dagId]).code).toBe(0);
      ids[dagId] = JSON.parse(g.gale(['dags', 'trigger', dagId, '-o', 'json']).stdout).run_id as string;
    }
    await waitFor(() => calls(g).some((c) => c.startsWith('deadline|')), {
      what: 'the deadline callback while cb_late runs',
      seen: () => calls(g),
    });
    expect(runsOf(g.db(), 'cb_late')[0]?.state).toBe('running');
    writeFileSync(join(g.home, 'go-on'), '');
    await waitFor(() => runsOf(g.db(), 'cb_late')[0]?.state === 'success', { what: 'cb_late to finish' });
    await waitFor(() => requests(g, 'cb_throws')[0]?.state === 'failed', {
      what: "cb_throws's callback to be recorded as failed",
      seen: () => requests(g, 'cb_throws'),
    });
    await waitFor(() => calls(g).length === 3, { what: 'three callbacks', seen: () => calls(g) });
    expect(calls(g)).toEqual(
      [
        `success|cb_ok|${ids.cb_ok}|success|success`,
        `failure|cb_bad|${ids.cb_bad}|failed|task_failure`,
        `deadline|cb_late|${ids.cb_late}|running|deadline_missed`,
      ].sort(),
    );
    expect(runsOf(g.db(), 'cb_throws')[0]?.state).toBe('success');
    expect(requests(g, 'cb_throws')[0]?.error).toContain('callback broke');
    // once each, and no success callback for a DAG that defines none
    expect(requests(g, 'cb_ok').map((r) => [r.kind, r.state])).toEqual([['on_success', 'success']]);
    expect(requests(g, 'cb_late').map((r) => [r.kind, r.state, r.attempts])).toEqual([
      ['deadline', 'success', 1],
    ]);
    await waitFor(() => s.output().includes('noting success'), { what: "the callback's log line" });
    await s.stop();
  }, 240_000);

  it('a webhook notifier posts from a task callback and from a DAG callback', async () => {
    g = makeGaleHome();
    g.writeDag('callbacks.ts', DAGS);
    const posts: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        posts.push((JSON.parse(body) as { text: string }).text);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      expect(g.gale(['db', 'migrate']).code).toBe(0);
      // not spawnSync: this process must answer the webhook meanwhile
      const s = g.start(['dags', 'test', 'cb_notify'], { HOOK_URL: hook });
      await new Promise((r) => s.child.once('exit', r));
      expect(s.output()).toContain("The DAG's onFailure callback ran");
      expect(posts.sort()).toEqual(['broken: Error: nope', 'cb_notify task_failure']);
    } finally {
      server.close();
    }
  });

  it("gale dags test runs the run's callback in the foreground", () => {
    g = makeGaleHome();
    g.writeDag('callbacks.ts', DAGS);
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const ok = g.gale(['dags', 'test', 'cb_ok']);
    expect(ok.stdout).toContain('[onSuccess info] noting success');
    expect(ok.stdout).toContain("The DAG's onSuccess callback ran");
    const bad = g.gale(['dags', 'test', 'cb_bad']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("The DAG's onFailure callback ran");
    const throws = g.gale(['dags', 'test', 'cb_throws']);
    expect(throws.code).toBe(0);
    expect(throws.stdout).toContain("The DAG's onSuccess callback failed: Error: callback broke");
    expect(calls(g).map((c) => c.split('|').slice(0, 2).join('|'))).toEqual([
      'failure|cb_bad',
      'success|cb_ok',
    ]);
    // nothing left for a DAG processor to run again
    expect(g.db().prepare('select count(*) as n from callback_request').get()).toEqual({ n: 0 });
  });
});
