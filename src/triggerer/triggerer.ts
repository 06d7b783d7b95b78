/**
 * The triggerer (Airflow's TriggererJob): runs the triggers of deferred tries, many at once on
 * one event loop. Each pass it heartbeats its job, records what its triggers came to (fired
 * triggers send their task instances back to scheduled with the event, a batch of triggers per
 * transaction, so that thousands of timers firing at one moment resume in seconds), fails
 * deferrals past their timeout, deletes triggers no task instance needs, claims triggers nobody
 * live runs up to its capacity, and stops those that are no longer its own. Several triggerers
 * share the work; a triggerer that stops heartbeating for 2.1 heartbeats loses its triggers to
 * the others (as Airflow's Job.is_alive). It never runs user code.
 */
import type { Logger } from 'pino';
import type { GaleConfig } from '../config/index.js';
import {
  claimTriggers,
  cleanUnusedTriggers,
  deferredTisOf,
  endJob,
  existingTriggerIds,
  findTimedOutDeferrals,
  fireTriggers,
  type GaleDb,
  heartbeatJob,
  listTriggersOf,
  liveJobIds,
  SerializedDagCache,
  startJob,
} from '../db/index.js';
import type { GaleMetrics } from '../observability/index.js';
import { deferralTimeoutError, failDeferredTry, triggerFailureError } from './deferral-failures.js';
import {
  type FailedOutcome,
  type FiredOutcome,
  isBatchFull,
  planRecording,
  RECORD_WINDOW_MS,
} from './recording-batches.js';
import { RunningTriggers } from './running-triggers.js';
import type { Clock } from './trigger.js';

/** As Airflow's Job.is_alive: a job is dead after 2.1 heartbeats without one. */
const HEARTBEAT_GRACE = 2.1;

export interface CompiledTriggererOptions {
  readonly capacity: number;
  readonly pollIntervalMs: number;
  readonly heartbeatMs: number;
}

/** The `triggerer` settings, with a --capacity given on the command line over the setting. */
export function compileTriggererOptions(
  settings: GaleConfig['triggerer'],
  overrides: { capacity?: number } = {},
): CompiledTriggererOptions {
  return Object.freeze({
    capacity: overrides.capacity ?? settings.capacity,
    pollIntervalMs: settings.poll_interval * 1000,
    heartbeatMs: settings.job_heartbeat_sec * 1000,
  });
}

export interface TriggererDeps {
  db: GaleDb;
  options: CompiledTriggererOptions;
  log: Logger;
  clock?: Clock;
  metrics?: GaleMetrics;
}

export class Triggerer {
  readonly #deps: TriggererDeps;
  readonly #clock: Clock;
  readonly #cache = new SerializedDagCache();
  readonly #triggers: RunningTriggers;
  #jobId: number | null = null;
  #lastHeartbeat = 0;
  #lastBeatAt: number | null = null;
  #wake: (() => void) | null = null;
  #woken = false;
  /** the recording window after a trigger settled, while it runs */
  #window: NodeJS.Timeout | undefined;

