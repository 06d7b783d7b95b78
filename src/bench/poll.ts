/** Polling with a deadline: the benchmark never sleeps to wait for a state, it looks until seen. */

export interface PollOptions {
  timeoutMs: number;
  what: string;
  intervalMs?: number;
  /** what was last seen, for the timeout's message */
  seen?: () => unknown;
}

export async function pollUntil<T>(
  check: () => T | Promise<T>,
  options: PollOptions,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) {
      const seen = options.seen?.();
      throw new Error(
        `bench: timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${options.what}${
          seen === undefined ? '' : `; last seen: ${typeof seen === 'string' ? seen : JSON.stringify(seen)}`
        }`,
      );
    }
    await delay(options.intervalMs ?? 50);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
