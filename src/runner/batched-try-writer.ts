/**
 * The scheduler's side of the writes of warm task processes (claims, ends, deferrals): what
 * arrives while one transaction is written goes into the next, each write in a savepoint of its
 * own, so that 32 processes finishing at once cost one commit instead of 32. A write that fails
 * rolls back its own savepoint only; every write is answered after the commit that made it
 * durable. When a whole batch fails (the commit, a lost connection), each of its writes is made
 * again alone, so one bad write never fails the others.
 */
import { type Kysely, sql, type Transaction } from '#kysely';
import {
  type BulkClaim,
  type BulkSuccess,
  claimTriesInBulk,
  type Database,
  type GaleDb,
  recordSuccessesInBulk,
  type SecretBox,
} from '../db/index.js';
import type { TryWriteMethod, TryWriter } from '../executors/index.js';
import { DbTryChannel } from './db-try-channel.js';
import type { ClaimRequest, SuccessReport, TryRef } from './try-channel.js';

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

/**
 * The claims and plain successes of a batch in a few statements (src/db/bulk-try-writes.ts), in a
 * savepoint of their own: returns the answer of each write it made, by its index in the batch.
 * The rest (and all of it when a statement fails) is written one by one. Only when every write
 * of the batch is for a different task instance: then their order does not matter.
 */
async function writeInBulk(tx: Transaction<Database>, batch: QueuedWrite[]): Promise<Map<number, unknown>> {
  const answers = new Map<number, unknown>();
  const claims: (BulkClaim & { index: number })[] = [];
  const successes: (BulkSuccess & { index: number })[] = [];
  const tiIds = new Set<string>();
  for (const [index, w] of batch.entries()) {
    const ref = w.args[0] as TryRef | undefined;
    // a malformed write is left to the one-by-one path, which answers it with its error
    if (typeof ref?.tiId !== 'string') return answers;
    tiIds.add(ref.tiId);
    if (w.method === 'claim') {
      const c = w.args[1] as ClaimRequest;
      claims.push({
        tiId: ref.tiId,
        tryNumber: ref.tryNumber,
        token: c.token,
        hostname: c.hostname,
        pid: c.pid,
        index,
      });
    } else if (w.method === 'succeed') {
      const r = w.args[1] as SuccessReport;
      if (r.skip.length === 0 && (r.assetEvents?.length ?? 0) === 0) {
        successes.push({ tiId: ref.tiId, tryNumber: ref.tryNumber, outputJson: r.outputJson, index });
      }
    }
  }
  if (tiIds.size !== batch.length || claims.length + successes.length < 2) return answers;
  await sql`savepoint gale_try_bulk`.execute(tx);
  try {
    const now = new Date();
    const claimed = claims.length > 0 ? await claimTriesInBulk(tx, claims, now) : new Map();
    const ended = successes.length > 0 ? await recordSuccessesInBulk(tx, successes, now) : new Set();
    await sql`release savepoint gale_try_bulk`.execute(tx);
    for (const c of claims) if (claimed.has(c.tiId)) answers.set(c.index, claimed.get(c.tiId));
    for (const s of successes) if (ended.has(s.tiId)) answers.set(s.index, true);
  } catch {
    await sql`rollback to savepoint gale_try_bulk`.execute(tx);
    await sql`release savepoint gale_try_bulk`.execute(tx);
  }
  return answers;
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
        const bulk = await writeInBulk(tx, batch);
        for (const [i, w] of batch.entries()) {
          if (bulk.has(i)) {
            results.push({ ok: true, value: bulk.get(i) });
            continue;
          }
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
