/**
 * What `gale dags test` prints when a human-in-the-loop task waits: it has no UI of its own, so it
 * says what the request asks and the `gale hitl respond` command that answers it (from another
 * terminal; the UI's Required actions page works too when an API server runs on this database).
 */
import { hitlTriggerKwargs, TRIGGER_CLASSPATHS } from '../models/index.js';
import type { InlineWait } from '../triggerer/index.js';

/** A word as a POSIX shell reads it: quoted unless it is plain. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** The lines to print for a deferred task instance about to be waited for; none unless it is a HITL task. */
export function hitlWaitLines(wait: InlineWait): string[] {
  if (wait.classpath !== TRIGGER_CLASSPATHS.hitl) return [];
  const parsed = hitlTriggerKwargs.safeParse(wait.kwargs);
  if (!parsed.success) return [];
  const k = parsed.data;
  const command = ['gale', 'hitl', 'respond', k.dag_id, k.run_id, k.task_id].map(shellWord);
  if (k.map_index >= 0) command.push('--map-index', String(k.map_index));
  // one option may be left out; several: the user picks
  if (k.options.length > 1) command.push('--choose', k.multiple ? '<option>...' : '<option>');
  const params = Object.keys(k.params);
  if (params.length > 0)
    command.push('--params', `'{${params.map((p) => JSON.stringify(p)).join(': ..., ')}: ...}'`);
  return [
    `waiting for an answer to ${JSON.stringify(k.subject)}; options: ${k.options.join(', ')}${k.multiple ? ' (one or more)' : ''}${params.length > 0 ? `; params: ${params.join(', ')}` : ''}`,
    `answer it from another terminal: ${command.join(' ')}`,
  ];
}
