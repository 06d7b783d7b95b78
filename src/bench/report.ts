/**
 * The benchmark's output: a table on stdout and bench-results/<timestamp>.json with the machine,
 * the Gale commit, the options, each scenario's outcome and every figure. Reads git, never changes
 * the work tree.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import type { Figure, ScenarioOutcome } from './figures.js';
import type { CompiledBenchOptions } from './options.js';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface BenchResult {
  createdAt: string;
  quick: boolean;
  machine: {
    cpus: number;
    cpuModel: string | null;
    memoryMb: number;
    node: string;
    platform: string;
  };
  /** the commit the build was made from; null outside a git clone */
  commit: string | null;
  /** whether the work tree had uncommitted changes to tracked files (the figures may include them) */
  uncommittedChanges: boolean | null;
  galeVersion: string;
  database: CompiledBenchOptions['db'];
  executor: CompiledBenchOptions['executor'];
  workers: number;
  /** extra `gale scheduler` processes beside standalone's own */
  schedulers: number;
  repeat: number;
  /** every GALE__* setting the environment gave (they change what is measured) */
  settings: Record<string, string>;
  scenarios: ScenarioOutcome[];
  figures: Figure[];
}

function git(args: string[]): string | null {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export function makeResult(
  options: CompiledBenchOptions,
  scenarios: ScenarioOutcome[],
  figures: Figure[],
): BenchResult {
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const settings: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (k.startsWith('GALE__') && v !== undefined)
      settings[k] = /PASSWORD|SECRET|KEY|URL/.test(k) ? '***' : v;
  return {
    createdAt: new Date().toISOString(),
    quick: options.quick,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? null,
      memoryMb: Math.round(totalmem() / 2 ** 20),
      node: process.version,
      platform: process.platform,
    },
    commit: git(['rev-parse', 'HEAD']),
    uncommittedChanges: status === null ? null : status.length > 0,
    galeVersion: pkg.version,
    database: options.db,
    executor: options.executor,
    workers: options.workers,
    schedulers: options.schedulers,
    repeat: options.repeat,
    settings,
    scenarios,
    figures,
  };
}

/** The table printed at the end: one line per figure, and one per skipped or failed scenario. */
export function formatTable(result: BenchResult): string {
  const rows: string[][] = [];
  for (const s of result.scenarios) {
    for (const f of result.figures.filter((x) => x.scenario === s.name)) {
      rows.push([s.name, f.name, String(f.value), f.unit, String(f.repetitions)]);
    }
    if (s.status !== 'ran')
      rows.push([s.name, `${s.status}: ${(s.reason ?? '').split('\n')[0]}`, '', '', '']);
  }
  const header = ['scenario', 'figure', 'value', 'unit', 'of'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, i) => (i === 2 || i === 4 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const setup = [
    result.database,
    `${result.executor} executor`,
    ...(result.workers > 0 ? [`${result.workers} worker(s)`] : []),
    ...(result.schedulers > 0 ? [`${result.schedulers} extra scheduler(s)`] : []),
    result.quick ? 'quick sizes' : 'full sizes',
    `commit ${result.commit?.slice(0, 7) ?? 'unknown'}${result.uncommittedChanges ? ' (with uncommitted changes)' : ''}`,
    `${result.machine.cpus} CPUs`,
    `Node.js ${result.machine.node}`,
  ].join(', ');
  return [`Gale benchmark: ${setup}`, '', line(header), ...rows.map(line), ''].join('\n');
}

/** Writes the JSON into `dir` (default bench-results/ of the repository); returns its path. */
export function writeResult(result: BenchResult, dir: string | null): string {
  const folder = dir ? resolve(dir) : join(ROOT, 'bench-results');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${result.createdAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
