/**
 * Setup and teardown (Airflow's as_setup / as_teardown): `create_cluster` makes a resource, the
 * work tasks use it, and `delete_cluster` removes it once they are done, even when one of them
 * failed. The run's state comes from the work tasks, not from the teardown. `load` runs at most
 * one instance at a time across runs (maxActiveTisPerDag) and waits until it succeeded in the
 * previous run (dependsOnPast). Clearing `query` clears `create_cluster` and `delete_cluster` too.
 * Trigger it by hand: gale dags trigger example_setup_teardown
 */
import { dag, task } from 'gale/sdk';

dag(
  {
    dagId: 'example_setup_teardown',
    description: 'A setup task, work that may fail, and a teardown that always cleans up',
    schedule: null,
    tags: ['example'],
  },
  () => {
    const create = task('create_cluster', (ctx) => {
      ctx.log.info(`creating cluster for run ${ctx.runId}`);
      return `cluster-${ctx.dsNodash}`;
    })();
    const query = task('query', (ctx, cluster: string) => {
      ctx.log.info(`querying ${cluster}`);
      return 42;
    })(create);
    const load = task({ taskId: 'load', dependsOnPast: true, maxActiveTisPerDag: 1 }, (ctx, rows: number) =>
      ctx.log.info(`loading ${rows} rows`),
    )(query);
    const remove = task('delete_cluster', (ctx, cluster: string) => {
      ctx.log.info(`deleting ${cluster}`);
    })(create);
    load.then(remove.asTeardown({ setups: create }));
  },
);
