/** `gale tasks ...`: list, test, state, clear, states-for-dag-run, run-workload. */

import type { Command } from 'commander';
import { containerSettings } from '../containers/index.js';
import { loadDag } from '../dag-processing/index.js';
import {
  getLatestSerializedDag,
  getRenderedFields,
  listTaskInstances,
  requireDag,
  requireDagRun,
  requireTaskInstance,
} from '../db/index.js';
import { GaleError, manualRunInfo } from '../models/index.js';
import { createOutputStore } from '../output-store/index.js';
import { createTaskLogger } from '../runner/index.js';
import { parseDateOption } from './dags.js';
import { withEnv } from './environment.js';
import { parseOutputFormat, printRows } from './output.js';
import { executeTaskForTest } from './task-test.js';
import { registerTasksClear } from './tasks-clear.js';
import { secretBox } from './variables.js';

const OUTPUT = ['-o, --output <format>', 'table or json', 'table'] as const;
const MAP_INDEX = [
  '--map-index <n>',
  'the instance of a mapped task (0, 1, ...); -1 for an unmapped task',
  '-1',
] as const;

/** --map-index: -1 (unmapped) or a map index of a mapped task. */
function parseMapIndex(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < -1) {
    throw new GaleError('GALE_ERR_USAGE', `--map-index must be a whole number from -1, not "${text}"`, {
      hint: 'Mapped task instances have map indexes 0, 1, ...; unmapped ones -1 (the default).',
    });
  }
  return n;
}

