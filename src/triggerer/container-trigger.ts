/**
 * ContainerTrigger (as Airflow's KubernetesPodTrigger): fires when a deferrable container task's
 * container has exited, with its exit code and reason, looking at it every poll interval on the
 * engine the task process started it on (the kwargs carry the engine's address). It only
 * inspects: collecting the output and removing the container is the resumed try's work.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createContainerEngine } from '../containers/index.js';
import {
  type ContainerExit,
  type ContainerTriggerKwargs,
  containerTriggerKwargs,
  GaleError,
  TRIGGER_CLASSPATHS,
} from '../models/index.js';
import type { Trigger, TriggerType } from './trigger.js';

class ContainerTrigger implements Trigger {
  constructor(readonly kwargs: ContainerTriggerKwargs) {}

  async run(signal: AbortSignal): Promise<ContainerExit> {
    const { name, namespace, engine, docker_host } = this.kwargs;
    const containers = await createContainerEngine({ engine, dockerHost: docker_host });
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
}

export const containerTriggerType: TriggerType<ContainerTriggerKwargs> = {
  classpath: TRIGGER_CLASSPATHS.container,
  kwargs: containerTriggerKwargs,
  create: (kwargs) => new ContainerTrigger(kwargs),
};
