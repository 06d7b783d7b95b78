/**
 * Runs the selected scenarios: starts the private servers the options need (PostgreSQL, Redis),
 * the shared standalone installation for the scenarios that use it, then each scenario in order,
 * recording what it measured or why it was skipped or failed. A failing scenario does not stop the
 * others. Everything it started is stopped, and every temporary folder removed, at the end.
 */
import { runScenarioInChild } from './child-bench.js';
import type { Figure, ScenarioOutcome } from './figures.js';
import { type BenchServers, Installation } from './installation.js';
import type { CompiledBenchOptions } from './options.js';
import { SCENARIOS, type Scenario, type ScenarioContext, type SharedGale } from './scenarios/index.js';
import { startPostgres, startRedis } from './services/index.js';

export interface BenchRun {
  scenarios: ScenarioOutcome[];
  figures: Figure[];
}

async function startShared(
  options: CompiledBenchOptions,
  servers: BenchServers,
  scenarios: readonly Scenario[],
): Promise<SharedGale> {
  const installation = await Installation.create({ db: options.db, executor: options.executor, servers });
  try {
    for (const s of scenarios)
      for (const [name, source] of Object.entries(s.dagFiles?.(options) ?? {}))
        installation.writeDag(name, source);
    const { readyMs, apiUrl } = await installation.startStandalone();
    const errors = await installation
      .db()
      .db.selectFrom('import_error')
      .select(['filename', 'message'])
      .execute();
    if (errors.length > 0) {
      throw new Error(
        `bench: a benchmark DAG file failed to import: ${errors[0]!.filename}: ${errors[0]!.message}`,
      );
    }
    if (options.executor === 'queue') await installation.startWorkers(options.workers, apiUrl);
    for (let i = 0; i < options.schedulers; i++) await installation.startService('scheduler');
    const api = await installation.apiClient(apiUrl);
    return { installation, api, readyMs };
  } catch (error) {
    await installation.close();
    throw error;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function runBench(
  options: CompiledBenchOptions,
  progress: (message: string) => void,
): Promise<BenchRun> {
  const outcomes: ScenarioOutcome[] = [];
  const figures: Figure[] = [];
  const servers: BenchServers = { postgres: null, redis: null };
  let shared: SharedGale | null = null;
  let sharedError: unknown = null;
  const selected = options.scenarios.map((name) => SCENARIOS[name]);
  const skipped = new Map(selected.map((s) => [s.name, s.skipReason?.(options) ?? null]));
  const runnable = selected.filter((s) => skipped.get(s.name) === null);
  try {
    if (options.db === 'postgres' && runnable.length > 0) {
      progress('starting a private PostgreSQL server');
      servers.postgres = await startPostgres();
    }
    if (options.executor === 'queue' && runnable.length > 0) {
      progress('starting a private Redis server');
      servers.redis = await startRedis();
    }
    const sharedScenarios = runnable.filter((s) => s.installation === 'shared');
    if (sharedScenarios.length > 0) {
      progress('starting gale standalone');
      try {
        shared = await startShared(options, servers, sharedScenarios);
      } catch (error) {
        sharedError = error;
      }
    }
    for (const scenario of selected) {
      const reason = skipped.get(scenario.name) ?? null;
      if (reason !== null) {
        outcomes.push({ ...base(scenario), status: 'skipped', reason, seconds: 0 });
        progress(`${scenario.name}: skipped: ${reason}`);
        continue;
      }
      if (scenario.installation === 'own' && shared) {
        // measure one service alone: the shared installation's processes would compete for the CPU
        await shared.installation.close();
        shared = null;
        sharedError = new Error('bench: the shared installation was stopped');
      }
      progress(`${scenario.name}: running`);
      const started = performance.now();
      const own: Installation[] = [];
      const ctx: ScenarioContext = {
        options,
        shared() {
          if (!shared) throw sharedError ?? new Error('bench: no shared installation');
          return shared;
        },
        async newInstallation(env) {
          const installation = await Installation.create({
            db: options.db,
            executor: options.executor,
            servers,
            ...(env ? { env } : {}),
          });
          own.push(installation);
          return installation;
        },
        progress: (message) => progress(`${scenario.name}: ${message}`),
      };
      try {
        const made =
          scenario.ownProcess && selected.length > 1
            ? await runScenarioInChild(scenario.name, options)
            : await scenario.run(ctx);
        figures.push(...made.map((f) => ({ ...f, scenario: f.scenario ?? scenario.name })));
        outcomes.push({ ...base(scenario), status: 'ran', reason: null, seconds: elapsed(started) });
        progress(`${scenario.name}: done in ${elapsed(started)} s`);
      } catch (error) {
        outcomes.push({
          ...base(scenario),
          status: 'failed',
          reason: describe(error),
          seconds: elapsed(started),
        });
        progress(
          `${scenario.name}: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      } finally {
        for (const installation of own) await installation.close();
      }
    }
  } finally {
    await shared?.installation.close();
    await servers.redis?.kill();
    servers.postgres?.stop();
  }
  return { scenarios: outcomes, figures };
}

function base(scenario: Scenario): Pick<ScenarioOutcome, 'name' | 'description'> {
  return { name: scenario.name, description: scenario.description };
}

function elapsed(startedMs: number): number {
  return Math.round((performance.now() - startedMs) / 100) / 10;
}
