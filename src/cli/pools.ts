/** `gale pools ...`: list, set, delete. */
import type { Command } from 'commander';
import { deletePool, listPools, recordAudit, setPool } from '../db/index.js';
import { GaleError } from '../models/index.js';
import { withEnv } from './environment.js';
import { parseOutputFormat, printRows } from './output.js';

export function registerPoolCommands(program: Command): void {
  const pools = program.command('pools').description('Manage pools');
  pools
    .command('list')
    .description('List pools with their slots and the slots in use')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      await withEnv('cli', async ({ gdb }) => {
        printRows(await listPools(gdb.db), ['pool', 'slots', 'occupied', 'description'], format);
      });
    });
  pools
    .command('set <pool> <slots> [description]')
    .description('Create a pool or change its slots')
    .action(async (pool: string, slotsText: string, description: string | undefined) => {
      const slots = Number(slotsText);
      if (!/^\d+$/.test(slotsText))
        throw new GaleError('GALE_ERR_USAGE', `slots must be a whole number >= 0, not "${slotsText}"`);
      await withEnv('cli', async ({ gdb }) => {
        await setPool(gdb.db, { pool, slots, description: description ?? '' });
        await recordAudit(gdb.db, { event: 'set_pool', extra: { pool, slots } });
        process.stdout.write(`Pool ${pool}: ${slots} slots\n`);
      });
    });
  pools
    .command('delete <pool>')
    .description('Delete a pool')
    .action(async (pool: string) => {
      await withEnv('cli', async ({ gdb }) => {
        await deletePool(gdb.db, pool);
        await recordAudit(gdb.db, { event: 'delete_pool', extra: { pool } });
        process.stdout.write(`Deleted pool ${pool}\n`);
      });
    });
}
