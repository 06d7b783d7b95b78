/**
 * DAG files that fail to load: each records an import error that says what went wrong, the good
 * DAGs beside them keep running, a fixed file clears its error, and a deleted file retires its DAG.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type GaleHome, makeGaleHome, runsOf, taskStates, waitFor } from '../support/gale-home.js';

interface ImportErrorJson {
  filename: string;
  message: string;
  timestamp: string;
}

interface DagJson {
  dag_id: string;
  is_active?: boolean;
}

function importErrors(g: GaleHome): ImportErrorJson[] {
  const r = g.gale(['dags', 'list-import-errors', '-o', 'json']);
  if (r.code !== 0) throw new Error(`list-import-errors failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ImportErrorJson[];
}

function dagIds(g: GaleHome): string[] {
  const r = g.gale(['dags', 'list', '-o', 'json']);
  if (r.code !== 0) throw new Error(`dags list failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as DagJson[]).map((d) => d.dag_id);
}

// Polling reads the database directly: a CLI process per poll would load the 2 cores it waits on.
function storedImportErrors(g: GaleHome): { filename: string; message: string }[] {
  return g.db().prepare('select filename, message from import_error order by filename').all() as never;
}

function activeDagIds(g: GaleHome): string[] {
  const rows = g.db().prepare('select dag_id from dag where is_active = 1 order by dag_id').all();
  return (rows as { dag_id: string }[]).map((r) => r.dag_id);
}

const POLL = { intervalMs: 250 } as const;

const GOOD = `
import { dag, task } from 'gale/sdk';
dag({ dagId: 'good', schedule: '@once', startDate: '2026-01-01T00:00:00Z' }, () => {
  task('hello', () => 'hello from good')();
});
`;

/** The broken files, and what the import error of each must say. */
const BROKEN: { file: string; source: string; message: RegExp[] }[] = [
  {
    file: 'syntax_error.ts',
    source: `import { dag, task } from 'gale/sdk';\ndag({ dagId: 'syntax_error' }, () => {\n  task('t', () => 1)(;\n});\n`,
    message: [/syntax_error\.ts:3:\d+/, /unexpected/i],
  },
  {
    file: 'throws.ts',
    source: `import { dag } from 'gale/sdk';\nthrow new Error('cannot reach the warehouse');\n`,
    message: [/cannot reach the warehouse/],
  },
  {
    file: 'cycle.ts',
    source: `import { dag, task } from 'gale/sdk';
dag({ dagId: 'cycle' }, () => {
  const a = task('a', () => 1)();
  const b = task('b', () => 2)();
  a.then(b);
  b.then(a);
});
`,
    message: [/"cycle"/, /cycle/, /a -> b -> a/],
  },
  {
    file: 'unknown_pool.ts',
    source: `import { dag, task } from 'gale/sdk';
dag({ dagId: 'pooled' }, () => {
  task({ taskId: 'needs_pool', pool: 'no_such_pool' }, () => 1)();
});
`,
    message: [/"pooled"/, /"needs_pool"/, /"no_such_pool"/, /does not exist/],
  },
  {
    file: 'exits.ts',
    source: `import { dag } from 'gale/sdk';\nprocess.exit(1);\n`,
    message: [/exits\.ts/, /exit code 1/],
  },
];

