/** `gale triggerer`: runs the triggers of deferred tries until SIGTERM (standalone runs one too). */
import type { Command } from 'commander';
import { GaleError } from '../models/index.js';
import { openEnv, stopSignal } from './environment.js';
import { makeMetrics, makeTriggerer, serveHealth, triggererLoop } from './services.js';

function parseCapacity(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1) {
    throw new GaleError('GALE_ERR_USAGE', `Invalid --capacity "${text}"`, {
      hint: 'Give a whole number of triggers of at least 1, for example --capacity 1000.',
    });
  }
  return n;
}

export function registerTriggererCommands(program: Command): void {
  program
    .command('triggerer')
    .description(
      'Run the triggerer: it waits for the triggers of deferred tasks and resumes them when they fire, until SIGTERM (run several for HA)',
    )
    .option('--capacity <n>', 'triggers this triggerer runs at once (default: triggerer.capacity)')
    .action(async (opts: { capacity?: string }) => {
      const capacity = opts.capacity === undefined ? undefined : parseCapacity(opts.capacity);
      const env = await openEnv({ name: 'triggerer', service: true });
      const metrics = makeMetrics(env);
      const triggerer = makeTriggerer(env, metrics, capacity);
      const health = await serveHealth(env, metrics, [triggererLoop(env, triggerer)]);
      try {
        await triggerer.run(stopSignal(env));
      } finally {
        await health?.close();
      }
      await env.gdb.close();
    });
}
