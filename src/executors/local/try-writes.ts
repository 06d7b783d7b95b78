/**
 * Writes of warm task processes that go through the local executor: a warm process asks its
 * executor (the scheduler's process) to record its claim, its end or its deferral, so that one
 * process writes the metadata database instead of every task process competing for SQLite's
 * write lock. The process falls back to writing itself when its executor is gone (a scheduler
 * crash), so a running try still records its end.
 */
import { z } from '#zod';

/** The try writes that go through the executor; everything else a task process reads itself. */
export const TRY_WRITE_METHODS = ['claim', 'succeed', 'fail', 'defer'] as const;
export type TryWriteMethod = (typeof TRY_WRITE_METHODS)[number];

/** Environment variable that tells a warm task process to send its try writes to its executor. */
export const TRY_WRITES_VIA_EXECUTOR_ENV = 'GALE_TRY_WRITES_VIA_EXECUTOR';

/** Records one write; resolves with what the database function returned. */
export type TryWriter = (method: TryWriteMethod, args: unknown[]) => Promise<unknown>;

export const tryWriteRequestSchema = z.object({
  type: z.literal('write'),
  id: z.number().int(),
  method: z.enum(TRY_WRITE_METHODS),
  args: z.array(z.unknown()),
});
export type TryWriteRequest = z.infer<typeof tryWriteRequestSchema>;

export type TryWriteReply =
  | { type: 'written'; id: number; ok: true; value: unknown }
  | { type: 'written'; id: number; ok: false; error: string };