describe('DAG import errors', () => {
  let g: GaleHome;
  afterEach(() => g?.cleanup());

  it('each broken DAG file records an import error saying why, while a good DAG beside them runs', async () => {
    g = makeGaleHome();
    g.writeDag('good.ts', GOOD);
    for (const b of BROKEN) g.writeDag(b.file, b.source);
    const standalone = g.start(['standalone']);

    await waitFor(() => storedImportErrors(g).length === BROKEN.length, {
      ...POLL,
      what: 'an import error for every broken file',
      seen: () => ({ errors: storedImportErrors(g), out: standalone.output().slice(-3000) }),
    });
    const errors = importErrors(g);
    expect(errors.map((e) => e.filename).sort()).toEqual(BROKEN.map((b) => join(g.dags, b.file)).sort());
    for (const b of BROKEN) {
      const error = errors.find((e) => e.filename === join(g.dags, b.file));
      for (const pattern of b.message) expect(error?.message, b.file).toMatch(pattern);
    }
    // No broken file's DAG made it in; the good one did.
    expect(dagIds(g)).toEqual(['good']);

    // The good DAG's scheduled (@once) run and a triggered run both succeed.
    const trigger = g.gale(['dags', 'trigger', 'good', '-o', 'json']);
    expect(trigger.code, trigger.stderr).toBe(0);
    await waitFor(
      () => {
        const runs = runsOf(g.db(), 'good');
        return runs.length === 2 && runs.every((r) => r.state === 'success');
      },
      {
        ...POLL,
        what: 'the scheduled and the triggered run of "good" to succeed',
        seen: () => ({ runs: runsOf(g.db(), 'good'), states: taskStates(g.db(), 'good') }),
      },
    );
    const runTypes = g
      .db()
      .prepare("select run_type from dag_run where dag_id = 'good' order by run_type")
      .all() as { run_type: string }[];
    expect(runTypes.map((r) => r.run_type)).toEqual(['manual', 'scheduled']);
    await standalone.stop();
  });

  it('a file that never finishes importing is killed after file_parsing_timeout, and the good DAG still runs', async () => {
    g = makeGaleHome();
    g.writeDag('good.ts', GOOD);
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    // Parse the good DAG first with the roomy default timeout: a 2 s timeout also counts the parse
    // process's start-up, which on a busy machine can take that long for any file.
    const processor = g.start(['dag-processor']);
    await waitFor(() => activeDagIds(g).includes('good'), {
      ...POLL,
      what: 'DAG "good" to be parsed',
      seen: () => processor.output().slice(-2000),
    });
    await processor.stop();

    const endless = g.writeDag('endless.ts', `import { dag } from 'gale/sdk';\nwhile (true) {}\n`);
    const standalone = g.start(['standalone'], { GALE__DAG_PROCESSOR__FILE_PARSING_TIMEOUT: '2' });
    await waitFor(() => storedImportErrors(g).some((e) => e.filename === endless), {
      ...POLL,
      what: 'the import error of endless.ts',
      seen: () => standalone.output().slice(-2000),
    });
    const error = importErrors(g).find((e) => e.filename === endless);
    expect(error?.message).toMatch(/endless\.ts took longer than 2s .*file_parsing_timeout/);

    expect(dagIds(g)).toEqual(['good']);
    const trigger = g.gale(['dags', 'trigger', 'good', '-o', 'json']);
    expect(trigger.code, trigger.stderr).toBe(0);
    const runId = JSON.parse(trigger.stdout).run_id as string;
    await waitFor(() => runsOf(g.db(), 'good').find((r) => r.run_id === runId)?.state === 'success', {
      ...POLL,
      what: 'the triggered run of "good" to succeed',
      seen: () => ({ runs: runsOf(g.db(), 'good'), out: standalone.output().slice(-2000) }),
    });
    await standalone.stop();
  });

  it('rewriting a broken file clears its import error and its DAG appears', async () => {
    g = makeGaleHome();
    g.writeDag('fixme.ts', `import { dag } from 'gale/sdk';\nthrow new Error('not written yet');\n`);
    expect(g.gale(['db', 'migrate']).code).toBe(0);
    const processor = g.start(['dag-processor']);
    await waitFor(() => storedImportErrors(g).some((e) => e.message.includes('not written yet')), {
      ...POLL,
      what: 'the import error of fixme.ts',
      seen: () => processor.output().slice(-2000),
    });
    expect(importErrors(g)).toEqual([
      expect.objectContaining({ filename: join(g.dags, 'fixme.ts'), message: 'not written yet' }),
    ]);
    expect(dagIds(g)).toEqual([]);

    g.writeDag(
      'fixme.ts',
      `import { dag, task } from 'gale/sdk';\ndag({ dagId: 'fixed' }, () => { task('t', () => 1)(); });\n`,
    );
    await waitFor(() => storedImportErrors(g).length === 0 && activeDagIds(g).includes('fixed'), {
      ...POLL,
      what: 'the import error to go and DAG "fixed" to appear',
      seen: () => ({ errors: storedImportErrors(g), dags: activeDagIds(g) }),
    });
    expect(importErrors(g)).toEqual([]);
    expect(dagIds(g)).toEqual(['fixed']);
    await processor.stop();
  });

  it('deleting a DAG file makes its DAG inactive but keeps its runs', async () => {
    g = makeGaleHome();
    const file = g.writeDag(
      'doomed.ts',
      `import { dag, task } from 'gale/sdk';\ndag({ dagId: 'doomed' }, () => { task('t', () => 1)(); });\n`,
    );
    g.writeDag(
      'stays.ts',
      `import { dag, task } from 'gale/sdk';\ndag({ dagId: 'stays' }, () => { task('t', () => 1)(); });\n`,
    );
    const standalone = g.start(['standalone']);
    await waitFor(() => activeDagIds(g).includes('doomed'), {
      ...POLL,
      what: 'DAG "doomed" to be parsed',
      seen: () => standalone.output().slice(-2000),
    });
    const trigger = g.gale(['dags', 'trigger', 'doomed', '-o', 'json']);
    expect(trigger.code, trigger.stderr).toBe(0);
    const runId = JSON.parse(trigger.stdout).run_id as string;
    await waitFor(() => runsOf(g.db(), 'doomed')[0]?.state === 'success', {
      ...POLL,
      what: 'the run of "doomed" to succeed',
      seen: () => taskStates(g.db(), 'doomed'),
    });

    rmSync(file);
    await waitFor(() => !activeDagIds(g).includes('doomed'), {
      ...POLL,
      what: 'DAG "doomed" to become inactive',
      seen: () => activeDagIds(g),
    });
    expect(dagIds(g)).toEqual(['stays']);
    const all = JSON.parse(g.gale(['dags', 'list', '--include-inactive', '-o', 'json']).stdout) as DagJson[];
    expect(all).toEqual([
      expect.objectContaining({ dag_id: 'doomed', is_active: false }),
      expect.objectContaining({ dag_id: 'stays', is_active: true }),
    ]);
    expect(runsOf(g.db(), 'doomed').map((r) => [r.run_id, r.state])).toEqual([[runId, 'success']]);
    expect(importErrors(g)).toEqual([]);
    await standalone.stop();
  });
});
