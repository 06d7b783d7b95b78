/**
 * The runner's side of deferral: what a try records when its code calls ctx.defer() (checked at
 * this edge: it comes from DAG code), and which code a resumed try runs (Airflow's
 * next_method: "execute", the task function again, or one of the task's resume functions).
 */
import {
  type Deferral,
  deferralSchema,
  GaleError,
  RESCHEDULE_CLASSPATH,
  RESUME_EXECUTE,
  type ResumeState,
} from '../models/index.js';
import {
  isTaskDeferred,
  type ResumeFunction,
  type TaskContext,
  type TaskDeferred,
  type TaskNode,
} from '../sdk/index.js';
import type { createTaskLogger } from './task-log.js';
import type { TryChannel, TryRef } from './try-channel.js';

function asJson(value: unknown, where: string): unknown {
  try {
    return JSON.parse(JSON.stringify(value ?? {}));
  } catch (error) {
    throw new GaleError('GALE_ERR_DAG_INVALID', `${where} cannot be stored as JSON`, {
      hint: 'Give defer() kwargs of plain data (objects, arrays, strings, numbers, booleans, null).',
      cause: error,
    });
  }
}

/** The deferral a TaskDeferred asks for, checked; throws a GaleError naming what is wrong. */
export function deferralOf(deferred: TaskDeferred, node: TaskNode): Deferral {
  const where = `Task "${node.taskId}": defer()`;
  const parsed = deferralSchema.safeParse({
    trigger: {
      classpath: deferred.trigger.classpath,
      kwargs: asJson(deferred.trigger.kwargs, `${where}'s trigger`),
    },
    method: deferred.method,
    kwargs: asJson(deferred.kwargs, `${where}'s kwargs`),
    timeoutMs: deferred.timeoutMs,
    executionTimeoutMs: node.options.executionTimeoutMs,
  });
  if (!parsed.success) {
    throw new GaleError(
      'GALE_ERR_TRIGGER_INVALID',
      `${where}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      {
        hint: 'Defer on a trigger made with dateTimeTrigger, timeDeltaTrigger or fileTrigger from gale/sdk.',
      },
    );
  }
  return parsed.data;
}

/**
 * When what a try's code threw is a TaskDeferred, records the deferral it asks for: 'deferred' (the
 * try's run ends here), 'ended' (the try had been ended elsewhere), or the error that makes the try
 * fail instead (a bad deferral). Null for anything else thrown.
 */
export async function recordDeferral(
  channel: TryChannel,
  t: TryRef,
  deferred: unknown,
  node: TaskNode,
  log: ReturnType<typeof createTaskLogger>,
): Promise<{ kind: 'deferred' } | { kind: 'ended' } | { kind: 'error'; error: unknown } | null> {
  if (!isTaskDeferred(deferred)) return null;
  let deferral: Deferral;
  try {
    deferral = deferralOf(deferred, node);
  } catch (error) {
    return { kind: 'error', error };
  }
  if (!(await channel.defer(t, deferral))) {
    log.warn('The try was ended elsewhere before it deferred; its deferral is not recorded');
    return { kind: 'ended' };
  }
  log.info(
    deferral.trigger.classpath === RESCHEDULE_CLASSPATH
      ? `Rescheduled (up_for_reschedule): the slot is freed; the same try pokes again at ${String(deferral.trigger.kwargs.reschedule_date)}`
      : `Deferred: waiting for ${deferral.trigger.classpath} ${JSON.stringify(deferral.trigger.kwargs)}; the try resumes with "${deferral.method}" when it fires`,
  );
  return { kind: 'deferred' };
}

/**
 * The resume function a resumed try runs, or null when it runs the task itself (its first run, or
 * a resume with "execute"). Throws when the task no longer has the function it deferred to.
 */
export function resumeFunctionOf(node: TaskNode, resume: ResumeState | null): ResumeFunction | null {
  if (!resume || resume.method === RESUME_EXECUTE) return null;
  const fn = node.resume[resume.method];
  if (!fn) {
    throw new GaleError(
      'GALE_ERR_DAG_INVALID',
      `Task "${node.taskId}" deferred to resume with "${resume.method}", which it no longer has`,
      {
        hint: `Add resume: { ${resume.method}: (ctx, event) => ... } back to the task, or clear the task to start it again.`,
      },
    );
  }
  return fn;
}

/** Runs the code of a try: on a resume with a resume function, that function; else `execute`. */
export async function runTaskCode(
  node: TaskNode,
  ctx: TaskContext,
  resume: ResumeState | null,
  execute: (ctx: TaskContext) => Promise<unknown>,
): Promise<unknown> {
  const fn = resumeFunctionOf(node, resume);
  return fn && resume ? fn(ctx, resume.event, resume.kwargs) : execute(ctx);
}
