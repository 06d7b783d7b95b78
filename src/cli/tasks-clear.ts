/**
 * `gale tasks clear`, as Airflow's `airflow tasks clear`: clears the task instances of a DAG's runs
 * so that they run again; -t picks tasks by regex, -u/-d add their upstream/downstream tasks,
 * -s/-e pick runs by logical date, -f only failed ones, --dry-run lists what would be cleared.
 * A cleared work task takes its setups and teardowns along, as Airflow's clear does.
 */
import type { Command } from 'commander';
import {
  clearTaskInstances,
  type DagRunRow,
  listDagRuns,
  listTaskInstances,
  recordAudit,
  requireDag,
  requireDagRun,
  SerializedDagCache,
} from '../db/index.js';
import { GaleError, type SerializedDag, taskGraph, tasksToClear } from '../models/index.js';
import { parseDateOption } from './dags.js';
import { withEnv } from './environment.js';

interface ClearOptions {
  runId?: string;
  taskRegex?: string;
  upstream?: boolean;
  downstream?: boolean;
  onlyFailed?: boolean;
  startDate?: string;
  endDate?: string;
  dryRun?: boolean;
  yes?: boolean;
}

function parseRegex(text: string | undefined): RegExp | null {
  if (!text) return null;
  try {
    return new RegExp(text);
  } catch (error) {
    throw new GaleError(
      'GALE_ERR_USAGE',
      `--task-regex is not a valid regular expression: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** The tasks of `dag` to clear: those matching the regex, their relatives, setups and teardowns. */
export function taskIdsToClear(dag: SerializedDag, regex: RegExp | null, opts: ClearOptions): string[] {
  const matched = dag.tasks.map((t) => t.taskId).filter((id) => !regex || regex.test(id));
  if (matched.length === 0) return [];
  return tasksToClear(taskGraph(dag.tasks), matched, {
    upstream: opts.upstream,
    downstream: opts.downstream,
  });
}

function inDateRange(run: DagRunRow, start: Date | undefined, end: Date | undefined): boolean {
  const t = Date.parse(run.logical_date);
  return (!start || t >= start.getTime()) && (!end || t <= end.getTime());
}

export function registerTasksClear(tasks: Command): void {
  tasks
    .command('clear <dag_id>')
    .description('Clear task instances so they run again (all runs unless --run-id or a date range)')
    .option('-r, --run-id <run_id>', 'only this run')
    .option('-t, --task-regex <regex>', 'only tasks whose id matches')
    .option('-u, --upstream', "also the matched tasks' upstream tasks")
    .option('-d, --downstream', "also the matched tasks' downstream tasks")
    .option('-f, --only-failed', 'only failed and upstream_failed task instances')
    .option('-s, --start-date <date>', 'only runs with a logical date at or after this')
    .option('-e, --end-date <date>', 'only runs with a logical date at or before this')
    .option('--dry-run', 'only list what would be cleared')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (dagId: string, opts: ClearOptions) => {
      const regex = parseRegex(opts.taskRegex);
      const start = parseDateOption(opts.startDate, '--start-date');
      const end = parseDateOption(opts.endDate, '--end-date');
      if (!opts.yes && !opts.dryRun)
        throw new GaleError('GALE_ERR_USAGE', 'Clearing makes tasks run again', {
          hint: 'Add --yes to confirm, or --dry-run to list what would be cleared.',
        });
      await withEnv('cli', async ({ gdb }) => {
        await requireDag(gdb.db, dagId);
        const runs = opts.runId
          ? [await requireDagRun(gdb.db, dagId, opts.runId)]
          : await listDagRuns(gdb.db, { dagId });
        const cache = new SerializedDagCache();
        let total = 0;
        for (const run of runs.filter((r) => inDateRange(r, start, end))) {
          // each run by the DAG version it was created with
          const dag = await cache.get(gdb.db, dagId, run.dag_version_hash);
          const taskIds = taskIdsToClear(dag, regex, opts);
          if (taskIds.length === 0) continue;
          let cleared: string[];
          if (opts.dryRun) {
            // the same choice clearTaskInstances makes
            cleared = (await listTaskInstances(gdb.db, dagId, run.run_id))
              .filter((ti) => taskIds.includes(ti.task_id) && ti.state !== 'running' && ti.state !== 'queued')
              .filter((ti) => !opts.onlyFailed || ti.state === 'failed' || ti.state === 'upstream_failed')
              .map((ti) => (ti.map_index >= 0 ? `${ti.task_id}[${ti.map_index}]` : ti.task_id));
          } else {
            cleared = await clearTaskInstances(gdb.db, {
              dagId,
              runId: run.run_id,
              taskIds,
              onlyFailed: opts.onlyFailed,
              retriesByTask: new Map(dag.tasks.map((t) => [t.taskId, t.retries])),
              now: new Date(),
            });
            if (cleared.length > 0)
              await recordAudit(gdb.db, {
                event: 'clear',
                dagId,
                runId: run.run_id,
                extra: { taskIds: cleared },
              });
          }
          for (const id of cleared)
            process.stdout.write(`${opts.dryRun ? 'would clear' : 'cleared'} ${run.run_id} ${id}\n`);
          total += cleared.length;
        }
        process.stdout.write(`${total} task instance(s) ${opts.dryRun ? 'would be cleared' : 'cleared'}\n`);
      });
    });
}
