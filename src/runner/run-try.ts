/**
 * The life of one try inside the process that runs it: claim it with its token, load the DAG,
 * gather the upstream outputs, run the task, and record the result once: its end, or its deferral
 * (ctx.defer(); the same try resumes in a new process when its trigger fires). Used by the task
 * process (runner/main.ts) and in-process by `gale dags test` and `gale tasks test`.
 */
import { hostname } from 'node:os';
import type { ContainerEngineSettings } from '../containers/index.js';
import { isDagModuleLoaded, loadDag } from '../dag-processing/index.js';
import type { ClaimedTry, DagRunRow } from '../db/index.js';
import type { TaskWorkload } from '../executors/index.js';
import {
  approvalSkipsDownstream,
  describeError,
  executionTimeoutMessage,
  GaleError,
  hitlBranchChoice,
  type ResumeState,
} from '../models/index.js';
import { DatabaseOutputStore, type OutputStore } from '../output-store/index.js';
import {
  type Dag,
  type TaskCallbacks,
  type TaskContext,
  type TaskNode,
  terminalStateOf,
} from '../sdk/index.js';
import { tryAssets } from './asset-context.js';
import { settleWithin } from './container-task.js';
import { recordDeferral, runTaskCode } from './deferral.js';
import { executeTask } from './execute-task.js';
import { gatherArgs, outputPuller } from './task-args.js';
import { buildTaskContext } from './task-context.js';
import { dagRunAccessors } from './task-dag-runs.js';
import { captureConsole, createTaskLogger, type LogSink } from './task-log.js';
import { secretAccessors } from './task-secrets.js';
import type { TryChannel } from './try-channel.js';
import type { WatchdogMessage } from './watchdog.js';
import type { WatchdogHandle } from './watchdog-handle.js';

export interface RunTryOptions {
  /** how the try reaches the metadata: the database itself, or the task execution API */
  channel: TryChannel;
  sink: LogSink;
  maxOutputSize: number;
  /** where outputs go (output_store settings); default: their xcom rows, up to maxOutputSize */
  outputs?: OutputStore;
  heartbeatMs: number;
  killGraceMs: number;
  /** the task process's watchdog thread; null in-process (`dags test`), where a timer heartbeats */
  watchdog: WatchdogHandle | null;
  /** aborted when the process is asked to stop (SIGTERM) */
  stop?: AbortSignal;
  /** the engine of container tasks (the `containers` settings; default docker at $DOCKER_HOST) */
  containers?: ContainerEngineSettings;
  /**
   * The claim the executor already made for this process when it handed the try over (the local
   * executor's warm processes); without it, the try is claimed here first.
   */
  claimed?: ClaimedTry;
}

export type TryResult =
  | { kind: 'not_claimed' }
  | { kind: 'success'; output: unknown }
  /** the try handed a trigger to the triggerer; it resumes in a new process when it fires */
  | { kind: 'deferred' }
  | { kind: 'failed'; error: string; recordedState: string | null };

function downstreamOf(dag: Dag, taskId: string, transitive: boolean): string[] {
  const found = new Set<string>();
  const stack = [taskId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    for (const t of dag.tasks.values()) {
      if (t.upstream.has(id) && !found.has(t.taskId)) {
        found.add(t.taskId);
        if (transitive) stack.push(t.taskId);
      }
    }
  }
  return [...found];
}

/**
 * The tasks a branch, short-circuit or latest-only task skips, as Airflow's operators do:
 * a branch skips the directly downstream tasks it did not choose; a short-circuit that returned a
 * falsy value skips everything downstream of it; latest-only skips its directly downstream tasks
 * in a scheduled run when a later scheduled run is already due.
 */
