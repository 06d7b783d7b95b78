/**
 * Footprint: how long `gale standalone` takes to be ready, and the resident memory of the Gale
 * process trees (standalone, its task processes, workers, extra schedulers) while idle. Their
 * peak is sampled during the wide scenario's runs, which report it under this scenario.
 */
import { delay } from '../poll.js';
import { type Scenario, sizeOf } from './scenario.js';

const SIZES = {
  quick: { idleWaitMs: 500 },
  // long enough for the start-up's garbage to be collected and no run has started yet
  full: { idleWaitMs: 5000 },
};

export const footprint: Scenario = {
  name: 'footprint',
  description: 'standalone ready time; RSS of the Gale process trees idle, and their peak during wide',
  installation: 'shared',
  async run(ctx) {
    const { installation, readyMs } = ctx.shared();
    await delay(sizeOf(ctx.options, SIZES).idleWaitMs);
    return [
      {
        name: 'standalone ready (migrated, DAG files parsed once)',
        value: readyMs,
        unit: 'ms',
        repetitions: 1,
      },
      { name: 'idle RSS, Gale process trees', value: installation.rssMb(), unit: 'MB', repetitions: 1 },
    ];
  },
};
