/**
 * `npm run bench`: starts Gale standalone on a fresh GALE_HOME (SQLite, local executor) and measures
 * what users compare orchestrators on: time to ready, idle memory, the gap from one task's end to
 * the next one's start along a chain, and no-op tasks completed per second. Prints a table and
 * writes bench-results/<timestamp>.json (or into `--out <dir>`). `--quick` uses small sizes (for
 * the smoke test).
 * Never asserts a timing: it reports them.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { treeRssMb } from './process-tree.js';

const CLI = resolve(import.meta.dirname, '../cli/main.js');
const ROOT = resolve(import.meta.dirname, '../..');

interface Figure {
  name: string;
  value: number;
  unit: string;
  /** how many measurements the value is the median of */
  repetitions: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor(s.length / 2)]!;
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function until<T>(check: () => T, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const chainLength = quick ? 5 : 20;
  const wide = quick ? 10 : 200;
  const home = mkdtempSync(join(tmpdir(), 'gale-bench-'));
  mkdirSync(join(home, 'dags'));
  writeFileSync(
    join(home, 'dags', 'bench.ts'),
    `import { chain, dag, task } from 'gale/sdk';
     const noop = task('noop', () => undefined);
     dag({ dagId: 'bench_chain' }, () => { chain(...Array.from({ length: ${chainLength} }, () => noop())); });
     dag({ dagId: 'bench_wide', maxActiveTasks: ${wide} }, () => { for (let i = 0; i < ${wide}; i++) noop(); });`,
  );
  const env = {
    ...process.env,
    GALE_HOME: home,
    GALE__CORE__LOAD_EXAMPLES: 'false',
    GALE__CORE__PARALLELISM: '32',
    GALE__API__PORT: '0',
    GALE__METRICS__PORT: '0',
  };
  const gale = (...args: string[]) =>
    execFileSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
  const figures: Figure[] = [];
  let standalone: ChildProcess | null = null;
  try {
    const started = performance.now();
    standalone = spawn(process.execPath, [CLI, 'standalone'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    standalone.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    await until(() => log.includes('standalone is ready'), 60_000, 'standalone to be ready');
    figures.push({
      name: 'standalone ready',
      value: Math.round(performance.now() - started),
      unit: 'ms',
      repetitions: 1,
    });
    const db = new Database(join(home, 'gale.db'), { readonly: true });
    await until(
      () => db.prepare("select count(*) as n from dag where dag_id like 'bench_%'").get() as { n: number },
      30_000,
      'DAGs',
    );
    await new Promise((r) => setTimeout(r, quick ? 500 : 5000));
    figures.push({
      name: 'idle RSS, standalone process tree',
      value: treeRssMb(standalone.pid!),
      unit: 'MB',
      repetitions: 1,
    });

    const runToEnd = async (dagId: string, sample?: () => void) => {
      const runId = (JSON.parse(gale('dags', 'trigger', dagId, '-o', 'json')) as { run_id: string }).run_id;
      await until(
        () => {
          sample?.();
          const run = db
            .prepare('select state from dag_run where dag_id = ? and run_id = ?')
            .get(dagId, runId) as { state: string } | undefined;
          return run && ['success', 'failed'].includes(run.state);
        },
        600_000,
        `${dagId} to finish`,
      );
      return db
        .prepare(
          'select start_date, end_date from task_instance where dag_id = ? and run_id = ? order by start_date',
        )
        .all(dagId, runId) as { start_date: string; end_date: string }[];
    };

    const chainRows = await runToEnd('bench_chain');
    const gaps = chainRows
      .slice(1)
      .map((r, i) => Date.parse(r.start_date) - Date.parse(chainRows[i]!.end_date));
    figures.push({
      name: `chain of ${chainLength}: gap end -> next start, p50`,
      value: median(gaps),
      unit: 'ms',
      repetitions: gaps.length,
    });
    figures.push({
      name: `chain of ${chainLength}: gap end -> next start, p95`,
      value: percentile(gaps, 95),
      unit: 'ms',
      repetitions: gaps.length,
    });
    figures.push({
      name: `chain of ${chainLength}: gap end -> next start, max`,
      value: Math.max(...gaps),
      unit: 'ms',
      repetitions: gaps.length,
    });
    const chainWall = Date.parse(chainRows.at(-1)!.end_date) - Date.parse(chainRows[0]!.start_date);
    figures.push({
      name: `chain of ${chainLength}: wall time`,
      value: chainWall,
      unit: 'ms',
      repetitions: 1,
    });

    // The first wide run starts the warm task processes it needs; the second finds them started.
    for (const pool of ['cold', 'warm']) {
      let peak = 0;
      const wideRows = await runToEnd('bench_wide', () => {
        peak = Math.max(peak, treeRssMb(standalone!.pid!));
      });
      const first = Math.min(...wideRows.map((r) => Date.parse(r.start_date)));
      const last = Math.max(...wideRows.map((r) => Date.parse(r.end_date)));
      const perSecond = Math.round((wide / ((last - first) / 1000)) * 10) / 10;
      figures.push({
        name: `${wide} parallel no-op tasks (${pool} pool): tasks per second`,
        value: perSecond,
        unit: 'tasks/s',
        repetitions: 1,
      });
      figures.push({
        name: `${wide} parallel no-op tasks (${pool} pool): peak RSS, process tree`,
        value: peak,
        unit: 'MB',
        repetitions: 1,
      });
    }
    db.close();
  } finally {
    if (standalone && standalone.exitCode === null) {
      const exited = new Promise((r) => standalone!.once('exit', r));
      standalone.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    // Warm task processes leave on their own once the scheduler is gone.
    await new Promise((r) => setTimeout(r, 1000));
    try {
      rmSync(home, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch (error) {
      process.stderr.write(`bench: could not remove ${home}: ${String(error)}\n`);
    }
  }
  const width = Math.max(...figures.map((f) => f.name.length));
  for (const f of figures)
    process.stdout.write(`${f.name.padEnd(width)}  ${String(f.value).padStart(8)} ${f.unit}\n`);
  const commit =
    spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() || null;
  const result = {
    createdAt: new Date().toISOString(),
    quick,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? null,
      node: process.version,
      platform: process.platform,
    },
    commit,
    database: 'sqlite',
    executor: 'local',
    figures,
  };
  const outIndex = process.argv.indexOf('--out');
  const dir =
    outIndex > 0 && process.argv[outIndex + 1]
      ? resolve(process.argv[outIndex + 1]!)
      : join(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.createdAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`\nwrote ${file}\n`);
}

await main();
