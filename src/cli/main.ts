#!/usr/bin/env node
/**
 * The `gale` command. Thin: parse arguments, call a service, print. A GaleError prints its
 * message and hint (no stack) and exits 1; anything else is unexpected and prints its stack.
 */
import { Command, CommanderError } from 'commander';
import { describeError, isGaleError } from '../models/index.js';
import { registerApiCommands } from './api.js';
import { registerAssetCommands } from './assets.js';
import { registerBackfillCommands } from './backfill.js';
import { registerConfigCommands } from './config.js';
import { registerDagCommands } from './dags.js';
import { registerDbCommands } from './db.js';
import { registerHitlCommands } from './hitl.js';
import { galeVersion, registerInfoCommands } from './info.js';
import { registerPoolCommands } from './pools.js';
import { registerServiceCommands } from './services.js';
import { registerTaskCommands } from './tasks.js';
import { registerTriggererCommands } from './triggerer.js';
import { registerUserCommands } from './users.js';
import { registerVariableCommands } from './variables.js';
import { registerWorkerCommands } from './worker.js';

const program = new Command('gale')
  .description('Gale: workflows as TypeScript DAGs, scheduled and run')
  .version(galeVersion(), '-V, --version')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerServiceCommands(program);
registerTriggererCommands(program);
registerDagCommands(program);
registerBackfillCommands(program);
registerAssetCommands(program);
registerTaskCommands(program);
registerPoolCommands(program);
registerVariableCommands(program);
registerHitlCommands(program);
registerWorkerCommands(program);
registerApiCommands(program);
registerUserCommands(program);
registerDbCommands(program);
registerInfoCommands(program);
registerConfigCommands(program);
for (const command of program.commands) {
  command.exitOverride().showHelpAfterError('(run with --help for usage)');
  for (const sub of command.commands) sub.exitOverride().showHelpAfterError('(run with --help for usage)');
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (isGaleError(error)) {
    process.stderr.write(`Error: ${describeError(error)}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`Unexpected error: ${describeError(error)}\n`);
    process.exitCode = 1;
  }
}
