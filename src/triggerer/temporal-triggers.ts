/**
 * Triggers that fire at a time (Airflow's airflow.triggers.temporal): DateTimeTrigger at a moment,
 * TimeDeltaTrigger a delta after the try deferred. Both fire with the moment as an ISO string.
 */
import {
  type DateTimeTriggerKwargs,
  dateTimeTriggerKwargs,
  type TimeDeltaTriggerKwargs,
  TRIGGER_CLASSPATHS,
  timeDeltaTriggerKwargs,
} from '../models/index.js';
import { type Clock, sleepUntil, type Trigger, type TriggerType } from './trigger.js';

class MomentTrigger implements Trigger {
  constructor(
    readonly moment: Date,
    readonly clock: Clock,
  ) {}

  async run(signal: AbortSignal): Promise<string> {
    await sleepUntil(this.moment, this.clock, signal);
    return this.moment.toISOString();
  }
}

export const dateTimeTriggerType: TriggerType<DateTimeTriggerKwargs> = {
  classpath: TRIGGER_CLASSPATHS.dateTime,
  kwargs: dateTimeTriggerKwargs,
  create: (kwargs, context) => new MomentTrigger(new Date(kwargs.moment), context.clock),
};

export const timeDeltaTriggerType: TriggerType<TimeDeltaTriggerKwargs> = {
  classpath: TRIGGER_CLASSPATHS.timeDelta,
  kwargs: timeDeltaTriggerKwargs,
  // counted from when the try deferred, so a triggerer taking it over fires it at the same moment
  create: (kwargs, context) =>
    new MomentTrigger(new Date(context.createdDate.getTime() + kwargs.delta_ms), context.clock),
};
