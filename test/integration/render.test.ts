/** Rendered template fields are stored per try and shown by gale tasks render, or rendered on demand. */
import { afterEach, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome } from '../support/gale-home.js';

let g: GaleHome;
afterEach(() => g?.cleanup());

it('gale tasks render shows what a try rendered, and renders a task for any logical date', () => {
  g = makeGaleHome();
  g.writeDag(
    'render.ts',
    `import { dag, shell, task } from 'gale/sdk';
     dag({ dagId: 'render_me', params: { who: 'gale' } }, () => {
       shell('greet', { command: 'echo "hello {{ params.who }} on {{ ds }}"', env: { DAY: '{{ ds_nodash }}' }, appendEnv: true });
       task('plain', () => 1)();
     });`,
  );
  expect(g.gale(['db', 'migrate']).code).toBe(0);
  const test = g.gale([
    'dags',
    'test',
    'render_me',
    '--conf',
    '{"who": "world"}',
    '--logical-date',
    '2026-03-04',
  ]);
  expect(test.code, test.stdout + test.stderr).toBe(0);
  const runId = (
    g.db().prepare("select run_id from dag_run where dag_id = 'render_me'").get() as { run_id: string }
  ).run_id;

  const stored = g.gale(['tasks', 'render', 'render_me', 'greet', '--run-id', runId]);
  expect(stored.code, stored.stderr).toBe(0);
  expect(stored.stdout).toContain(`# rendered by try 1 of run ${runId}`);
  expect(stored.stdout).toContain('echo "hello world on 2026-03-04"');
  expect(stored.stdout).toContain('"DAY": "20260304"');

  const now = g.gale(['tasks', 'render', 'render_me', 'greet', '2026-12-25']);
  expect(now.code, now.stderr).toBe(0);
  expect(now.stdout).toContain('echo "hello gale on 2026-12-25"');
  expect(g.gale(['tasks', 'render', 'render_me', 'plain']).stdout).toContain('has no template fields');
  expect(g.gale(['tasks', 'render', 'render_me', 'greet', '--run-id', runId, '--try', 'x']).stderr).toContain(
    '--try must be',
  );
});
