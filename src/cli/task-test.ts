/** `gale tasks test` and `gale tasks render`: one task's code run (or its templates rendered) here, recording nothing. */
import type { ContainerEngineSettings } from '../containers/index.js';
import type { DagRunRow, GaleDb, SecretBox } from '../db/index.js';
import { getXcom } from '../db/index.js';
import type { DagRunInfo } from '../models/index.js';
import { executeTask, renderFields } from '../runner/execute-task.js';
import type { createTaskLogger } from '../runner/index.js';
import { DbTryChannel } from '../runner/index.js';
import { buildTaskContext } from '../runner/task-context.js';
import { redactDeep } from '../runner/task-log.js';
import { secretAccessors } from '../runner/task-secrets.js';
import type { Dag, TaskNode } from '../sdk/index.js';

export async function executeTaskForTest(input: {
  gdb: GaleDb;
  /** decrypts the variables and connections the task reads */
  secrets: SecretBox;
  dag: Dag;
  node: TaskNode;
  run: DagRunRow | null;
  info: DagRunInfo;
  log: ReturnType<typeof createTaskLogger>;
  killGraceMs: number;
  /** the engine of container tasks (the `containers` settings) */
  containers?: ContainerEngineSettings;
  /** only render the task's template fields (gale tasks render), run nothing */
  renderOnly?: boolean;
}): Promise<unknown> {
  const { run, info, node } = input;
  const runRow: DagRunRow = run ?? {
    id: 0,
    dag_id: input.dag.dagId,
    run_id: `test__${info.logicalDate.toISOString()}`,
    run_type: 'manual',
    state: 'running',
    logical_date: info.logicalDate.toISOString(),
    data_interval_start: info.dataIntervalStart.toISOString(),
    data_interval_end: info.dataIntervalEnd.toISOString(),
    run_after: info.runAfter.toISOString(),
    conf: '{}',
    queued_at: null,
    start_date: null,
    end_date: null,
    dag_version_hash: '',
    created_at: new Date().toISOString(),
  };
  const args: unknown[] = [];
  for (const spec of node.args) {
    if (spec.type === 'literal') args.push(spec.value);
    else {
      const json = run
        ? await getXcom(input.gdb.db, {
            dagId: run.dag_id,
            runId: run.run_id,
            taskId: spec.taskId,
            mapIndex: -1,
            key: spec.key,
          })
        : undefined;
      if (json === undefined)
        input.log.warn(
          `No output of upstream task "${spec.taskId}"; passing undefined (use --run-id to take it from a run)`,
        );
      args.push(json === undefined ? undefined : JSON.parse(json));
    }
  }
  const controller = new AbortController();
  const ctx = buildTaskContext({
    run: runRow,
    taskId: node.taskId,
    mapIndex: -1,
    tryNumber: 1,
    maxTries: node.options.retries,
    dagParams: input.dag.paramDefaults(),
    log: input.log,
    signal: controller.signal,
    xcomPull: async <T>(taskId: string, key = 'return_value') => {
      const json = run
        ? await getXcom(input.gdb.db, { dagId: run.dag_id, runId: run.run_id, taskId, mapIndex: -1, key })
        : undefined;
      return json === undefined ? undefined : (JSON.parse(json) as T);
    },
    xcomPush: async (key: string, value: unknown) => {
      input.log.info(`xcomPush ${key}: ${JSON.stringify(value)} (not stored by tasks test)`);
    },
    secrets: secretAccessors(
      new DbTryChannel(input.gdb, input.secrets),
      {
        tiId: '',
        tryNumber: 1,
        dagId: runRow.dag_id,
        runId: runRow.run_id,
        taskId: node.taskId,
        mapIndex: -1,
      },
      input.log,
    ),
    resumeMethods: Object.keys(node.resume),
  });
  if (input.renderOnly) return redactDeep(await renderFields(node, ctx), input.log);
  return executeTask(node, ctx, args, input.log, input.killGraceMs, undefined, input.containers);
}
