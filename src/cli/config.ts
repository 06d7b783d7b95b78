/** `gale config ...`: list, get. */
import type { Command } from 'commander';
import { listSettings, loadConfig } from '../config/index.js';
import { redactUrl } from '../db/index.js';
import { GaleError } from '../models/index.js';
import { parseOutputFormat, printRows } from './output.js';

const SECRET_SETTINGS = new Set(['api.secret_key', 'core.fernet_key']);

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
      // secrets stay out of listings (`config get` shows one when asked by name)
      const rows = listSettings(loadConfig(process.env)).map((r) => {
        if (r.name === 'database.url' || r.name === 'queue.redis_url')
          return { ...r, value: redactUrl(String(r.value)) };
        if (SECRET_SETTINGS.has(r.name)) return { ...r, value: r.value === '' ? '' : '***' };
        return r;
      });
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