async function flowSkips(
  channel: TryChannel,
  w: TaskWorkload,
  dag: Dag,
  node: TaskNode,
  run: DagRunRow,
  output: unknown,
): Promise<string[]> {
  switch (node.flow) {
    case 'branch':
      return branchSkips(dag, node.taskId, output);
    case 'short_circuit':
      return output ? [] : downstreamOf(dag, node.taskId, true);
    case 'approval':
      return approvalSkipsDownstream(output) ? downstreamOf(dag, node.taskId, true) : [];
    case 'hitl_branch':
      return branchSkips(dag, node.taskId, hitlBranchChoice(output));
    case 'latest_only':
      if (run.run_type === 'manual') return [];
      return (await channel.isLatestRun(w)) ? [] : downstreamOf(dag, node.taskId, false);
    default:
      return [];
  }
}

/** The directly downstream tasks a branch task did not choose; throws when it chose a task that is not one. */
export function branchSkips(dag: Dag, taskId: string, output: unknown): string[] {
  const downstream = downstreamOf(dag, taskId, false);
  const chosen = output === null || output === undefined ? [] : Array.isArray(output) ? output : [output];
  for (const id of chosen) {
    if (typeof id !== 'string' || !downstream.includes(id)) {
      throw new GaleError(
        'GALE_ERR_DAG_INVALID',
        `Branch task "${taskId}" chose ${JSON.stringify(id)}, which is not a task directly downstream of it`,
        {
          hint: `Return one or more of: ${downstream.join(', ') || '(it has no downstream tasks)'}, or null to skip them all.`,
        },
      );
    }
  }
  return downstream.filter((id) => !chosen.includes(id));
}

export function serializeOutput(
  value: unknown,
  maxBytes: number,
  where: string,
  setting = 'core.max_output_size',
): string | undefined {
  if (value === undefined) return undefined;
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new GaleError(
      'GALE_ERR_OUTPUT_NOT_JSON',
      `${where}: the return value cannot be stored as JSON: ${(error as Error).message}`,
      {
        hint: 'Return plain data (objects, arrays, strings, numbers, booleans, null).',
        cause: error,
      },
    );
  }
  if (json === undefined) return undefined;
  const size = Buffer.byteLength(json);
  if (size > maxBytes) {
    throw new GaleError(
      'GALE_ERR_OUTPUT_TOO_LARGE',
      `${where}: the return value is ${size} bytes of JSON, more than ${setting} (${maxBytes})`,
      {
        hint: `Return a reference (a path or URL) to large data instead of the data, raise ${setting}, or set output_store.backend to file.`,
      },
    );
  }
  return json;
}

