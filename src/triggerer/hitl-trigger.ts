/**
 * HITLTrigger (Airflow 3.1's HITLTrigger): waits for a person's answer to a human-in-the-loop
 * request, reading hitl_detail every poke interval, and fires with the answer. When its timeout
 * passes unanswered it applies the request's default outcome (recorded with no responder) and
 * fires with it, or fails the task when there is none. It needs the triggerer's database.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from '#kysely';
import { type Database, getHitlDetail, type HitlDetail, recordAnswer } from '../db/index.js';
import {
  GaleError,
  type HitlResponseEvent,
  type HitlTriggerKwargs,
  hitlTriggerKwargs,
  TRIGGER_CLASSPATHS,
  timeoutAnswer,
} from '../models/index.js';
import type { Clock, Trigger, TriggerType } from './trigger.js';

function eventOf(detail: HitlDetail, timedOut: boolean): HitlResponseEvent | null {
  if (!detail.response) return null;
  return {
    chosen_options: detail.response.chosenOptions,
    params_input: detail.response.paramsInput,
    responded_by: detail.response.respondedBy,
    responded_at: detail.response.respondedAt,
    timed_out: timedOut,
  };
}

class HitlTrigger implements Trigger {
  constructor(
    readonly kwargs: HitlTriggerKwargs,
    readonly db: Kysely<Database>,
    readonly clock: Clock,
    readonly deadline: Date | null,
  ) {}

  async run(signal: AbortSignal): Promise<HitlResponseEvent> {
    const k = this.kwargs;
    const key = { dagId: k.dag_id, runId: k.run_id, taskId: k.task_id, mapIndex: k.map_index };
    for (;;) {
      signal.throwIfAborted();
      const detail = await getHitlDetail(this.db, key);
      if (!detail) {
        throw new GaleError(
          'GALE_ERR_HITL_NOT_FOUND',
          `Task "${k.task_id}" has no human-in-the-loop request`,
          {
            hint: 'Clear the task instance so that it asks again.',
          },
        );
      }
      const answered = eventOf(detail, false);
      if (answered) return answered;
      const now = this.clock.now();
      if (this.deadline && now >= this.deadline) return this.timedOut(detail, now);
      await sleep(k.poke_interval_ms, undefined, { signal });
    }
  }

  /** As Airflow: the defaults are the answer when the timeout passes, else the task fails. */
  private async timedOut(detail: HitlDetail, now: Date): Promise<HitlResponseEvent> {
    const fallback = timeoutAnswer(detail.request);
    if (!fallback) {
      throw new GaleError(
        'GALE_ERR_HITL_TIMEOUT',
        `Nobody answered "${detail.request.subject}" by ${this.deadline?.toISOString()}, and it has no default outcome`,
        { hint: 'Give the task a defaultOutcome, or a longer timeout; clear it to ask again.' },
      );
    }
    const answer = { chosenOptions: [...fallback.chosenOptions], paramsInput: {}, respondedBy: null };
    if (await recordAnswer(this.db, detail, answer, now, { throwIfTaken: false })) {
      return {
        chosen_options: answer.chosenOptions,
        params_input: defaultParams(detail),
        responded_by: null,
        responded_at: now.toISOString(),
        timed_out: true,
      };
    }
    // someone answered at the last moment: their answer counts
    const latest = await getHitlDetail(this.db, detail);
    const event = latest ? eventOf(latest, false) : null;
    if (!event) throw new GaleError('GALE_ERR_HITL_NOT_FOUND', `Task "${detail.taskId}" lost its request`);
    return event;
  }
}

function defaultParams(detail: HitlDetail): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(detail.request.params))
    if (p.value !== undefined) out[name] = p.value;
  return out;
}

export const hitlTriggerType: TriggerType<HitlTriggerKwargs> = {
  classpath: TRIGGER_CLASSPATHS.hitl,
  kwargs: hitlTriggerKwargs,
  create: (kwargs, context) => {
    if (!context.db) {
      throw new GaleError('GALE_ERR_TRIGGER_INVALID', 'HITLTrigger needs the metadata database', {
        hint: 'Run it in the triggerer (gale triggerer or gale standalone).',
      });
    }
    const deadline =
      kwargs.timeout_ms === null ? null : new Date(context.createdDate.getTime() + kwargs.timeout_ms);
    return new HitlTrigger(kwargs, context.db, context.clock, deadline);
  },
};
