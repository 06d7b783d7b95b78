/** `gale version` and `gale info`. */
import { arch, cpus, platform, totalmem } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { dagFolders } from '../dag-processing/index.js';
import { redactUrl } from '../db/index.js';
import { parseOutputFormat, printObject } from './output.js';
import { galeVersion } from './version.js';

export function registerInfoCommands(program: Command): void {
  program
    .command('version')
    .description('Print the version of Gale')
    .action(() => {
      process.stdout.write(`${galeVersion()}\n`);
    });
  program
    .command('info')
    .description('Print what Gale runs with: versions, paths, executor, database')
    .option('-o, --output <format>', 'table or json', 'table')
    .action((opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      const loaded = loadConfig(process.env);
      const c = loaded.config;
      printObject(
        {
          gale_version: galeVersion(),
          node_version: process.version,
          platform: `${platform()} ${arch()}`,
          cpus: cpus().length,
          memory_gb: Math.round(totalmem() / 2 ** 30),
          gale_home: loaded.home,
          config_file: loaded.file,
          dag_folders: dagFolders(loaded).join(', '),
          logs_folder: c.logging.base_log_folder,
          // the first is the default executor
          executor: c.core.executor.join(','),
          parallelism: c.core.parallelism,
          database: redactUrl(c.database.url),
        },
        format,
      );
    });
}
