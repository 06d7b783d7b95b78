/**
 * `npm run bench`: runs the benchmark scenarios (src/bench/scenarios) against fresh GALE_HOMEs,
 * prints a table and writes bench-results/<timestamp>.json. BENCHMARKS.md explains each scenario
 * and option. Never asserts a timing: it reports them. Exits 1 when a scenario failed, 2 on a bad
 * command line.
 */
import { BenchOptionError, compileBenchOptions, USAGE } from './options.js';
import { formatTable, makeResult, writeResult } from './report.js';
import { runBench } from './run-bench.js';

async function main(): Promise<number> {
  let options: ReturnType<typeof compileBenchOptions>;
  try {
    options = compileBenchOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof BenchOptionError)) throw error;
    process.stderr.write(`bench: ${error.message}\n(npm run bench -- --help lists the options)\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);
  const run = await runBench(options, progress);
  const result = makeResult(options, run.scenarios, run.figures);
  process.stdout.write(`\n${formatTable(result)}`);
  process.stdout.write(`\nwrote ${writeResult(result, options.out)}\n`);
  return run.scenarios.some((s) => s.status === 'failed') ? 1 : 0;
}

process.exitCode = await main();
