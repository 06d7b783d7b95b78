/** The triggerer: deferred tries' triggers, run many at once, and the service that runs them. */
export { type InlineOutcome, type InlineWait, runDeferredInline } from './inline.js';
export { BUILT_IN_TRIGGERS, createTrigger } from './registry.js';
export { RunningTriggers, type TriggerOutcome } from './running-triggers.js';
export { type Clock, sleepUntil, type Trigger, type TriggerContext, type TriggerType } from './trigger.js';
export {
  type CompiledTriggererOptions,
  compileTriggererOptions,
  Triggerer,
  type TriggererDeps,
} from './triggerer.js';
export { firstEvent, TriggerModules } from './user-trigger.js';
