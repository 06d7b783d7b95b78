/** `gale config ...`: list, get. */
import type { Command } from 'commander';
import { listSettings, loadConfig } from '../config/index.js';
import { redactUrl } from '../db/index.js';
import { GaleError } from '../models/index.js';
import { parseOutputFormat, printRows } from './output.js';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('Show the configuration');
  config
    .command('list')
    .description('List every setting with its value')
    .option('--show-source', 'also say where each value comes from (default, file, env)')
    .option('--show-description', 'also say what each setting means')
    .option('-o, --output <format>', 'table or json', 'table')
    .action((opts: { showSource?: boolean; showDescription?: boolean; output: string }) => {
      const format = parseOutputFormat(opts.output);
      // the database password stays out of listings (`config get database.url` shows it)
      const rows = listSettings(loadConfig(process.env)).map((r) =>
        r.name === 'database.url' ? { ...r, value: redactUrl(String(r.value)) } : r,
      );
      printRows(
        rows,
        [
          'name',
          'value',
          ...(opts.showSource ? ['source'] : []),
          ...(opts.showDescription ? ['description'] : []),
        ],
        format,
      );
    });
  config
    .command('get <section.key>')
    .description('Print one setting, for example core.parallelism')
    .action((name: string) => {
      const row = listSettings(loadConfig(process.env)).find((r) => r.name === name);
      if (!row) {
        throw new GaleError('GALE_ERR_CONFIG_UNKNOWN_KEY', `Unknown setting ${name}`, {
          hint: 'Run "gale config list" to see every setting.',
        });
      }
      process.stdout.write(
        `${typeof row.value === 'object' ? JSON.stringify(row.value) : String(row.value)}\n`,
      );
    });
}
