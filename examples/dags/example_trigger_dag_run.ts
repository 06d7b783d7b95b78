/**
 * triggerDagRun (Airflow's TriggerDagRunOperator): a controller that runs another DAG with a
 * templated conf, waits for it in the triggerer (deferrable) and reports its run id. Manual:
 * trigger it with `gale dags trigger example_trigger_dag_run --conf '{"greeting": "hi"}'`.
 */
import { dag, task, triggerDagRun } from 'gale/sdk';

dag(
  {
    dagId: 'example_trigger_dag_run',
    description: 'Runs example_shell with a conf and waits until it ends',
    schedule: null,
    tags: ['example', 'trigger'],
    params: { greeting: 'hello' },
  },
  () => {
    const runShell = triggerDagRun('run_example_shell', {
      triggerDagId: 'example_shell',
      // strings are templates: this run's params and date go to the triggered run's conf
      conf: { greeting: '{{ params.greeting }} from {{ dag.dag_id }}' },
      triggerRunId: 'triggered__{{ run_id }}',
      waitForCompletion: true,
      deferrable: true,
      pokeInterval: '5s',
      resetDagRun: true,
    });
    const report = task('report', (ctx, runId: string) => {
      ctx.log.info(`example_shell run ${runId} succeeded`);
      return runId;
    });
    report(runShell);
  },
);
