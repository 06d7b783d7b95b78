/**
 * Terminology
 * - human-in-the-loop (HITL) task: a task that waits for a person's answer (Airflow 3.1's
 *   HITLOperator, ApprovalOperator, HITLBranchOperator, HITLEntryOperator). It defers on a
 *   HITLTrigger, holding no worker slot, until someone answers from the CLI, API or UI.
 * - HITL detail: what the request asks (subject, body, options, params) and, once given, the
 *   answer (chosen options, params input, who answered and when); one per task instance.
 * - default outcome: the options chosen for the person when the timeout passes unanswered
 *   (Airflow's `defaults`); without one the task fails.
 *
 * The trigger's kwargs, the answer's checks and how an answer steers the run. Pure: no I/O.
 */
import { z } from '#zod';
import { GaleError, isGaleError } from './errors.js';
import { type ParamSchema, resolveParams } from './params.js';

export const APPROVE = 'Approve';
export const REJECT = 'Reject';

/** A param of a HITL request: its default value (if any) and its JSON Schema. */
export const hitlParamSchema = z.object({ value: z.unknown(), schema: z.record(z.string(), z.unknown()) });
export type HitlParam = z.infer<typeof hitlParamSchema>;

/** What a HITL request asks: stored in hitl_detail when its try defers. */
export const hitlRequestSchema = z.object({
  subject: z.string().min(1).max(2000),
  body: z.string().nullable(),
  options: z.array(z.string().min(1)).min(1),
  multiple: z.boolean(),
  params: z.record(z.string(), hitlParamSchema),
  /** the options chosen when nobody answers in time (null: the task fails then) */
  defaults: z.array(z.string()).nullable(),
  /** the usernames who may answer (null: any User, Op or Admin) */
  assignees: z.array(z.string()).nullable(),
});
export type HitlRequest = z.infer<typeof hitlRequestSchema>;

/** The HITLTrigger's kwargs: the task instance it waits for, its request, and its timeout. */
export const hitlTriggerKwargs = hitlRequestSchema
  .extend({
    dag_id: z.string(),
    run_id: z.string(),
    task_id: z.string(),
    map_index: z.number().int(),
    /** counted from when the try deferred; null: wait for ever */
    timeout_ms: z.number().int().min(0).nullable(),
    poke_interval_ms: z.number().int().min(10).default(5_000),
  })
  .strict();
export type HitlTriggerKwargs = z.infer<typeof hitlTriggerKwargs>;

/** The answer as the HITLTrigger fires it, and the resumed try reads it. */
export interface HitlResponseEvent {
  chosen_options: string[];
  params_input: Record<string, unknown>;
  /** null when the default outcome was applied at the timeout */
  responded_by: string | null;
  responded_at: string;
  timed_out: boolean;
}

/** What a HITL task outputs (Airflow's {"chosen_options": ..., "params_input": ...}). */
export interface HitlResult<P = Record<string, unknown>> {
  chosenOptions: string[];
  paramsInput: P;
  /** the username who answered; null when the default outcome was applied at the timeout */
  respondedBy: string | null;
  respondedAt: string;
  timedOut: boolean;
}

/** An answer as given (API body, CLI flags), before it is checked. */
export interface HitlAnswer {
  chosenOptions: readonly string[];
  paramsInput: Record<string, unknown>;
}

const noun = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Checks an answer against its request and returns it normalized: the chosen options (the only
 * one when the request offers one and none was chosen, as for an entry form) and the params
 * (defaults overridden by the input, each valid against its schema). Throws
 * GALE_ERR_HITL_INVALID_RESPONSE naming what is wrong.
 */
export function checkHitlAnswer(
  request: Pick<HitlRequest, 'options' | 'multiple' | 'params'>,
  answer: HitlAnswer,
): { chosenOptions: string[]; paramsInput: Record<string, unknown> } {
  const invalid = (message: string, hint: string) =>
    new GaleError('GALE_ERR_HITL_INVALID_RESPONSE', message, { hint });
  const offered = `Choose ${request.multiple ? 'one or more' : 'one'} of: ${request.options.join(', ')}.`;
  let chosen = [...new Set(answer.chosenOptions)];
  if (chosen.length === 0 && request.options.length === 1) chosen = [...request.options];
  if (chosen.length === 0) throw invalid('No option was chosen', offered);
  const unknown = chosen.filter((o) => !request.options.includes(o));
  if (unknown.length > 0) throw invalid(`Not an option of this request: ${unknown.join(', ')}`, offered);
  if (!request.multiple && chosen.length > 1) {
    throw invalid(`This request takes one option, not ${noun(chosen.length, 'option')}`, offered);
  }
  const names = Object.keys(request.params);
  const extra = Object.keys(answer.paramsInput).filter((k) => !names.includes(k));
  if (extra.length > 0) {
    throw invalid(
      `Not a param of this request: ${extra.join(', ')}`,
      names.length > 0 ? `Its params are: ${names.join(', ')}.` : 'It takes no params.',
    );
  }
  const defaults: Record<string, unknown> = {};
  const schemas: Record<string, ParamSchema> = {};
  for (const [name, p] of Object.entries(request.params)) {
    if (p.value !== undefined) defaults[name] = p.value;
    schemas[name] = p.schema;
  }
  try {
    return {
      chosenOptions: chosen,
      paramsInput: resolveParams(defaults, schemas, answer.paramsInput, 'Params'),
    };
  } catch (error) {
    if (!isGaleError(error)) throw error;
    throw new GaleError('GALE_ERR_HITL_INVALID_RESPONSE', error.message, {
      hint: `Give params that pass their schemas: ${JSON.stringify(schemas)}`,
      cause: error,
    });
  }
}

/** The answer applied when the timeout passes: the defaults, or null when the task must fail. */
export function timeoutAnswer(request: Pick<HitlRequest, 'defaults' | 'params'>): HitlAnswer | null {
  if (request.defaults === null || request.defaults.length === 0) return null;
  return { chosenOptions: request.defaults, paramsInput: {} };
}

/** A HITL task's output from its trigger's event. */
export function hitlResultOf(event: HitlResponseEvent): HitlResult {
  return {
    chosenOptions: event.chosen_options,
    paramsInput: event.params_input,
    respondedBy: event.responded_by,
    respondedAt: event.responded_at,
    timedOut: event.timed_out,
  };
}

function chosenOf(output: unknown): string[] {
  if (output === null || typeof output !== 'object') return [];
  const chosen = (output as { chosenOptions?: unknown }).chosenOptions;
  return Array.isArray(chosen) ? chosen.filter((c): c is string => typeof c === 'string') : [];
}

/**
 * Whether an approval task's output skips everything downstream of it: rejected, as Airflow's
 * ApprovalOperator (ignore_downstream_trigger_rules: the approval task itself succeeds).
 */
export function approvalSkipsDownstream(output: unknown): boolean {
  return chosenOf(output).includes(REJECT);
}

/** The tasks a HITL branch task follows: the options chosen (each a task id directly downstream). */
export function hitlBranchChoice(output: unknown): string[] {
  return chosenOf(output);
}
