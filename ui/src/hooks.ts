/** Polling: load now, then again every `intervalMs` (null pauses), with every timer and request ended on unmount. */
import { useCallback, useEffect, useRef, useState } from 'react';

export interface Polled<T> {
  data: T | null;
  error: Error | null;
  /** load again now (after a change the user made) */
  reload: () => void;
}

/**
 * `deps` name what the load reads (the DAG id...): when they change, the data starts empty and
 * loads anew. `intervalMs` may be a function of the data just loaded (fast while a run runs).
 */
export function usePoll<T>(
  load: (signal: AbortSignal) => Promise<T>,
  intervalMs: number | null | ((data: T | null) => number | null),
  deps: readonly unknown[],
): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  // the latest load and interval, without restarting the loop on every render
  const loadRef = useRef(load);
  const intervalRef = useRef(intervalMs);
  loadRef.current = load;
  intervalRef.current = intervalMs;
  const key = JSON.stringify(deps);
  const keyRef = useRef(key);

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick restarts the loop on reload()
  useEffect(() => {
    if (keyRef.current !== key) {
      // another subject (another DAG): show nothing rather than the last one's data
      keyRef.current = key;
      setData(null);
      setError(null);
    }
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let isStopped = false;
    const run = async () => {
      let latest: T | null = null;
      try {
        latest = await loadRef.current(controller.signal);
        if (isStopped) return;
        setData(latest);
        setError(null);
      } catch (e) {
        if (isStopped) return;
        setError(e instanceof Error ? e : new Error(String(e)));
      }
      const every = intervalRef.current;
      const ms = typeof every === 'function' ? every(latest) : every;
      if (ms !== null && !isStopped) timer = setTimeout(() => void run(), ms);
    };
    void run();
    return () => {
      isStopped = true;
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [key, tick]);

  return { data, error, reload };
}
