/** `gale dags ...`: list, show, trigger, pause, unpause, test, list-runs, list-import-errors, delete. */

import type { Command } from 'commander';
import { containerSettings } from '../containers/index.js';
import { DagProcessor } from '../dag-processing/index.js';
import {
  deleteDag,
  getLatestSerializedDag,
  listDagRuns,
  listDags,
  listImportErrors,
  recordAudit,
  requireDag,
  SerializedDagCache,
  setPaused,
} from '../db/index.js';
import { type DagRunState, GaleError } from '../models/index.js';
import { createOutputStore } from '../output-store/index.js';
import { testDag, triggerDagRun } from '../scheduler/index.js';
import { runTestRunCallback } from './dag-test-callbacks.js';
import { withEnv } from './environment.js';
import { parseOutputFormat, printObject, printRows } from './output.js';
import { secretBox } from './variables.js';

const OUTPUT = ['-o, --output <format>', 'table or json', 'table'] as const;

export function parseConf(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GaleError('GALE_ERR_CONF_INVALID', `--conf is not valid JSON: ${(error as Error).message}`, {
      hint: 'Pass a JSON object, for example --conf \'{"rows": 10}\'.',
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GaleError('GALE_ERR_CONF_INVALID', '--conf must be a JSON object', {
      hint: 'Wrap values in {}: --conf \'{"key": "value"}\'.',
    });
  }
  return value as Record<string, unknown>;
}

export function parseDateOption(text: string | undefined, name: string): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new GaleError('GALE_ERR_USAGE', `${name} "${text}" is not a date`, {
      hint: 'Use ISO 8601, for example 2026-01-31 or 2026-01-31T06:00:00Z.',
    });
  }
  return date;
}

const RUN_STATES = ['queued', 'running', 'success', 'failed'];

