/**
 * Runs one scenario in a benchmark process of its own (`node dist/bench/main.js --only <name>`)
 * and returns its figures: for a scenario that measures code in the benchmark's own process
 * (decisions), whose figure would otherwise carry what the scenarios before it left in this
 * process. The child starts its own private servers (a PostgreSQL with `--db postgres`), writes its
 * JSON into a temporary folder, and prints its progress on this process's stderr.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure } from './figures.js';
import type { CompiledBenchOptions, ScenarioName } from './options.js';

interface ChildResult {
  scenarios: { name: string; status: string; reason: string | null }[];
  figures: Figure[];
}

export async function runScenarioInChild(
  name: ScenarioName,
  options: CompiledBenchOptions,
): Promise<Figure[]> {
  const out = mkdtempSync(join(tmpdir(), 'gale-bench-child-'));
  try {
    const args = [
      fileURLToPath(new URL('./main.js', import.meta.url)),
      '--only',
      name,
      '--db',
      options.db,
      '--repeat',
      String(options.repeat),
      '--out',
      out,
      ...(options.quick ? ['--quick'] : []),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    const [code] = (await once(child, 'exit')) as [number | null];
    const file = readdirSync(out).find((f) => f.endsWith('.json'));
    if (!file) throw new Error(`bench: the benchmark process of ${name} wrote no result (exit code ${code})`);
    const result = JSON.parse(readFileSync(join(out, file), 'utf8')) as ChildResult;
    const outcome = result.scenarios.find((s) => s.name === name);
    if (outcome?.status !== 'ran') {
      throw new Error(outcome?.reason ?? `bench: the benchmark process of ${name} exited with ${code}`);
    }
    return result.figures.filter((f) => f.scenario === name);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