export function registerTaskCommands(program: Command): void {
  const tasks = program.command('tasks').description('Manage task instances');

  tasks
    .command('list <dag_id>')
    .description('List the tasks of a DAG')
    .option(...OUTPUT)
    .action(async (dagId: string, opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      await withEnv('cli', async ({ gdb }) => {
        const dag = await getLatestSerializedDag(gdb.db, dagId);
        printRows(
          dag.tasks.map((t) => ({
            task_id: t.taskId,
            kind: t.kind,
            upstream: t.upstream,
            trigger_rule: t.triggerRule,
            retries: t.retries,
            pool: t.pool,
            owner: t.owner,
          })),
          ['task_id', 'kind', 'upstream', 'trigger_rule', 'retries', 'pool', 'owner'],
          format,
        );
      });
    });

  tasks
    .command('test <dag_id> <task_id> [logical_date]')
    .description(
      'Run one task in this process, without recording state; upstream outputs come from --run-id if given',
    )
    .option('-r, --run-id <run_id>', 'take the run (conf, dates, upstream outputs) from this existing run')
    .option(...MAP_INDEX)
    .action(
      async (
        dagId: string,
        taskId: string,
        logicalDateText: string | undefined,
        opts: { runId?: string; mapIndex: string },
      ) => {
        const logicalDate = parseDateOption(logicalDateText, 'logical_date');
        const mapIndex = parseMapIndex(opts.mapIndex);
        await withEnv('cli', async (env) => {
          const { gdb, loaded } = env;
          const row = await requireDag(gdb.db, dagId);
          const dag = await loadDag(row.fileloc, dagId);
          const node = dag.getTask(taskId);
          const run = opts.runId ? await requireDagRun(gdb.db, dagId, opts.runId) : null;
          const info = manualRunInfo(logicalDate ?? new Date());
          const log = createTaskLogger((line) => process.stdout.write(line));
          const output = await executeTaskForTest({
            gdb,
            secrets: secretBox(env),
            dag,
            node,
            run,
            info,
            log,
            killGraceMs: loaded.config.core.killed_task_cleanup_time * 1000,
            outputs: createOutputStore(loaded.config),
            containers: containerSettings(loaded.config),
            mapIndex,
          });
          process.stdout.write(`Output: ${JSON.stringify(output) ?? 'none'}\n`);
        });
      },
    );

  tasks
    .command('render <dag_id> <task_id> [logical_date]')
    .description(
      "Print a task's rendered template fields: as a try of --run-id rendered them, or rendered now",
    )
    .option('-r, --run-id <run_id>', 'show what the tries of this run rendered (the latest, or --try)')
    .option('--try <n>', 'with --run-id: this try')
    .option(...MAP_INDEX)
    .action(
      async (
        dagId: string,
        taskId: string,
        logicalDateText: string | undefined,
        opts: { runId?: string; try?: string; mapIndex: string },
      ) => {
        const logicalDate = parseDateOption(logicalDateText, 'logical_date');
        const mapIndex = parseMapIndex(opts.mapIndex);
        const tryNumber = opts.try === undefined ? undefined : Number(opts.try);
        if (tryNumber !== undefined && (!Number.isInteger(tryNumber) || tryNumber < 1)) {
          throw new GaleError('GALE_ERR_USAGE', `--try must be a positive whole number, not "${opts.try}"`);
        }
        await withEnv('cli', async (env) => {
          const { gdb, loaded } = env;
          const row = await requireDag(gdb.db, dagId);
          const run = opts.runId ? await requireDagRun(gdb.db, dagId, opts.runId) : null;
          let fields: Record<string, unknown> | undefined;
          if (run) {
            const stored = await getRenderedFields(gdb.db, {
              dagId,
              runId: run.run_id,
              taskId,
              mapIndex,
              tryNumber,
            });
            if (stored) {
              process.stdout.write(`# rendered by try ${stored.tryNumber} of run ${run.run_id}\n`);
              fields = stored.fields;
            }
          }
          if (!fields) {
            const dag = await loadDag(row.fileloc, dagId);
            fields = (await executeTaskForTest({
              gdb,
              secrets: secretBox(env),
              dag,
              node: dag.getTask(taskId),
              run,
              info: manualRunInfo(logicalDate ?? new Date()),
              log: createTaskLogger((line) => process.stderr.write(line)),
              killGraceMs: loaded.config.core.killed_task_cleanup_time * 1000,
              outputs: createOutputStore(loaded.config),
              renderOnly: true,
            })) as Record<string, unknown>;
          }
          if (Object.keys(fields).length === 0) process.stdout.write('(this task has no template fields)\n');
          for (const [name, value] of Object.entries(fields)) {
            process.stdout.write(`# ${'-'.repeat(58)}\n# property: ${name}\n# ${'-'.repeat(58)}\n`);
            process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n\n`);
          }
        });
      },
    );

  tasks
    .command('state <dag_id> <run_id> <task_id>')
    .description('Print the state of a task instance')
    .option(...MAP_INDEX)
    .action(async (dagId: string, runId: string, taskId: string, opts: { mapIndex: string }) => {
      const mapIndex = parseMapIndex(opts.mapIndex);
      await withEnv('cli', async ({ gdb }) => {
        const ti = await requireTaskInstance(gdb.db, { dagId, runId, taskId, mapIndex });
        process.stdout.write(`${ti.state}\n`);
      });
    });

  tasks
    .command('states-for-dag-run <dag_id> <run_id>')
    .description('List the task instances of a run with their states')
    .option(...OUTPUT)
    .action(async (dagId: string, runId: string, opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      await withEnv('cli', async ({ gdb }) => {
        await requireDagRun(gdb.db, dagId, runId);
        printRows(
          await listTaskInstances(gdb.db, dagId, runId),
          [
            'task_id',
            'map_index',
            'state',
            'try_number',
            'start_date',
            'end_date',
            'duration',
            'pool',
            'hostname',
            'pid',
          ],
          format,
        );
      });
    });

  registerTasksClear(tasks);

  tasks
    .command('run-workload', { hidden: true })
    .description(
      "Run the try described by GALE_TASK_WORKLOAD and exit (what the kubernetes executor's task pods run)",
    )
    .action(async () => {
      if (!process.env.GALE_TASK_WORKLOAD) {
        throw new GaleError('GALE_ERR_USAGE', 'gale tasks run-workload needs GALE_TASK_WORKLOAD', {
          hint: 'This command is the entry of task pods: the kubernetes executor sets GALE_TASK_WORKLOAD, GALE_EXECUTION_API_URL and GALE_EXECUTION_API_TOKEN.',
        });
      }
      // The task process itself: runs the try and exits with its code.
      await import('../runner/main.js');
    });
}
