/**
 * The command line of `npm run bench`: what the user wrote (BenchOptions, from argv) compiled once
 * into frozen, fully defaulted CompiledBenchOptions; conflicting options are rejected naming both.
 */
import { parseArgs } from 'node:util';

/** Every scenario, in the order they run. */
export const SCENARIO_NAMES = [
  'footprint',
  'chain',
  'wide',
  'shapes',
  'many-runs',
  'api',
  'parsing',
  'deferral',
  'decisions',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export const DATABASES = ['sqlite', 'postgres'] as const;
export type BenchDatabase = (typeof DATABASES)[number];
export const EXECUTORS = ['local', 'queue'] as const;
export type BenchExecutor = (typeof EXECUTORS)[number];

export interface CompiledBenchOptions {
  /** small sizes, for the smoke test and for trying the harness; its figures mean little */
  readonly quick: boolean;
  /** the scenarios to run, in run order */
  readonly scenarios: readonly ScenarioName[];
  readonly db: BenchDatabase;
  readonly executor: BenchExecutor;
  /** `gale worker` processes (queue executor only) */
  readonly workers: number;
  /** `gale scheduler` processes besides the standalone's own (PostgreSQL only) */
  readonly schedulers: number;
  /** how many times the repeatable measurements run; figures are their medians */
  readonly repeat: number;
  /** folder of the JSON results */
  readonly out: string | null;
  readonly help: boolean;
}

/** A bad command line: printed without a stack, exit code 2. */
export class BenchOptionError extends Error {
  override readonly name = 'BenchOptionError';
}

export const USAGE = `Usage: npm run bench -- [options]

Runs Gale's benchmark scenarios against fresh GALE_HOMEs, prints a table and writes
bench-results/<timestamp>.json. Never judges a figure.

Options:
  --quick              small sizes (seconds, not minutes); for trying the harness
  --only <names>       comma-separated scenarios: ${SCENARIO_NAMES.join(', ')}
                       (footprint's peak is measured during wide, so it runs wide too)
  --db <name>          sqlite (default) or postgres (a private PostgreSQL server)
  --executor <name>    local (default) or queue (a private Redis and gale worker processes)
  --workers <n>        gale worker processes with --executor queue (default 1)
  --schedulers <n>     extra gale scheduler processes beside standalone's (PostgreSQL only; default 0)
  --repeat <n>         repeat the repeatable measurements n times and report medians (default 1)
  --out <dir>          folder for the JSON results (default bench-results/)
  -h, --help           this text

Any GALE__SECTION__KEY in the environment is passed to every Gale process.`;

function count(value: string | undefined, option: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new BenchOptionError(`--${option} must be a whole number of at least ${min}, not "${value}"`);
  }
  return n;
}

function oneOf<T extends string>(
  value: string | undefined,
  option: string,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new BenchOptionError(`--${option} must be one of ${allowed.join(', ')}, not "${value}"`);
  }
  return value as T;
}

function scenariosOf(only: string | undefined): ScenarioName[] {
  if (only === undefined) return [...SCENARIO_NAMES];
  const wanted = new Set(
    only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const unknown = [...wanted].filter((s) => !(SCENARIO_NAMES as readonly string[]).includes(s));
  if (unknown.length > 0 || wanted.size === 0) {
    throw new BenchOptionError(
      `--only: unknown scenario ${unknown.map((u) => `"${u}"`).join(', ') || '(none given)'}; the scenarios are ${SCENARIO_NAMES.join(', ')}`,
    );
  }
  if (wanted.has('footprint')) wanted.add('wide');
  return SCENARIO_NAMES.filter((s) => wanted.has(s));
}

export function compileBenchOptions(argv: readonly string[]): CompiledBenchOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new BenchOptionError((error as Error).message, { cause: error });
  }
  const v = parsed.values;
  const db = oneOf(v.db, 'db', DATABASES) ?? 'sqlite';
  const executor = oneOf(v.executor, 'executor', EXECUTORS) ?? 'local';
  const workers = count(v.workers, 'workers', 1);
  const schedulers = count(v.schedulers, 'schedulers', 0) ?? 0;
  if (workers !== undefined && executor !== 'queue') {
    throw new BenchOptionError(
      `--workers ${workers} needs --executor queue (gale worker runs the queue executor's tries), but --executor is ${executor}`,
    );
  }
  if (schedulers > 0 && db !== 'postgres') {
    throw new BenchOptionError(
      `--schedulers ${schedulers} needs --db postgres (several schedulers at once need PostgreSQL), but --db is ${db}`,
    );
  }
  return Object.freeze({
    quick: v.quick ?? false,
    scenarios: Object.freeze(scenariosOf(v.only)),
    db,
    executor,
    workers: executor === 'queue' ? (workers ?? 1) : 0,
    schedulers,
    repeat: count(v.repeat, 'repeat', 1) ?? 1,
    out: v.out ?? null,
    help: v.help ?? false,
  });
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      db: { type: 'string' },
      executor: { type: 'string' },
      workers: { type: 'string' },
      schedulers: { type: 'string' },
      repeat: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
