/** The scheduler: the loop, run creation, task readiness, queueing and recovery. */
export { type BackfillOptions, createBackfill, dryRunBackfill } from './backfill-requests.js';
export { scheduleBackfills } from './backfills.js';
export { createDueScheduledRuns, startQueuedRuns, triggerDagRun } from './dag-run-creation.js';
export { type DagTestOptions, testDag } from './dag-test.js';
export { type LostTry, LostTryContainers } from './lost-try-containers.js';
export { failZombies, handleExecutorEvents, requeueStaleQueued } from './recovery.js';
export { decideRun } from './run-decisions.js';
export { type LoopStats, Scheduler, type SchedulerDeps } from './scheduler.js';
export { queueScheduledTasks, taskLogPath } from './task-queueing.js';
export { scheduleRun, scheduleRunningRuns } from './task-readiness.js';
