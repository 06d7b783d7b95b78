#!/usr/bin/env node
/**
 * The `gale` command. Thin: parse arguments, call a service, print. A GaleError prints its
 * message and hint (no stack) and exits 1; anything else is unexpected and prints its stack.
 */
import { Command, CommanderError } from 'commander';
import { describeError, isGaleError } from '../models/index.js';
import { groupsFor } from './command-groups.js';
import { galeVersion } from './version.js';

const program = new Command('gale')
  .description('Gale: workflows as TypeScript DAGs, scheduled and run')
  .version(galeVersion(), '-V, --version')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

for (const group of groupsFor(process.argv)) (await group.load())(program);
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
