/**
 * Test support: a lock between test files (vitest runs two at once, in separate processes) around
 * making something slow into a shared cache, such as a container image or a binary built from
 * source. The lock is a directory, made atomically; a holder that died leaves it stale, and a
 * lock older than `staleMs` is taken over.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** Runs `fn` while holding the lock `<dir>/<name>.lock`, waiting for another holder first. */
export async function withCacheLock<T>(
  dir: string,
  name: string,
  fn: () => Promise<T> | T,
  staleMs = 20 * 60_000,
): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, `${name}.lock`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > staleMs) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      await delay(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
