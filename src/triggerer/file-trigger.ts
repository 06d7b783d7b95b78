/**
 * FileTrigger (Airflow's airflow.triggers.file.FileTrigger): fires when a file exists at a path on
 * the triggerer's machine, looking every poke interval with an asynchronous stat.
 */
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type FileTriggerEvent,
  type FileTriggerKwargs,
  fileTriggerKwargs,
  TRIGGER_CLASSPATHS,
} from '../models/index.js';
import type { Trigger, TriggerType } from './trigger.js';

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

class FileTrigger implements Trigger {
  constructor(readonly kwargs: FileTriggerKwargs) {}

  async run(signal: AbortSignal): Promise<FileTriggerEvent> {
    for (;;) {
      signal.throwIfAborted();
      if (await isFile(this.kwargs.filepath)) return { filepath: this.kwargs.filepath };
      // timers/promises clears its timer when the signal aborts
      await sleep(this.kwargs.poke_interval_ms, undefined, { signal });
    }
  }
}

export const fileTriggerType: TriggerType<FileTriggerKwargs> = {
  classpath: TRIGGER_CLASSPATHS.file,
  kwargs: fileTriggerKwargs,
  create: (kwargs) => new FileTrigger(kwargs),
};
