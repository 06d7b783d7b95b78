/**
 * The benchmark harness runs end to end and writes well-formed results: every scenario either
 * measured something or says why it was skipped. No timing is asserted.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { SCENARIO_NAMES } from '../../src/bench/options.js';

interface BenchJson {
  quick: boolean;
  machine: { cpus: number; node: string };
  commit: string | null;
  database: string;
  executor: string;
  workers: number;
  scenarios: { name: string; status: string; reason: string | null }[];
  figures: { scenario: string; name: string; value: number; unit: string; repetitions: number }[];
}

/** Runs `npm run bench` (built) with `args` into a fresh folder; returns its one JSON result. */
function bench(args: string[], timeoutMs: number): BenchJson {
  const out = mkdtempSync(join(tmpdir(), 'gale-bench-out-'));
  try {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GALE')));
    const r = spawnSync(
      process.execPath,
      [resolve(import.meta.dirname, '../../dist/bench/main.js'), ...args, '--out', out],
      { env, encoding: 'utf8', timeout: timeoutMs },
    );
    expect(r.status, `${r.stderr}\n${r.stdout}`).toBe(0);
    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    return JSON.parse(readFileSync(join(out, files[0]!), 'utf8')) as BenchJson;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function expectWellFormed(result: BenchJson, scenarios: readonly string[]): void {
  expect(result.quick).toBe(true);
  expect(result.machine.cpus).toBeGreaterThan(0);
  expect(result.machine.node).toBe(process.version);
  expect(result.commit === null || /^[0-9a-f]{40}$/.test(result.commit)).toBe(true);
  expect(result.scenarios.map((s) => s.name)).toEqual(scenarios);
  for (const s of result.scenarios) {
    const figures = result.figures.filter((f) => f.scenario === s.name);
    if (s.status === 'skipped') {
      expect(s.reason, s.name).toMatch(/\w/);
    } else {
      expect(s.status, `${s.name}: ${s.reason}`).toBe('ran');
      expect(figures.length, s.name).toBeGreaterThan(0);
    }
  }
  for (const f of result.figures) {
    expect(typeof f.name).toBe('string');
    expect(Number.isFinite(f.value), `${f.scenario}: ${f.name}`).toBe(true);
    expect(f.unit).toMatch(/\w/);
    expect(f.repetitions).toBeGreaterThanOrEqual(1);
  }
}

it('npm run bench --quick runs every scenario and writes a JSON result with machine, commit and figures', () => {
  const result = bench(['--quick'], 480_000);
  expectWellFormed(result, SCENARIO_NAMES);
  expect(result.database).toBe('sqlite');
  expect(result.executor).toBe('local');
  const footprint = result.figures.filter((f) => f.scenario === 'footprint').map((f) => f.name);
  expect(footprint.some((n) => n.startsWith('idle RSS'))).toBe(true);
  expect(footprint.some((n) => n.startsWith('peak RSS during wide'))).toBe(true);
  // the scheduler alone with the instant executor: every run ended, in at least one pass per chain task
  const decisions = result.figures.filter((f) => f.scenario === 'decisions');
  const passes = (label: string) => decisions.find((f) => f.name === `${label}: scheduler loop passes`);
  expect(decisions.filter((f) => f.unit === 'tasks/s' && f.value > 0)).toHaveLength(2);
  expect(passes('wide, 2 runs x 20 tasks')?.value).toBeGreaterThanOrEqual(1);
  expect(passes('chain of 10 tasks')?.value).toBeGreaterThanOrEqual(10);
}, 510_000);

it('npm run bench --quick runs the chain on PostgreSQL with the queue executor and a worker', () => {
  const result = bench(
    ['--quick', '--db', 'postgres', '--executor', 'queue', '--workers', '1', '--only', 'chain'],
    180_000,
  );
  expectWellFormed(result, ['chain']);
  expect(result.database).toBe('postgres');
  expect(result.executor).toBe('queue');
  expect(result.workers).toBe(1);
}, 200_000);