export async function runTry(w: TaskWorkload, options: RunTryOptions): Promise<TryResult> {
  const { channel } = options;
  const claimed =
    options.claimed ?? (await channel.claim(w, { token: w.token, hostname: hostname(), pid: process.pid }));
  if (!claimed) return { kind: 'not_claimed' };
  const { maxTries, resume } = claimed;
  const outputs = options.outputs ?? new DatabaseOutputStore(options.maxOutputSize);
  // as the claim deleted the previous try's xcom rows, the files they referred to go too
  if (!resume && outputs.backend === 'file') await outputs.delete(w);
  // a resumed try's clock runs from the start of its first run (executionTimeout, as Airflow's)
  const startedAt = new Date(claimed.startDate);

  const log = createTaskLogger(options.sink);
  const controller = new AbortController();
  const onStop = () => controller.abort(new Error('Task process received SIGTERM'));
  options.stop?.addEventListener('abort', onStop, { once: true });
  let node: TaskNode | null = null;
  let timeoutTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let ctx: TaskContext | null = null;
  let code: Promise<unknown> | undefined;
  const callback = async (name: keyof TaskCallbacks, error?: string): Promise<void> => {
    const fn = node?.callbacks[name];
    if (!fn || !ctx) return;
    const restore = captureConsole(log);
    try {
      await fn(ctx, error);
    } catch (callbackError) {
      log.error(`The ${name} callback failed: ${describeError(callbackError)}`);
    } finally {
      restore();
    }
  };
  const retryOf = (n: TaskNode | null) =>
    n?.options ?? { retryDelayMs: 0, retryExponentialBackoff: false, maxRetryDelayMs: null };
  const onWatchdog = (m: WatchdogMessage) => {
    if (m.kind === 'timeout') controller.abort(new GaleError('GALE_ERR_TASK_TIMEOUT', m.error));
    if (m.kind === 'lost')
      controller.abort(new Error('The try was ended elsewhere (no longer running in the database)'));
  };
  const watch = (timeoutMs: number | null) =>
    options.watchdog?.watch(
      {
        tiId: w.tiId,
        tryNumber: w.tryNumber,
        startedAt: startedAt.getTime(),
        timeoutMs,
        retry: retryOf(node),
      },
      onWatchdog,
    );
  // Heartbeat from the claim on; the timeout is known once the DAG is loaded. A DAG this process
  // imported before loads at once: the try is watched from there (one write to the slot less).
  if (!isDagModuleLoaded(w.fileloc)) watch(null);
  try {
    log.info(
      `${resume ? 'Resuming' : 'Starting'} try ${w.tryNumber} of ${w.dagId}.${w.taskId}${w.mapIndex >= 0 ? `[${w.mapIndex}]` : ''}, run ${w.runId} (pid ${process.pid}, host ${hostname()})${resume ? resumeReason(resume) : ''}`,
    );
    // the claim may bring the run along (read in its transaction): a warm try then reads nothing
    const run = claimed.run ?? (await channel.dagRun(w));
    const dag = await loadDag(w.fileloc, w.dagId);
    node = dag.getTask(w.taskId);
    const { watchdog } = options;
    if (watchdog) {
      watch(node.options.executionTimeoutMs);
    } else {
      heartbeat = setInterval(() => {
        channel.heartbeat(w).catch(() => undefined);
      }, options.heartbeatMs);
    }
    if (!watchdog && node.options.executionTimeoutMs !== null) {
      const ms = node.options.executionTimeoutMs;
      timeoutTimer = setTimeout(
        () => controller.abort(new GaleError('GALE_ERR_TASK_TIMEOUT', executionTimeoutMessage(ms))),
        Math.max(0, ms - (Date.now() - startedAt.getTime())),
      );
    }
    const args = await gatherArgs(channel, outputs, dag, node, w);
    const { pull } = outputPuller(channel, outputs, dag, w);
    const triggering = run.run_type === 'asset_triggered' ? await channel.triggeringAssetEvents(w) : [];
    const assets = tryAssets(node.options.outlets ?? [], triggering);
    ctx = buildTaskContext({
      run,
      taskId: w.taskId,
      mapIndex: w.mapIndex,
      tryNumber: w.tryNumber,
      maxTries,
      dagParams: dag.paramDefaults(),
      log,
      signal: controller.signal,
      // a mapped task's outputs come as the list of all its instances' outputs, as Airflow's
      xcomPull: async <T>(taskId: string, key = 'return_value') => (await pull(taskId, key)) as T | undefined,
      xcomPush: async (key: string, value: unknown) => {
        if (key === 'return_value') {
          throw new GaleError(
            'GALE_ERR_DAG_INVALID',
            'xcomPush: "return_value" is the key of the return value',
            {
              hint: 'Return the value instead, or push it under another key.',
            },
          );
        }
        const json = serializeOutput(
          value,
          outputs.limit.bytes,
          `DAG "${w.dagId}", task "${w.taskId}", output "${key}"`,
          outputs.limit.setting,
        );
        if (json === undefined) return;
        await channel.setXcom(w, key, await outputs.put({ ...w, key }, json));
      },
      secrets: secretAccessors(channel, w, log),
      dagRuns: dagRunAccessors(channel, w, log),
      assets: assets.accessors,
      resume,
      resumeMethods: Object.keys(node.resume),
    });
    await callback('onExecute');
    const restoreConsole = captureConsole(log);
    let output: unknown;
    try {
      const aborted = new Promise<never>((_, reject) => {
        if (controller.signal.aborted) reject(controller.signal.reason);
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      });
      aborted.catch(() => undefined);
      const keepRendered = (fields: Record<string, unknown>) => channel.saveRenderedFields(w, fields);
      code = runTaskCode(node, ctx, resume, (c) =>
        executeTask(node!, c, args, log, options.killGraceMs, keepRendered, options.containers),
      );
      output = await Promise.race([code, aborted]);
    } finally {
      restoreConsole();
    }
    const skip = await flowSkips(channel, w, dag, node, run, output);
    const where = `DAG "${w.dagId}", task "${w.taskId}"`;
    const json = serializeOutput(output, outputs.limit.bytes, where, outputs.limit.setting);
    const stored = json === undefined ? undefined : await outputs.put({ ...w, key: 'return_value' }, json);
    const done = await channel.succeed(w, { skip, outputJson: stored, assetEvents: assets.outletEvents() });
    if (!done) {
      log.warn('The try was ended elsewhere before it finished; its result is not recorded');
      return { kind: 'failed', error: 'ended elsewhere', recordedState: null };
    }
    log.info(
      `Task succeeded${json === undefined ? '' : `; output: ${json.length > 200 ? `${json.slice(0, 200)}...` : json}`}`,
    );
    await callback('onSuccess');
    return { kind: 'success', output };
  } catch (thrown) {
    // A stopped container task stops its container (a request to the engine): let it, within the grace period.
    if (controller.signal.aborted && node?.kind === 'container' && code) {
      await settleWithin(code, options.killGraceMs);
    }
    const deferral = node ? await recordDeferral(channel, w, thrown, node, log) : null;
    if (deferral?.kind === 'deferred') return { kind: 'deferred' };
    if (deferral?.kind === 'ended') return { kind: 'failed', error: 'ended elsewhere', recordedState: null };
    const error = deferral?.kind === 'error' ? deferral.error : thrown;
    const timeoutMs = node?.options.executionTimeoutMs ?? null;
    const overran = timeoutMs !== null && Date.now() - startedAt.getTime() >= timeoutMs;
    const message =
      overran && controller.signal.aborted && !(controller.signal.reason instanceof GaleError)
        ? executionTimeoutMessage(timeoutMs)
        : describeError(error);
    // TaskSkipped / TaskFailed (a sensor's softFail or timeout) end the try without retry
    const terminal = terminalStateOf(error);
    if (terminal === 'skipped') log.info(`Task skipped: ${message}`);
    else log.error(`Task failed: ${message}`);
    const outcome = await channel.fail(w, { error: message, retry: retryOf(node), terminal });
    if (outcome)
      log.info(
        `Marked ${outcome.state}${outcome.state === 'up_for_retry' ? `; next try after ${outcome.nextRetryAt.toISOString()}` : ''}`,
      );
    // Callbacks get the error's first line; its stack is in the try's log.
    const summary = message.split('\n')[0];
    if (outcome?.state === 'up_for_retry') await callback('onRetry', summary);
    if (outcome?.state === 'failed') await callback('onFailure', summary);
    if (outcome?.state === 'skipped') await callback('onSkip', summary);
    return { kind: 'failed', error: message, recordedState: outcome?.state ?? null };
  } finally {
    clearTimeout(timeoutTimer);
    clearInterval(heartbeat);
    options.stop?.removeEventListener('abort', onStop);
    options.watchdog?.unwatch();
  }
}

/** Why a try resumes: its reschedule date came (a reschedule-mode sensor), or its trigger fired. */
function resumeReason(resume: ResumeState): string {
  return 'reschedule_date' in resume.kwargs
    ? ` at its reschedule date, poking again`
    : ` after its trigger fired, with "${resume.method}"`;
}
