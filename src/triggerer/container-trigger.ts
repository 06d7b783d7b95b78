/**
 * ContainerTrigger (as Airflow's KubernetesPodTrigger): fires when a deferrable container task's
 * container has exited, with its exit code and reason, looking at it every poll interval on the
 * engine the task process started it on (the kwargs carry the engine's address). It only
 * inspects: collecting the output and removing the container is the resumed try's work, unless
 * no try will resume (cleanup: the deferral timed out, the trigger failed, the task instance was
 * cleared or marked): then it stops and removes the container itself.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type ContainerEngine, createContainerEngine } from '../containers/index.js';
import {
  type ContainerExit,
  type ContainerTriggerKwargs,
  containerTriggerKwargs,
  GaleError,
  TRIGGER_CLASSPATHS,
} from '../models/index.js';
import type { Trigger, TriggerType } from './trigger.js';

/** How long a container being cleaned up gets to stop (SIGTERM) before it is killed: its try is over. */
const CLEANUP_GRACE_MS = 1_000;

function engineOf(kwargs: ContainerTriggerKwargs): Promise<ContainerEngine> {
  const { engine, docker_host, kubernetes: k } = kwargs;
  return createContainerEngine({
    engine,
    dockerHost: docker_host,
    ...(k
      ? {
          kubernetes: {
            inCluster: k.in_cluster,
            configFile: k.config_file,
            context: k.context,
            namespace: kwargs.namespace ?? 'default',
            pendingTimeoutMs: k.pending_timeout_ms,
          },
        }
      : {}),
  });
}

class ContainerTrigger implements Trigger {
  constructor(readonly kwargs: ContainerTriggerKwargs) {}

  async run(signal: AbortSignal): Promise<ContainerExit> {
    const { name, namespace } = this.kwargs;
    const containers = await engineOf(this.kwargs);
    for (;;) {
      signal.throwIfAborted();
      const state = await containers.inspect({ name, namespace });
      if (state === null) {
        throw new GaleError(
          'GALE_ERR_TRIGGER_FAILED',
          `Container ${name} is gone: it was removed while the task waited`,
          {
            hint: 'Clear the task to run it again; do not remove the containers of deferred tasks.',
          },
        );
      }
      if (!state.running) return state.exit;
      // timers/promises clears its timer when the signal aborts
      await sleep(this.kwargs.poll_interval_ms, undefined, { signal });
    }
  }

  async cleanup(): Promise<void> {
    const ref = { name: this.kwargs.name, namespace: this.kwargs.namespace };
    const containers = await engineOf(this.kwargs);
    await containers.stop(ref, CLEANUP_GRACE_MS);
    await containers.remove(ref);
  }
}

export const containerTriggerType: TriggerType<ContainerTriggerKwargs> = {
  classpath: TRIGGER_CLASSPATHS.container,
  kwargs: containerTriggerKwargs,
  create: (kwargs) => new ContainerTrigger(kwargs),
};