  constructor(deps: TriggererDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? { now: () => new Date() };
    this.#triggers = new RunningTriggers({
      db: deps.db.db,
      clock: this.#clock,
      log: deps.log,
      onSettled: () => this.#onSettled(),
    });
  }

  /** When the last pass ended (milliseconds since the epoch), for readiness checks. */
  get lastBeatAt(): number | null {
    return this.#lastBeatAt;
  }

  /** The job id of this triggerer once it runs (the triggerer_id of its triggers). */
  get jobId(): number | null {
    return this.#jobId;
  }

  #wakeUp(): void {
    clearTimeout(this.#window);
    this.#window = undefined;
    this.#woken = true;
    this.#wake?.();
  }

  /** One pass of the loop (the job must be started). */
  async runOnce(): Promise<void> {
    const jobId = this.#jobId;
    if (jobId === null) throw new Error('Triggerer.runOnce before run()');
    const { db } = this.#deps.db;
    const { options, metrics } = this.#deps;
    const now = this.#clock.now();
    if (now.getTime() - this.#lastHeartbeat >= options.heartbeatMs) {
      await heartbeatJob(db, jobId, now);
      this.#lastHeartbeat = now.getTime();
    }
    await this.#record(now);
    for (const ti of await findTimedOutDeferrals(db, now)) {
      const error = deferralTimeoutError(ti);
      await failDeferredTry(db, this.#cache, { ti, error, now, log: this.#deps.log });
    }
    await cleanUnusedTriggers(db);
    const since = new Date(now.getTime() - options.heartbeatMs * HEARTBEAT_GRACE);
    const live = await liveJobIds(db, 'triggerer', since);
    const claimed = await claimTriggers(db, {
      triggererId: jobId,
      capacity: options.capacity,
      liveTriggererIds: live,
    });
    if (claimed > 0) this.#deps.log.info({ claimed }, 'claimed triggers');
    const mine = await listTriggersOf(db, jobId);
    const mineIds = new Set(mine.map((r) => r.id));
    const gone = this.#triggers.runningIds().filter((id) => !mineIds.has(id));
    // deleted (no try waits: timed out, cleared, marked): end what it waited on; else taken over
    const stillThere = await existingTriggerIds(db, gone);
    for (const id of gone) this.#triggers.stop(id, { cleanUp: !stillThere.has(id) });
    for (const row of mine) this.#triggers.start(row);
    metrics?.triggersRunning.set(this.#triggers.size);
    metrics?.triggererCapacityLeft.set(Math.max(0, options.capacity - this.#triggers.size));
    this.#lastBeatAt = this.#clock.now().getTime();
  }

  /**
   * Records what settled triggers came to: fired ones a batch per transaction, then failed ones.
   * What cannot be recorded now stays settled here, for the next pass.
   */
  async #record(now: Date): Promise<void> {
    const { firedBatches, failed } = planRecording(this.#triggers.settled());
    for (const batch of firedBatches) {
      try {
        await this.#recordFired(batch, now);
      } catch (error) {
        this.#deps.log.error(
          { err: error, triggerIds: batch.map((o) => o.triggerId) },
          'could not record fired triggers; retrying',
        );
      }
    }
    if (failed.length === 0) return;
    for (const outcome of failed) {
      try {
        await this.#recordFailed(outcome, now);
        this.#triggers.recorded(outcome.triggerId);
      } catch (error) {
        this.#deps.log.error(
          { err: error, triggerId: outcome.triggerId },
          'could not record a trigger outcome; retrying',
        );
      }
    }
    // their triggers: deleted now, or by the next pass's clean-up when this fails
    await cleanUnusedTriggers(this.#deps.db.db).catch((error: unknown) =>
      this.#deps.log.error({ err: error }, 'could not delete the triggers of failed tries; retrying'),
    );
  }

  async #recordFired(batch: readonly FiredOutcome[], now: Date): Promise<void> {
    const { log, metrics } = this.#deps;
    const resumed = await fireTriggers(this.#deps.db.db, { fired: batch, now });
    for (const outcome of batch) {
      this.#triggers.recorded(outcome.triggerId);
      metrics?.triggersSucceeded.inc();
      log.info(
        {
          triggerId: outcome.triggerId,
          classpath: outcome.classpath,
          resumed: resumed.get(outcome.triggerId),
        },
        'trigger fired',
      );
    }
  }

  /** A failed trigger fails (or retries) the tries that waited for it. */
  async #recordFailed(outcome: FailedOutcome, now: Date): Promise<void> {
    const { db } = this.#deps.db;
    const { log, metrics } = this.#deps;
    metrics?.triggersFailed.inc();
    const error = triggerFailureError(outcome.classpath, outcome.error);
    for (const ti of await deferredTisOf(db, outcome.triggerId)) {
      await failDeferredTry(db, this.#cache, { ti, error, now, log });
    }
    this.#triggers.cleanUp(outcome.triggerId); // no try will collect its container
  }

  /**
   * A trigger settled: wake the loop once a batch is full, else after a short window, so that
   * triggers firing together are recorded together.
   */
  #onSettled(): void {
    if (isBatchFull(this.#triggers.settledCount)) {
      this.#wakeUp();
      return;
    }
    this.#window ??= setTimeout(() => this.#wakeUp(), RECORD_WINDOW_MS);
  }

  /** Runs passes until the signal aborts, then stops its triggers and ends its job. */
  async run(signal: AbortSignal): Promise<void> {
    const { db } = this.#deps.db;
    const { log, options } = this.#deps;
    this.#jobId = await startJob(db, 'triggerer', this.#clock.now());
    this.#lastHeartbeat = this.#clock.now().getTime();
    const onAbort = () => this.#wake?.();
    signal.addEventListener('abort', onAbort);
    const waitMs = Math.min(options.pollIntervalMs, options.heartbeatMs);
    log.info({ jobId: this.#jobId, capacity: options.capacity }, 'triggerer started');
    try {
      while (!signal.aborted) {
        this.#woken = false;
        try {
          await this.runOnce();
        } catch (error) {
          log.error({ err: error }, 'triggerer loop failed; retrying');
        }
        if (this.#woken || signal.aborted) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, waitMs);
          function done() {
            clearTimeout(timer);
            resolve();
          }
          this.#wake = done;
        });
        this.#wake = null;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      log.info('triggerer stopping');
      await this.#triggers.stopAll();
      await this.#record(this.#clock.now()); // what fired while stopping is not lost
      clearTimeout(this.#window);
      this.#deps.metrics?.triggersRunning.set(0);
      // an ended job is not live: its triggers go to another triggerer at its next pass
      await endJob(db, this.#jobId, this.#clock.now());
    }
  }
}
