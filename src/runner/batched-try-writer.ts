/**
 * The scheduler's side of the writes of warm task processes (claims, ends, deferrals): what
 * arrives while one transaction is written goes into the next, each write in a savepoint of its
 * own, so that 32 processes finishing at once cost one commit instead of 32. A write that fails
 * rolls back its own savepoint only; every write is answered after the commit that made it
 * durable. When a whole batch fails (the commit, a lost connection), each of its writes is made
 * again alone, so one bad write never fails the others.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, GaleDb, SecretBox } from '../db/index.js';
import type { TryWriteMethod, TryWriter } from '../executors/index.js';
import { DbTryChannel } from './db-try-channel.js';

interface QueuedWrite {
  method: TryWriteMethod;
  args: unknown[];
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Writes in one transaction at most (SQLite holds its write lock for the whole batch). */
export const MAX_WRITES_PER_BATCH = 500;

function call(channel: DbTryChannel, method: TryWriteMethod, args: unknown[]): Promise<unknown> {
  return (channel[method] as (...a: unknown[]) => Promise<unknown>).apply(channel, args);
}

export function batchedTryWriter(gdb: GaleDb, secrets: SecretBox): TryWriter {
  const alone = new DbTryChannel(gdb, secrets);
  const queued: QueuedWrite[] = [];
  let flushing = false;

  const writeBatch = async (batch: QueuedWrite[]): Promise<void> => {
    if (batch.length === 1) {
      // alone: its own transaction, no savepoint to pay for
      const [w] = batch as [QueuedWrite];
      await call(alone, w.method, w.args).then(w.resolve, w.reject);
      return;
    }
    const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await gdb.db.transaction().execute(async (tx: Transaction<Database>) => {
        const channel = new DbTryChannel({ ...gdb, db: tx as Kysely<Database> }, secrets);
        for (const w of batch) {
          await sql`savepoint gale_try_write`.execute(tx);
          try {
            results.push({ ok: true, value: await call(channel, w.method, w.args) });
            await sql`release savepoint gale_try_write`.execute(tx);
          } catch (error) {
            await sql`rollback to savepoint gale_try_write`.execute(tx);
            await sql`release savepoint gale_try_write`.execute(tx);
            results.push({ ok: false, error });
          }
        }
      });
    } catch {
      // nothing of the batch was committed: each write alone, in its own transaction
      for (const w of batch) call(alone, w.method, w.args).then(w.resolve, w.reject);
      return;
    }
    batch.forEach((w, i) => {
      const r = results[i]!;
      if (r.ok) w.resolve(r.value);
      else w.reject(r.error);
    });
  };

  const flush = async (): Promise<void> => {
    flushing = true;
    try {
      while (queued.length > 0) await writeBatch(queued.splice(0, MAX_WRITES_PER_BATCH));
    } finally {
      flushing = false;
    }
  };

  return (method, args) =>
    new Promise((resolve, reject) => {
      queued.push({ method, args, resolve, reject });
      // the writes that arrive in this turn of the event loop join the first batch
      if (!flushing && queued.length === 1) setImmediate(() => void flush());
    });
}
