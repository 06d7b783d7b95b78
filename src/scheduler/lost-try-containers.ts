/**
 * The container of a try whose task process died before it could stop and remove it (killed by
 * SIGKILL, out of memory, crashed, or gone without a heartbeat): whoever records the lost try (the
 * scheduler, or a `gale worker` for its own task processes) stops that container and removes it
 * as the try would have (unless the task keeps its containers, onFinish: 'keep'), so that no
 * container runs on after its try has failed. The container is found by its try's name, as the
 * task process, a resumed try and the triggerer find it.
 *
 * Best effort, off the loop: an engine that cannot be reached from this host (a docker engine on
 * another worker's machine) or a container already gone is logged, never fails the caller.
 */
import type { Logger } from 'pino';
import {
  type ContainerEngine,
  type ContainerEngineSettings,
  createContainerEngine,
} from '../containers/index.js';
import { containerName, describeError, type SerializedTask } from '../models/index.js';

/** The try whose process was lost, as the executor's workload or the task instance row names it. */
export interface LostTry {
  dagId: string;
  runId: string;
  taskId: string;
  mapIndex: number;
  tryNumber: number;
}

export class LostTryContainers {
  readonly #settings: ContainerEngineSettings;
  readonly #graceMs: number;
  readonly #log: Logger;
  #engine: Promise<ContainerEngine> | null = null;
  readonly #pending = new Set<Promise<void>>();

  /** `graceMs`: between the container's SIGTERM and SIGKILL (core.killed_task_cleanup_time). */
  constructor(settings: ContainerEngineSettings, graceMs: number, log: Logger) {
    this.#settings = settings;
    this.#graceMs = graceMs;
    this.#log = log;
  }

  /** Stops (and removes) the container of `t` when its task is a container task; returns at once. */
  cleanUp(task: SerializedTask | undefined, t: LostTry): void {
    if (task?.kind !== 'container' || !task.container) return;
    const ref = { name: containerName(t), namespace: task.container.namespace ?? null };
    const keep = task.container.onFinish === 'keep';
    const what = {
      dagId: t.dagId,
      runId: t.runId,
      taskId: t.taskId,
      tryNumber: t.tryNumber,
      container: ref.name,
    };
    const done = (async () => {
      // one client for every clean-up; one that could not be made is tried again next time
      this.#engine ??= createContainerEngine(this.#settings).catch((error: unknown) => {
        this.#engine = null;
        throw error;
      });
      const engine = await this.#engine;
      // an engine may fail to say (a pod that never started): then stop it all the same
      const state = await engine.inspect(ref).catch(() => ({ running: true }) as const);
      if (state === null) return;
      if (state.running) await engine.stop(ref, this.#graceMs);
      if (!keep) await engine.remove(ref);
      this.#log.warn(
        what,
        keep ? 'stopped the container of a lost try' : 'removed the container of a lost try',
      );
    })()
      .catch((error: unknown) => {
        this.#log.warn(
          { ...what, err: describeError(error) },
          'could not clean up the container of a lost try',
        );
      })
      .finally(() => this.#pending.delete(done));
    this.#pending.add(done);
  }

  /** Waits for the clean-ups under way (at shutdown), at most `ms`. */
  async settle(ms: number): Promise<void> {
    if (this.#pending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.#pending),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer);
  }
}
