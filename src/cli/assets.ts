/**
 * `gale assets list|events|event create`: the assets DAGs schedule on and update, their events,
 * and an event from outside (as Airflow's POST /assets/events), which queues runs of the DAGs
 * scheduled on the asset.
 */
import type { Command } from 'commander';
import { createAssetEvent, listAssetEvents, listAssets, recordAudit } from '../db/index.js';
import { GaleError } from '../models/index.js';
import { withEnv } from './environment.js';
import { parseOutputFormat, printRows } from './output.js';

const ALL = { limit: 1_000_000, offset: 0 };

function parseExtra(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GaleError('GALE_ERR_USAGE', '--extra is not JSON', {
      hint: 'Pass --extra \'{"rows": 10}\'.',
      cause: error,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GaleError('GALE_ERR_USAGE', '--extra must be a JSON object', {
      hint: 'Pass --extra \'{"rows": 10}\'.',
    });
  }
  return value as Record<string, unknown>;
}

export function registerAssetCommands(program: Command): void {
  const assets = program
    .command('assets')
    .description('List assets and their events; create an event from outside');
  assets
    .command('list')
    .description('List assets, with the DAGs scheduled on each and the tasks that update it')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      await withEnv('cli', async (env) => {
        const { assets: rows } = await listAssets(env.gdb.db, ALL);
        printRows(
          rows.map((a) => ({
            id: a.id,
            uri: a.uri,
            name: a.name,
            group: a.group,
            extra: JSON.parse(a.extra),
            consuming_dags: a.consumingDags,
            producing_tasks: a.producingTasks.map((p) => `${p.dagId}.${p.taskId}`),
          })),
          format === 'json'
            ? ['id', 'uri', 'name', 'group', 'extra', 'consuming_dags', 'producing_tasks']
            : ['id', 'uri', 'name', 'group', 'consuming_dags', 'producing_tasks'],
          format,
        );
      });
    });
  assets
    .command('events')
    .description('List asset events, oldest first')
    .option('--uri <uri>', "only this asset's events")
    .option('--limit <n>', 'at most this many (the newest)', '100')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { uri?: string; limit: string; output: string }) => {
      const format = parseOutputFormat(opts.output);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        throw new GaleError('GALE_ERR_USAGE', `--limit must be a positive integer, got "${opts.limit}"`);
      }
      await withEnv('cli', async (env) => {
        const { events } = await listAssetEvents(env.gdb.db, {
          uri: opts.uri,
          limit,
          offset: 0,
          descending: true,
        });
        printRows(
          events.reverse().map((e) => ({
            id: e.id,
            uri: e.uri,
            timestamp: e.timestamp,
            extra: JSON.parse(e.extra),
            source_dag_id: e.source_dag_id,
            source_task_id: e.source_task_id,
            source_run_id: e.source_run_id,
            source_map_index: e.source_map_index,
          })),
          [
            'id',
            'uri',
            'timestamp',
            'source_dag_id',
            'source_task_id',
            'source_run_id',
            ...(format === 'json' ? ['source_map_index'] : []),
            'extra',
          ],
          format,
        );
      });
    });
  const event = assets.command('event').description('Asset events from outside');
  event
    .command('create <uri>')
    .description('Record an event for an asset (queues runs of the DAGs scheduled on it)')
    .option('--extra <json>', 'a JSON object stored with the event, given to the runs it triggers')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (uri: string, opts: { extra?: string; output: string }) => {
      const format = parseOutputFormat(opts.output);
      const extra = parseExtra(opts.extra);
      await withEnv('cli', async (env) => {
        const created = await createAssetEvent(env.gdb.db, { uri, extra, now: new Date() });
        await recordAudit(env.gdb.db, {
          event: 'create_asset_event',
          extra: { uri, asset_event_id: created.id },
        });
        if (format === 'json')
          printRows(
            [{ id: created.id, uri, timestamp: created.timestamp, extra }],
            ['id', 'uri', 'timestamp', 'extra'],
            format,
          );
        else process.stdout.write(`Created asset event ${created.id} for ${uri}\n`);
      });
    });
}
