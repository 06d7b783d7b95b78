/**
 * `gale backfill ...`: create (or --dry-run), list, pause, unpause, cancel. The command only records
 * the backfill; the scheduler creates and starts its runs.
 */
import type { Command } from 'commander';
import {
  type BackfillRow,
  backfillRunCounts,
  cancelBackfill,
  getDag,
  listBackfills,
  recordAudit,
  SerializedDagCache,
  setBackfillPaused,
} from '../db/index.js';
import { GaleError, REPROCESS_BEHAVIORS, type ReprocessBehavior } from '../models/index.js';
import { createBackfill, dryRunBackfill } from '../scheduler/index.js';
import { parseConf, parseDateOption } from './dags.js';
import { withEnv } from './environment.js';
import { parseOutputFormat, printObject, printRows } from './output.js';

const OUTPUT = ['-o, --output <format>', 'table or json', 'table'] as const;
const COLUMNS = [
  'id',
  'dag_id',
  'from_date',
  'to_date',
  'reprocess_behavior',
  'max_active_runs',
  'run_backwards',
  'is_paused',
  'runs',
  'created_at',
  'completed_at',
];

interface CreateOptions {
  dag: string;
  from: string;
  to: string;
  reprocessBehavior: string;
  maxActiveRuns?: string;
  runBackwards?: boolean;
  dryRun?: boolean;
  conf?: string;
  output: string;
}

function parseId(text: string): number {
  if (!/^\d+$/.test(text)) throw new GaleError('GALE_ERR_USAGE', `A backfill id is a number, not "${text}"`);
  return Number(text);
}

function parseReprocess(text: string): ReprocessBehavior {
  if ((REPROCESS_BEHAVIORS as string[]).includes(text)) return text as ReprocessBehavior;
  throw new GaleError(
    'GALE_ERR_USAGE',
    `--reprocess-behavior must be ${REPROCESS_BEHAVIORS.join(', ')}, not "${text}"`,
  );
}

function parseMaxActiveRuns(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new GaleError('GALE_ERR_USAGE', `--max-active-runs must be a whole number >= 1, not "${text}"`);
  return Number(text);
}

function required(text: string, name: string): Date {
  const date = parseDateOption(text, name);
  if (!date) throw new GaleError('GALE_ERR_USAGE', `${name} is required`);
  return date;
}

/** A backfill as the CLI prints it, with the counts of its runs per state. */
function view(row: BackfillRow, counts: Record<string, number> | undefined): Record<string, unknown> {
  return {
    ...row,
    dag_run_conf: row.dag_run_conf === null ? null : JSON.parse(row.dag_run_conf),
    is_paused: row.is_paused === 1,
    run_backwards: row.run_backwards === 1,
    runs: counts ?? {},
  };
}

export function registerBackfillCommands(program: Command): void {
  const backfill = program
    .command('backfill')
    .description("Backfills: runs of a DAG's schedule for past dates, created by the scheduler");

  backfill
    .command('create')
    .description('Record a backfill of a DAG for the logical dates in [--from, --to]; the scheduler runs it')
    .requiredOption('--dag <dag_id>', 'the DAG to backfill')
    .requiredOption('--from <date>', 'the earliest logical date (ISO 8601)')
    .requiredOption('--to <date>', 'the latest logical date (ISO 8601)')
    .option(
      '--reprocess-behavior <behavior>',
      'dates that have a run: none (skip them), failed (run failed ones again), completed (run failed and successful ones again)',
      'none',
    )
    .option('--max-active-runs <n>', 'at most this many of its runs at once (default 10)')
    .option('--run-backwards', 'latest date first')
    .option('--dry-run', 'print the logical dates that would run, and create nothing')
    .option('-c, --conf <json>', 'the conf of its runs, a JSON object')
    .option(...OUTPUT)
    .action(async (opts: CreateOptions) => {
      const format = parseOutputFormat(opts.output);
      const options = {
        dagId: opts.dag,
        from: required(opts.from, '--from'),
        to: required(opts.to, '--to'),
        reprocessBehavior: parseReprocess(opts.reprocessBehavior),
        maxActiveRuns: parseMaxActiveRuns(opts.maxActiveRuns),
        runBackwards: opts.runBackwards ?? false,
        conf: parseConf(opts.conf) ?? null,
        now: new Date(),
      };
      await withEnv('cli', async ({ gdb }) => {
        const cache = new SerializedDagCache();
        if (opts.dryRun) {
          const infos = await dryRunBackfill(gdb.db, cache, options);
          if (format === 'table')
            process.stdout.write(`Dry run: ${infos.length} run(s) of ${opts.dag} would run\n`);
          printRows(
            infos.map((i) => ({ logical_date: i.logicalDate.toISOString() })),
            ['logical_date'],
            format,
          );
          return;
        }
        const row = await createBackfill(gdb.db, cache, options);
        await recordAudit(gdb.db, {
          event: 'backfill.create',
          dagId: row.dag_id,
          extra: { backfill_id: row.id, from: row.from_date, to: row.to_date },
        });
        printObject(view(row, undefined), format);
        if ((await getDag(gdb.db, row.dag_id))?.is_paused && format === 'table') {
          process.stderr.write(
            `Note: DAG ${row.dag_id} is paused; as in Airflow its backfill runs wait until "gale dags unpause ${row.dag_id}".\n`,
          );
        }
      });
    });

  backfill
    .command('list')
    .description('List backfills, newest first, with the states of their runs')
    .option('--dag <dag_id>', 'only the backfills of this DAG')
    .option('--limit <n>', 'at most this many', '100')
    .option(...OUTPUT)
    .action(async (opts: { dag?: string; limit: string; output: string }) => {
      const format = parseOutputFormat(opts.output);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new GaleError('GALE_ERR_USAGE', `--limit must be a positive integer, not "${opts.limit}"`);
      await withEnv('cli', async ({ gdb }) => {
        const { backfills } = await listBackfills(gdb.db, {
          dagId: opts.dag,
          limit,
          offset: 0,
          order: 'desc',
        });
        const counts = await backfillRunCounts(
          gdb.db,
          backfills.map((b) => b.id),
        );
        printRows(
          backfills.map((b) => view(b, counts.get(b.id))),
          COLUMNS,
          format,
        );
      });
    });

  for (const [name, description] of [
    ['pause', 'Pause a backfill: none of its queued runs start (running ones go on)'],
    ['unpause', 'Unpause a backfill: its queued runs start again'],
    ['cancel', 'Cancel a backfill: its queued runs fail, running ones go on, no more start'],
  ] as const) {
    backfill
      .command(`${name} <backfill_id>`)
      .description(description)
      .action(async (idText: string) => {
        const id = parseId(idText);
        await withEnv('cli', async ({ gdb }) => {
          const now = new Date();
          const row =
            name === 'cancel'
              ? await cancelBackfill(gdb.db, id, now)
              : await setBackfillPaused(gdb.db, id, name === 'pause', now);
          await recordAudit(gdb.db, {
            event: `backfill.${name}`,
            dagId: row.dag_id,
            extra: { backfill_id: id },
          });
          process.stdout.write(
            `Backfill ${id} of ${row.dag_id}: ${name === 'cancel' ? 'cancelled' : `paused: ${row.is_paused === 1}`}\n`,
          );
        });
      });
  }
}
