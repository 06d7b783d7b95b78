/**
 * How a try runs a container task (podTask), as Airflow's KubernetesPodOperator: start the try's
 * container (named for the try, so a resumed try finds it), stream its output into the try's log,
 * wait for it, fail with its exit code and reason, read its output file back, and remove it. In
 * deferrable mode the try defers on the container trigger once the container runs, and its
 * resumed run collects the output. Stopping the try (timeout, SIGTERM) stops the container.
 */
import {
  type ContainerEngine,
  type ContainerEngineSettings,
  type ContainerRef,
  type ContainerSpec,
  createContainerEngine,
} from '../containers/index.js';
import {
  type ContainerExit,
  type ContainerTaskSpec,
  containerExitSchema,
  containerName,
  describeError,
  GaleError,
  TRIGGER_CLASSPATHS,
} from '../models/index.js';
import type { TaskContext, TriggerSpec } from '../sdk/index.js';
import type { TryLogger } from './task-log.js';

export interface ContainerRunOptions {
  settings: ContainerEngineSettings;
  killGraceMs: number;
}

/** What the template fields rendered to, for this try. */
export interface RenderedContainer {
  image: string;
  cmds: string[];
  args: string[];
  env: Record<string, string>;
}

/** Why a container exited, in words; an exit code 137 under a memory limit is most likely memory. */
export function exitReason(exit: ContainerExit, memoryLimit: string | undefined): string {
  if (exit.oomKilled) return 'OOMKilled';
  if (exit.exitCode === 137 && memoryLimit !== undefined) {
    // podman with runc on cgroup v1 reports OOMKilled=false for an out-of-memory kill
    return `killed (exit code 137) under a memory limit of ${memoryLimit}: most likely out of memory`;
  }
  if (exit.exitCode === 137) return 'killed (SIGKILL)';
  return exit.reason ?? 'Error';
}

function specOf(spec: ContainerTaskSpec, rendered: RenderedContainer, ctx: TaskContext): ContainerSpec {
  const { getLogs: _l, deferrable: _d, pollIntervalMs: _p, onFinish: _f, namespace, ...rest } = spec;
  const ref = {
    name: containerName({
      dagId: ctx.dagId,
      taskId: ctx.taskId,
      runId: ctx.runId,
      tryNumber: ctx.tryNumber,
      mapIndex: ctx.mapIndex,
    }),
    namespace,
  };
  return {
    ...rest,
    ...rendered,
    env: {
      ...rendered.env,
      GALE_CTX_DAG_ID: ctx.dagId,
      GALE_CTX_RUN_ID: ctx.runId,
      GALE_CTX_TASK_ID: ctx.taskId,
      GALE_CTX_TRY_NUMBER: String(ctx.tryNumber),
      GALE_CTX_LOGICAL_DATE: ctx.ts,
    },
    labels: {
      ...spec.labels,
      'gale.io/dag-id': ctx.dagId,
      'gale.io/task-id': ctx.taskId,
      'gale.io/run-id': ctx.runId,
      'gale.io/try-number': String(ctx.tryNumber),
      'gale.io/map-index': String(ctx.mapIndex),
    },
    ref,
  };
}

/** The trigger a deferrable container task waits on: the container's exit, watched by the triggerer. */
export function containerTrigger(
  ref: ContainerRef,
  settings: ContainerEngineSettings,
  pollIntervalMs: number,
): TriggerSpec<ContainerExit> {
  const kube = settings.engine === 'kubernetes' ? settings.kubernetes : undefined;
  return {
    classpath: TRIGGER_CLASSPATHS.container,
    kwargs: {
      engine: settings.engine,
      // the address this process reached, so the triggerer watches the same engine wherever it runs
      docker_host: settings.dockerHost || process.env.DOCKER_HOST || '',
      name: ref.name,
      namespace: ref.namespace ?? kube?.namespace ?? null,
      poll_interval_ms: pollIntervalMs,
      kubernetes: kube
        ? {
            in_cluster: kube.inCluster,
            config_file: kube.configFile,
            context: kube.context,
            pending_timeout_ms: kube.pendingTimeoutMs,
          }
        : null,
    },
  };
}

/** Starts the try's container, unless it runs already (the same try, run again): then attaches to it. */
async function startOrAttach(engine: ContainerEngine, spec: ContainerSpec, log: TryLogger): Promise<void> {
  const existing = await engine.inspect(spec.ref);
  if (existing?.running) {
    log.info(`Container ${spec.ref.name} of this try runs already; attaching to it`);
    return;
  }
  if (existing) await engine.remove(spec.ref); // a leftover of this try that exited: start afresh
  await engine.ensureImage(spec.image, spec.imagePullPolicy, (line) => log.info(line));
  await engine.start(spec);
  log.info(`Started container ${spec.ref.name} from image ${spec.image} on the ${engine.kind} engine`);
}

