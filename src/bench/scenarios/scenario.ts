/**
 * What a benchmark scenario is. Terminology:
 * - shared installation: one `gale standalone` (plus workers and extra schedulers as the options
 *   say) that the scenarios marked `shared` run against one after the other, in SCENARIO_NAMES
 *   order, so that later ones find warm task processes as a user's installation would;
 * - own installation: a fresh GALE_HOME a scenario starts for itself (parsing, deferral), because
 *   it measures one service alone;
 * - quick: the small sizes; full: the sizes of the benchmark issue.
 */
import type { GaleApi } from '../api-client.js';
import type { NewFigure } from '../figures.js';
import type { Installation } from '../installation.js';
import type { CompiledBenchOptions, ScenarioName } from '../options.js';

export interface SharedGale {
  readonly installation: Installation;
  /** a client logged in as a user with role User */
  readonly api: GaleApi;
  /** from spawning `gale standalone` to its "ready" log line */
  readonly readyMs: number;
}

export interface ScenarioContext {
  readonly options: CompiledBenchOptions;
  /** the standalone installation; only for scenarios marked `shared` */
  shared(): SharedGale;
  /** a fresh installation like the shared one (database, executor), stopped after the scenario */
  newInstallation(env?: NodeJS.ProcessEnv): Promise<Installation>;
  /** a progress line on stderr */
  progress(message: string): void;
}

export interface Scenario {
  readonly name: ScenarioName;
  /** one line: what it measures */
  readonly description: string;
  readonly installation: 'shared' | 'own';
  /**
   * It measures code in the benchmark's own process (decisions): when other scenarios run too, it
   * runs in a benchmark process of its own (child-bench.ts), so that what they left in this
   * process (its heap, handles) does not weigh on its figure.
   */
  readonly ownProcess?: boolean;
  /** DAG files it needs in the shared installation, written before standalone starts */
  dagFiles?(options: CompiledBenchOptions): Record<string, string>;
  /** why it cannot run here, or null */
  skipReason?(options: CompiledBenchOptions): string | null;
  run(ctx: ScenarioContext): Promise<NewFigure[]>;
}

/** The quick or the full size of a scenario. */
export function sizeOf<S>(options: CompiledBenchOptions, sizes: { quick: S; full: S }): S {
  return options.quick ? sizes.quick : sizes.full;
}

/** The no-op task every scenario's DAGs are made of, with the SDK imports they use. */
export const NOOP_HEADER = `import { chain, dag, task } from 'gale/sdk';
const noop = task('noop', () => undefined);
`;

/** A deadline for waiting on `tasks` task instances: generous, since a loaded machine is slow. */
export function timeoutFor(tasks: number): number {
  return 120_000 + tasks * 500;
}
