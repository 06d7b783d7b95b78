/** The audit log: who changed what, and when (every state-changing command and API call). */
import { userInfo } from 'node:os';
import type { Kysely } from '#kysely';
import type { Database } from './schema.js';
import { iso } from './time.js';

export interface AuditEntry {
  event: string;
  dagId?: string | null;
  runId?: string | null;
  taskId?: string | null;
  owner?: string;
  extra?: Record<string, unknown>;
  now?: Date;
}

export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}

export async function recordAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('log')
    .values({
      dttm: iso(entry.now ?? new Date()),
      event: entry.event,
      dag_id: entry.dagId ?? null,
      run_id: entry.runId ?? null,
      task_id: entry.taskId ?? null,
      try_number: null,
      owner: entry.owner ?? `cli:${currentUser()}`,
      extra: entry.extra ? JSON.stringify(entry.extra) : null,
    })
    .execute();
}

export async function listAudit(db: Kysely<Database>, limit = 100) {
  return db.selectFrom('log').selectAll().orderBy('id', 'desc').limit(limit).execute();
}
