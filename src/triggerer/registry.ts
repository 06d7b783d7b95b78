/**
 * The triggers the triggerer can run, by classpath, and making one from its stored row: the row's
 * kwargs are parsed with the trigger's schema here, at the edge, as they come from a task process.
 */
import type { Kysely } from '#kysely';
import type { Database } from '../db/index.js';
import { GaleError, type TriggerClasspath } from '../models/index.js';
import { containerTriggerType } from './container-trigger.js';
import { externalTaskTriggerType } from './external-task-trigger.js';
import { fileTriggerType } from './file-trigger.js';
import { hitlTriggerType } from './hitl-trigger.js';
import { httpTriggerType } from './http-trigger.js';
import { dateTimeTriggerType, timeDeltaTriggerType } from './temporal-triggers.js';
import type { Clock, Trigger, TriggerType } from './trigger.js';
import { createUserTrigger, TriggerModules } from './user-trigger.js';

export const BUILT_IN_TRIGGERS: ReadonlyMap<TriggerClasspath, TriggerType<unknown>> = new Map(
  [
    dateTimeTriggerType,
    timeDeltaTriggerType,
    fileTriggerType,
    containerTriggerType,
    httpTriggerType,
    externalTaskTriggerType,
    hitlTriggerType,
  ].map((t) => [t.classpath as TriggerClasspath, t as TriggerType<unknown>]),
);

/**
 * A trigger from its row; throws GALE_ERR_TRIGGER_INVALID for an unknown classpath or bad kwargs.
 * `db`: the metadata database, for the triggers that read it.
 */
export function createTrigger(
  row: { classpath: string; kwargs: string; created_date: string; fileloc?: string | null },
  clock: Clock,
  db: Kysely<Database> | null = null,
  modules: TriggerModules = new TriggerModules(),
): Trigger {
  let raw: unknown;
  try {
    raw = JSON.parse(row.kwargs);
  } catch (error) {
    throw new GaleError('GALE_ERR_TRIGGER_INVALID', `The kwargs of ${row.classpath} are not JSON`, {
      cause: error,
    });
  }
  const type = BUILT_IN_TRIGGERS.get(row.classpath as TriggerClasspath);
  if (!type) {
    const kwargs = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
    const user = createUserTrigger({ classpath: row.classpath, kwargs, fileloc: row.fileloc }, modules);
    if (user) return user;
    throw new GaleError('GALE_ERR_TRIGGER_INVALID', `No trigger is called "${row.classpath}"`, {
      hint: `Defer on one of: ${[...BUILT_IN_TRIGGERS.keys()].join(', ')} (dateTimeTrigger, timeDeltaTrigger, fileTrigger, httpTrigger, externalTaskTrigger in gale/sdk), or on a trigger made with defineTrigger in a DAG file.`,
    });
  }
  const parsed = type.kwargs.safeParse(raw);
  if (!parsed.success) {
    throw new GaleError(
      'GALE_ERR_TRIGGER_INVALID',
      `Bad kwargs for ${row.classpath}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(kwargs)'}: ${i.message}`).join('; ')}`,
      { hint: 'Build triggers with the functions of gale/sdk rather than by hand.', cause: parsed.error },
    );
  }
  return type.create(parsed.data, { clock, createdDate: new Date(row.created_date), db });
}
