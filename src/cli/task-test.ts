/** `gale tasks test` and `gale tasks render`: one task's code run (or its templates rendered) here, recording nothing. */
import type { ContainerEngineSettings } from '../containers/index.js';
import type { DagRunRow, GaleDb, SecretBox } from '../db/index.js';
import { type DagRunInfo, GaleError } from '../models/index.js';
import type { OutputStore } from '../output-store/index.js';
import { executeTask, forThisInstance, renderFields } from '../runner/execute-task.js';
import type { createTaskLogger } from '../runner/index.js';
import { DbTryChannel } from '../runner/index.js';
import { gatherArgs, outputPuller } from '../runner/task-args.js';
import { buildTaskContext } from '../runner/task-context.js';
import { dagRunAccessors } from '../runner/task-dag-runs.js';
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
  /** reads upstream outputs kept in files (the output_store settings) */
  outputs: OutputStore;
  /** the engine of container tasks (the `containers` settings) */
  containers?: ContainerEngineSettings;
  /** only render the task's template fields (gale tasks render), run nothing */
  renderOnly?: boolean;
  /** which instance of a mapped task (its expanded arguments); -1 or absent for an unmapped task */
  mapIndex?: number;
}): Promise<unknown> {
  const { run, info, node } = input;
  const mapIndex = input.mapIndex ?? -1;
  if ((node.mapping ? mapIndex < 0 : mapIndex >= 0) && !input.renderOnly) {
    throw new GaleError(
      'GALE_ERR_USAGE',
      node.mapping
        ? `Task "${node.taskId}" is mapped: say which instance with --map-index`
        : `Task "${node.taskId}" is not mapped: leave out --map-index`,
      {
        hint: node.mapping
          ? 'Map indexes run from 0; with --run-id, the expand input comes from that run.'
          : undefined,
      },
    );
  }
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
    backfill_id: null,
  };
  const channel = new DbTryChannel(input.gdb, input.secrets);
  const ref = {
    tiId: '',
    tryNumber: 1,
    dagId: runRow.dag_id,
    runId: runRow.run_id,
    taskId: node.taskId,
    mapIndex,
  };
  // upstream outputs as a try gets them (a mapped upstream's as the list of its instances' outputs)
  const { pull } = outputPuller(channel, input.outputs, input.dag, ref);
  const args: unknown[] = node.mapping ? await gatherArgs(channel, input.outputs, input.dag, node, ref) : [];
  for (const spec of node.mapping ? [] : node.args) {
    const value = spec.type === 'literal' ? spec.value : run ? await pull(spec.taskId, spec.key) : undefined;
    if (spec.type === 'output' && value === undefined)
      input.log.warn(
        `No output of upstream task "${spec.taskId}"; passing undefined (use --run-id to take it from a run)`,
      );
    args.push(value);
  }
  const controller = new AbortController();
  const ctx = buildTaskContext({
    run: runRow,
    taskId: node.taskId,
    mapIndex,
    tryNumber: 1,
    maxTries: node.options.retries,
    dagParams: input.dag.paramDefaults(),
    log: input.log,
    signal: controller.signal,
    xcomPull: async <T>(taskId: string, key = 'return_value') => (await pull(taskId, key)) as T | undefined,
    xcomPush: async (key: string, value: unknown) => {
      input.log.info(`xcomPush ${key}: ${JSON.stringify(value)} (not stored by tasks test)`);
    },
    secrets: secretAccessors(channel, ref, input.log),
    dagRuns: dagRunAccessors(channel, ref, input.log),
    resumeMethods: Object.keys(node.resume),
  });
  if (input.renderOnly)
    return redactDeep(await renderFields(forThisInstance(node, args, mapIndex), ctx), input.log);
  return executeTask(node, ctx, args, input.log, input.killGraceMs, undefined, input.containers);
}
