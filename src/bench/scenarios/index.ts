/** Every benchmark scenario, by name; SCENARIO_NAMES (options.ts) gives their order. */
import type { ScenarioName } from '../options.js';
import { api } from './api.js';
import { chain } from './chain.js';
import { decisions } from './decisions.js';
import { deferral } from './deferral.js';
import { footprint } from './footprint.js';
import { manyRuns } from './many-runs.js';
import { parsing } from './parsing.js';
import type { Scenario } from './scenario.js';
import { shapes } from './shapes.js';
import { wide } from './wide.js';

export type { Scenario, ScenarioContext, SharedGale } from './scenario.js';

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  footprint,
  chain,
  wide,
  shapes,
  'many-runs': manyRuns,
  api,
  parsing,
  deferral,
  decisions,
};