/** Resolves when `promise` settles or `ms` passed, whichever is first. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise((r) => {
      timer = setTimeout(r, ms);
    }),
  ]);
  clearTimeout(timer);
}

/**
 * Streams the output and waits for the exit. When the try is stopped, a container to keep is
 * stopped (SIGTERM, SIGKILL after half the grace period); one to delete is killed at once (podman
 * would wait its own stop timeout, 10 s, before removing a running container), then removed.
 */
async function follow(
  engine: ContainerEngine,
  spec: ContainerSpec,
  options: { getLogs: boolean; keep: boolean; killGraceMs: number },
  ctx: TaskContext,
  log: TryLogger,
): Promise<ContainerExit> {
  const { getLogs, keep, killGraceMs } = options;
  const streaming = new AbortController();
  const logsDone = getLogs
    ? engine.logs(spec.ref, (line) => log.write('info', line), { follow: true, signal: streaming.signal })
    : Promise.resolve();
  logsDone.catch((error: unknown) => log.warn(`Could not stream the container's output: ${String(error)}`));
  const waiting = new AbortController();
  const onAbort = () => waiting.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const exit = await engine.wait(spec.ref, waiting.signal);
    await settleWithin(logsDone, 5_000); // the last lines, written just before the exit
    return exit;
  } catch (error) {
    if (ctx.signal.aborted) {
      log.warn(`The try is stopping: stopping container ${spec.ref.name}`);
      await engine.stop(spec.ref, keep ? killGraceMs / 2 : 0).catch((e: unknown) => log.error(String(e)));
      throw ctx.signal.reason;
    }
    throw error;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    streaming.abort();
  }
}

async function readOutput(engine: ContainerEngine, ref: ContainerRef, file: string, log: TryLogger) {
  const content = await engine.readFile(ref, file);
  if (content === null || content.toString('utf8').trim() === '') {
    log.warn(`The container wrote no output to ${file}; the task has no output`);
    return undefined;
  }
  try {
    return JSON.parse(content.toString('utf8')) as unknown;
  } catch (error) {
    throw new GaleError(
      'GALE_ERR_CONTAINER_OUTPUT',
      `Container ${ref.name} wrote ${file}, which is not JSON: ${(error as Error).message}`,
      {
        hint: 'Write one JSON value to the output file (e.g. echo \'{"rows": 3}\' > /gale/xcom/return.json).',
        cause: error,
      },
    );
  }
}

/** Runs the try's container to its end (or defers on it); returns the task's output. */
export async function runContainerTask(
  spec: ContainerTaskSpec,
  rendered: RenderedContainer,
  ctx: TaskContext,
  log: TryLogger,
  options: ContainerRunOptions,
): Promise<unknown> {
  const engine = await createContainerEngine(options.settings);
  const container = specOf(spec, rendered, ctx);
  const { ref } = container;
  const resumed = ctx.triggerEvent !== undefined;
  let keep = spec.onFinish === 'keep';
  try {
    let exit: ContainerExit;
    if (resumed) {
      exit = containerExitSchema.parse(ctx.triggerEvent);
      log.info(`Container ${ref.name} exited with code ${exit.exitCode}`);
      if (spec.getLogs) {
        await engine
          .logs(ref, (line) => log.write('info', line), { follow: false })
          .catch((e: unknown) => log.warn(`Could not read the container's output: ${describeError(e)}`));
      }
    } else {
      const ignored = engine.ignoredFields(container);
      if (ignored.length > 0)
        log.info(`The ${engine.kind} engine ignores these Kubernetes-only fields: ${ignored.join(', ')}`);
      await startOrAttach(engine, container, log);
      if (spec.deferrable) {
        keep = true; // the resumed try collects it
        return ctx.defer(containerTrigger(ref, options.settings, spec.pollIntervalMs));
      }
      exit = await follow(
        engine,
        container,
        { getLogs: spec.getLogs, keep, killGraceMs: options.killGraceMs },
        ctx,
        log,
      );
    }
    if (exit.exitCode !== 0) {
      const limit = spec.resources.limits.memory;
      throw new GaleError(
        'GALE_ERR_CONTAINER_FAILED',
        `Container ${ref.name} exited with code ${exit.exitCode}: ${exitReason(exit, limit)}`,
        {
          hint:
            exit.exitCode === 137 && limit !== undefined
              ? 'Raise resources.limits.memory, or make the program use less memory.'
              : "See the container's output above in this log.",
        },
      );
    }
    return spec.outputFile === null ? undefined : await readOutput(engine, ref, spec.outputFile, log);
  } finally {
    if (!keep) {
      await engine
        .remove(ref)
        .catch((e: unknown) => log.warn(`Could not remove container ${ref.name}: ${String(e)}`));
    }
  }
}
