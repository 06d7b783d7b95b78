/**
 * How the triggerer records what its triggers came to: fired triggers in batches, each one
 * transaction (a burst of timers firing at one moment costs a few transactions, not one per
 * trigger), failed ones after them (each failed try is recorded in its history on its own). Pure:
 * no I/O, no clock.
 */
import { chunked } from '../db/index.js';
import type { TriggerOutcome } from './running-triggers.js';

/** Fired triggers recorded in one transaction, at most. */
export const RECORD_BATCH_SIZE = 500;
/**
 * How long the triggerer lets outcomes gather after the first one settles while it waits, before
 * it records them (at once when a batch is full): triggers firing together land in one batch.
 */
export const RECORD_WINDOW_MS = 5;

export type FiredOutcome = Extract<TriggerOutcome, { kind: 'fired' }>;
export type FailedOutcome = Extract<TriggerOutcome, { kind: 'failed' }>;

export interface RecordingPlan {
  /** in the order they settled, at most `batchSize` each */
  firedBatches: FiredOutcome[][];
  failed: FailedOutcome[];
}

/** Splits the outcomes waiting to be recorded into batches of fired triggers, and failed ones. */
export function planRecording(
  outcomes: readonly TriggerOutcome[],
  batchSize: number = RECORD_BATCH_SIZE,
): RecordingPlan {
  const fired = outcomes.filter((o): o is FiredOutcome => o.kind === 'fired');
  const failed = outcomes.filter((o): o is FailedOutcome => o.kind === 'failed');
  return { firedBatches: chunked(fired, batchSize), failed };
}

/** Whether to record now rather than after the window: a whole batch waits already. */
export function isBatchFull(waiting: number, batchSize: number = RECORD_BATCH_SIZE): boolean {
  return waiting >= batchSize;
}
