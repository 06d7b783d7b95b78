/**
 * The file output store (output_store.backend: file) driven by the real CLI, scheduler and API
 * server: an output above output_store.threshold_bytes goes to a file under output_store.path and
 * its xcom row keeps a reference; a downstream task (argument and ctx.xcomPull), a mapped task's
 * expansion and the API read it transparently; a cleared task's file goes when it runs again, and
 * deleting the run deletes its folder. With the database backend nothing changes: outputs stay in
 * their rows and no file is written.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { login } from '../support/api-client.js';
import { type GaleHome, makeGaleHome, runsOf, waitFor } from '../support/gale-home.js';

const DAGS = `import { dag, task } from 'gale/sdk';
const big = task('big', (ctx) => (ctx.tryNumber === 1 ? { rows: 'x'.repeat(5000) } : 'small now'));
const measure = task('measure', async (ctx, value: { rows: string }) => {
  const pulled = await ctx.xcomPull<{ rows: string }>('big');
  return [value.rows.length, pulled?.rows.length];
});
const chunks = task('chunks', () => ['a', 'b', 'c'].map((c) => c.repeat(2000)));
const size = task('size', (_ctx, { chunk }: { chunk: string }) => chunk.length);
dag({ dagId: 'big_outputs' }, () => {
  measure(big());
  size.expand({ chunk: chunks() });
});
`;

interface Row {
  task_id: string;
  map_index: number;
  value: string;
}

describe('the file output store', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  const rows = (): Row[] =>
    g
      .db()
      .prepare(
        "select task_id, map_index, value from xcom where dag_id = 'big_outputs' and key = 'return_value' order by task_id, map_index",
      )
      .all() as Row[];

  it('keeps big outputs in files that every reader resolves, and deletes them with the run', async () => {
    g = makeGaleHome({ GALE__OUTPUT_STORE__BACKEND: 'file', GALE__OUTPUT_STORE__THRESHOLD_BYTES: '1000' });
    const outputsDir = join(g.home, 'outputs');
    g.writeDag('big.ts', DAGS);
    const s = g.start(['standalone']);
    const base = await waitFor(() => /"ui":"(http:\/\/localhost:\d+)"/.exec(s.output())?.[1], {
      what: 'the UI URL in the log',
      timeoutMs: 60_000,
      seen: () => s.output().slice(-2000),
    });
    const password = await waitFor(() => /^ {2}password: (\S+)$/m.exec(s.output())?.[1], {
      what: 'the admin password on stdout',
      seen: () => s.output().slice(-2000),
    });
    await waitFor(() => g.gale(['dags', 'list', '-o', 'json']).stdout.includes('"big_outputs"'), {
      what: 'the DAG to be parsed',
      timeoutMs: 90_000,
    });
    const trigger = g.gale(['dags', 'trigger', 'big_outputs', '-o', 'json']);
    expect(trigger.code, trigger.stderr).toBe(0);
    const runId = JSON.parse(trigger.stdout).run_id as string;
    const finished = () => ['success', 'failed'].includes(runsOf(g.db(), 'big_outputs')[0]?.state ?? '');
    await waitFor(finished, { what: 'the run to end', timeoutMs: 90_000, seen: () => rows() });
    expect(runsOf(g.db(), 'big_outputs')[0]?.state).toBe('success');

    // big outputs are references in their rows, small ones JSON; the files hold the JSON
    const byTask = new Map(rows().map((r) => [`${r.task_id}[${r.map_index}]`, r.value]));
    expect(byTask.get('big[-1]')).toMatch(/^@gale-output:file:big_outputs\//);
    expect(byTask.get('chunks[-1]')).toMatch(/^@gale-output:file:/);
    expect(byTask.get('measure[-1]')).toBe('[5000,5000]');
    // the scheduler expanded the mapped task over the list in a file, each instance got its chunk
    expect(['size[0]', 'size[1]', 'size[2]'].map((k) => byTask.get(k))).toEqual(['2000', '2000', '2000']);
    const runDir = join(outputsDir, 'big_outputs', encodeURIComponent(runId).replaceAll('.', '%2E'));
    expect(readdirSync(runDir).sort()).toEqual(['big', 'chunks']);
    expect(existsSync(join(runDir, 'big', '-1', 'return_value.json'))).toBe(true);

    // the API returns the value itself
    const api = await login(base, 'admin', password);
    const tiPath = (taskId: string) =>
      `/api/v2/dags/big_outputs/dagRuns/${encodeURIComponent(runId)}/taskInstances/${taskId}/xcomEntries/return_value`;
    const entry = await api<{ value: { rows: string } }>('GET', tiPath('big'));
    expect(entry.status, entry.text).toBe(200);
    expect(entry.body.value.rows).toHaveLength(5000);

    // cleared, big runs again (a small output now): its old file goes, its row holds the JSON
    const cleared = g.gale(['tasks', 'clear', 'big_outputs', '-t', '^big$', '--yes']);
    expect(cleared.code, cleared.stderr + cleared.stdout).toBe(0);
    await waitFor(() => rows().find((r) => r.task_id === 'big')?.value === '"small now"', {
      what: 'big to run again',
      timeoutMs: 90_000,
      seen: () => rows().filter((r) => r.task_id === 'big'),
    });
    expect(existsSync(join(runDir, 'big', '-1', 'return_value.json'))).toBe(false);
    expect(existsSync(join(runDir, 'chunks', '-1', 'return_value.json'))).toBe(true);
    await waitFor(finished, { what: 'the run to end again', timeoutMs: 90_000 });

    // deleting the run deletes its files
    const deleted = await api('DELETE', `/api/v2/dags/big_outputs/dagRuns/${encodeURIComponent(runId)}`);
    expect(deleted.status, deleted.text).toBe(204);
    expect(existsSync(runDir)).toBe(false);
  });

  it('with the database backend, outputs stay in their rows and no file is written', async () => {
    g = makeGaleHome();
    g.writeDag('big.ts', DAGS);
    const migrated = g.gale(['db', 'migrate']);
    expect(migrated.code, migrated.stderr).toBe(0);
    const tested = g.gale(['dags', 'test', 'big_outputs']);
    expect(tested.code, tested.stderr + tested.stdout).toBe(0);
    const byTask = new Map(rows().map((r) => [`${r.task_id}[${r.map_index}]`, r.value]));
    expect(JSON.parse(byTask.get('big[-1]') ?? 'null')).toEqual({ rows: 'x'.repeat(5000) });
    expect(byTask.get('measure[-1]')).toBe('[5000,5000]');
    expect(existsSync(join(g.home, 'outputs'))).toBe(false);
  });
});