export function registerDagCommands(program: Command): void {
  const dags = program.command('dags').description('Manage DAGs');

  dags
    .command('list')
    .description('List the DAGs')
    .option(...OUTPUT)
    .option('--include-inactive', 'also list DAGs whose files are gone')
    .action(async (opts: { output: string; includeInactive?: boolean }) => {
      const format = parseOutputFormat(opts.output);
      await withEnv('cli', async ({ gdb }) => {
        const rows = await listDags(gdb.db, { includeInactive: opts.includeInactive });
        printRows(
          rows.map((d) => ({
            dag_id: d.dag_id,
            fileloc: d.fileloc,
            owners: d.owners,
            is_paused: d.is_paused === 1,
            is_active: d.is_active === 1,
            schedule: d.schedule_text,
            tags: JSON.parse(d.tags),
            next_dagrun: d.next_dagrun,
          })),
          [
            'dag_id',
            'fileloc',
            'owners',
            'is_paused',
            'schedule',
            'next_dagrun',
            ...(opts.includeInactive ? ['is_active'] : []),
          ],
          format,
        );
      });
    });

  dags
    .command('show <dag_id>')
    .description('Show a DAG: its details and tasks, or its graph in Graphviz DOT (--output dot)')
    .option('-o, --output <format>', 'table, json or dot', 'table')
    .action(async (dagId: string, opts: { output: string }) => {
      const output = parseOutputFormat(opts.output, ['table', 'json', 'dot'] as const);
      await withEnv('cli', async ({ gdb }) => {
        const row = await requireDag(gdb.db, dagId);
        const dag = await getLatestSerializedDag(gdb.db, dagId);
        if (output === 'dot') {
          const lines = [`digraph "${dagId}" {`, '  rankdir=LR;'];
          for (const t of dag.tasks) lines.push(`  "${t.taskId}";`);
          for (const t of dag.tasks) for (const u of t.upstream) lines.push(`  "${u}" -> "${t.taskId}";`);
          lines.push('}');
          process.stdout.write(`${lines.join('\n')}\n`);
          return;
        }
        if (output === 'json') {
          printObject(
            {
              ...dag,
              isPaused: row.is_paused === 1,
              isActive: row.is_active === 1,
              nextDagrun: row.next_dagrun,
            },
            'json',
          );
          return;
        }
        printObject(
          {
            dag_id: dag.dagId,
            description: dag.description,
            fileloc: dag.fileloc,
            schedule: dag.scheduleText,
            timetable:
              dag.schedule.type === 'cron'
                ? dag.schedule.dataIntervals
                  ? 'cron (data intervals)'
                  : 'cron (trigger)'
                : dag.schedule.type,
            start_date: dag.startDate,
            end_date: dag.endDate,
            catchup: dag.catchup,
            timezone: dag.timezone,
            max_active_runs: dag.maxActiveRuns,
            max_active_tasks: dag.maxActiveTasks,
            tags: dag.tags,
            is_paused: row.is_paused === 1,
            next_dagrun: row.next_dagrun,
          },
          'table',
        );
        process.stdout.write('\n');
        printRows(
          dag.tasks.map((t) => ({
            task_id: t.taskId,
            kind: t.kind,
            upstream: t.upstream.join(', '),
            retries: t.retries,
            pool: t.pool,
            trigger_rule: t.triggerRule,
          })),
          ['task_id', 'kind', 'upstream', 'retries', 'pool', 'trigger_rule'],
          'table',
        );
      });
    });

  dags
    .command('trigger <dag_id>')
    .description('Create a manual run; the scheduler runs it')
    .option('-c, --conf <json>', 'the run conf, a JSON object')
    .option('-l, --logical-date <date>', 'logical date of the run (default: now)')
    .option('-r, --run-id <run_id>', 'run id (default: manual__<logical date>)')
    .option(...OUTPUT)
    .action(
      async (
        dagId: string,
        opts: { conf?: string; logicalDate?: string; runId?: string; output: string },
      ) => {
        const conf = parseConf(opts.conf);
        const logicalDate = parseDateOption(opts.logicalDate, '--logical-date');
        const format = parseOutputFormat(opts.output);
        await withEnv('cli', async ({ gdb }) => {
          const run = await triggerDagRun(gdb.db, new SerializedDagCache(), {
            dagId,
            conf,
            logicalDate,
            runId: opts.runId,
            now: new Date(),
          });
          await recordAudit(gdb.db, {
            event: 'trigger',
            dagId,
            runId: run.run_id,
            extra: { conf: conf ?? {} },
          });
          printObject(
            {
              dag_id: run.dag_id,
              run_id: run.run_id,
              state: run.state,
              logical_date: run.logical_date,
              conf: JSON.parse(run.conf),
            },
            format,
          );
        });
      },
    );

  for (const [name, paused] of [
    ['pause', true],
    ['unpause', false],
  ] as const) {
    dags
      .command(`${name} <dag_id>`)
      .description(
        paused
          ? 'Pause a DAG: no new scheduled runs'
          : 'Unpause a DAG: scheduled runs resume (without catchup, from now)',
      )
      .action(async (dagId: string) => {
        await withEnv('cli', async ({ gdb }) => {
          await setPaused(gdb.db, dagId, paused, new Date());
          await recordAudit(gdb.db, { event: name, dagId });
          process.stdout.write(`Dag: ${dagId}, paused: ${paused}\n`);
        });
      });
  }

  dags
    .command('test <dag_id>')
    .description('Run one DAG run in this process, task after task, with logs here (retries run at once)')
    .option('-c, --conf <json>', 'the run conf, a JSON object')
    .option('-l, --logical-date <date>', 'logical date of the run (default: now)')
    .action(async (dagId: string, opts: { conf?: string; logicalDate?: string }) => {
      const conf = parseConf(opts.conf);
      const logicalDate = parseDateOption(opts.logicalDate, '--logical-date');
      await withEnv('cli', async (env) => {
        const { gdb, loaded, log } = env;
        // Parse new and changed files first, so a DAG written a moment ago is there.
        await new DagProcessor({ db: gdb, config: loaded, log }).processOnce();
        const c = loaded.config;
        const run = await testDag({
          gdb,
          secrets: secretBox(env),
          dagId,
          conf,
          logicalDate,
          baseLogFolder: c.logging.base_log_folder,
          maxOutputSize: c.core.max_output_size,
          outputs: createOutputStore(c),
          maxMapLength: c.core.max_map_length,
          killGraceMs: c.core.killed_task_cleanup_time * 1000,
          containers: containerSettings(c),
          echo: (line) => process.stdout.write(line),
        });
        const tis = await gdb.db
          .selectFrom('task_instance')
          .select(['task_id', 'map_index', 'state', 'try_number'])
          .where('dag_id', '=', dagId)
          .where('run_id', '=', run.run_id)
          .orderBy('task_id')
          .orderBy('map_index')
          .execute();
        process.stdout.write('\n');
        // the map index column only when a task is mapped
        const isMapped = tis.some((t) => t.map_index >= 0);
        printRows(tis, ['task_id', ...(isMapped ? ['map_index'] : []), 'state', 'try_number'], 'table');
        process.stdout.write(`\nDAG run ${run.run_id}: ${run.state}\n`);
        await runTestRunCallback(gdb.db, run, c.dag_processor.callback_timeout * 1000);
        if (run.state !== 'success') process.exitCode = 1;
      });
    });

  dags
    .command('list-runs <dag_id>')
    .description('List the runs of a DAG, newest first')
    .option('--state <state>', `only runs in this state (${RUN_STATES.join(', ')})`)
    .option('--limit <n>', 'at most this many runs', '100')
    .option(...OUTPUT)
    .action(async (dagId: string, opts: { state?: string; limit: string; output: string }) => {
      const format = parseOutputFormat(opts.output);
      if (opts.state && !RUN_STATES.includes(opts.state)) {
        throw new GaleError(
          'GALE_ERR_USAGE',
          `--state must be one of ${RUN_STATES.join(', ')}, not "${opts.state}"`,
        );
      }
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new GaleError('GALE_ERR_USAGE', `--limit must be a positive integer, not "${opts.limit}"`);
      await withEnv('cli', async ({ gdb }) => {
        await requireDag(gdb.db, dagId);
        const runs = await listDagRuns(gdb.db, {
          dagId,
          state: opts.state as DagRunState | undefined,
          limit,
        });
        printRows(
          runs.map((r) => ({ ...r, conf: JSON.parse(r.conf) })),
          [
            'dag_id',
            'run_id',
            'run_type',
            'state',
            'logical_date',
            'data_interval_start',
            'data_interval_end',
            'start_date',
            'end_date',
            'conf',
          ],
          format,
        );
      });
    });

  dags
    .command('list-import-errors')
    .description('List DAG files that failed to load, with the error')
    .option(...OUTPUT)
    .action(async (opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      await withEnv('cli', async ({ gdb }) => {
        printRows(await listImportErrors(gdb.db), ['filename', 'message', 'timestamp'], format);
      });
    });

  dags
    .command('delete <dag_id>')
    .description('Delete a DAG and all its runs, task instances and outputs (the file is left alone)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (dagId: string, opts: { yes?: boolean }) => {
      if (!opts.yes)
        throw new GaleError('GALE_ERR_USAGE', `Deleting DAG "${dagId}" removes all its history`, {
          hint: 'Add --yes to confirm.',
        });
      await withEnv('cli', async ({ gdb, loaded }) => {
        await deleteDag(gdb.db, dagId);
        await createOutputStore(loaded.config).delete({ dagId });
        await recordAudit(gdb.db, { event: 'delete_dag', dagId });
        process.stdout.write(`Deleted DAG ${dagId} and its history\n`);
      });
    });
}
