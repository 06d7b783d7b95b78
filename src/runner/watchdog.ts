/**
 * The watchdog thread of a task process: heartbeats the try that runs and enforces its
 * executionTimeout from its own event loop, so a task that blocks the main thread (a busy loop)
 * still gets stopped, and a try that was ended elsewhere (no heartbeat, marked failed) stops.
 * One thread serves every try of a (warm) task process, one try at a time. The main thread writes
 * the watched try into a WatchSlot; this thread reads it every checkIntervalMs(), and at once on
 * "check".
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RetryPolicy } from '../db/index.js';
import type { ChannelSettings, TryChannel } from './try-channel.js';
import { WatchSlot } from './watch-slot.js';

export interface WatchdogData {
  channel: ChannelSettings;
  heartbeatMs: number;
  killGraceMs: number;
  /** whether this process leads its own process group (then the whole group is killed) */
  isGroupLeader: boolean;
  /** the WatchSlot's memory, where the main thread writes the watched try (a WatchedTry) */
  slot: SharedArrayBuffer;
}

/** The try the watchdog watches, as the main thread writes it into the slot. */
export interface WatchedTry {
  tiId: string;
  tryNumber: number;
  /** when the try was claimed (ms since epoch): executionTimeout counts from here */
  startedAt: number;
  timeoutMs: number | null;
  retry: RetryPolicy;
}

export type WatchdogCommand =
  /** read the slot now (a try with a timeout: its timer must not wait for the next reading) */
  | { kind: 'check' }
  /** the try's token for the task execution API (from the executor, or renewed by the API) */
  | { kind: 'token'; tiId: string; tryNumber: number; token: string };

/** How often the watchdog reads the slot: a try is heartbeated at most this late. */
export function checkIntervalMs(heartbeatMs: number): number {
  return Math.min(1_000, heartbeatMs);
}

/** Each message names its try: one that arrives after that try ended must not touch the next. */
export type WatchdogMessage =
  | { kind: 'timeout'; error: string; tiId: string; tryNumber: number }
  | { kind: 'lost'; tiId: string; tryNumber: number }
  /** the API renewed the try's token on a heartbeat: the main thread uses it from now on */
  | { kind: 'token'; tiId: string; tryNumber: number; token: string };

function killTree(signal: NodeJS.Signals, isGroupLeader: boolean): void {
  try {
    process.kill(isGroupLeader ? -process.pid : process.pid, signal);
  } catch {
    // gone
  }
}

function main(data: WatchdogData): void {
  const post = (m: WatchdogMessage) => parentPort?.postMessage(m);
  const slot = new WatchSlot<WatchedTry>(data.slot);
  let seen = -1;
  let watching: WatchedTry | null = null;
  let tokenOf: { tiId: string; tryNumber: number } | null = null;
  // The channel (and the database client, models, zod... behind it) is loaded at the first heartbeat
  // or timeout, not when the thread starts: a process whose tries all end sooner (most tasks; every
  // no-op) then holds one copy of them, not two, and a new process per try does not load them twice.
  let opened: Promise<WatchdogChannel> | null = null;
  const channelOf = (): Promise<WatchdogChannel> => {
    opened ??= openWatchdogChannel(data.channel, (token) => {
      if (tokenOf) post({ kind: 'token', ...tokenOf, token });
    });
    return opened;
  };
  let timers: NodeJS.Timeout[] = [];
  let terminating = false;
  const stop = () => {
    for (const t of timers) clearTimeout(t);
    timers = [];
    watching = null;
  };
  // Once the watchdog stops a try, the process ends: SIGTERM now, SIGKILL after the grace period,
  // whatever the main thread says meanwhile.
  const terminate = () => {
    if (terminating) return;
    terminating = true;
    killTree('SIGTERM', data.isGroupLeader);
    setTimeout(() => killTree('SIGKILL', data.isGroupLeader), data.killGraceMs);
  };
  const start = (w: WatchedTry) => {
    watching = w;
    timers.push(setTimeout(() => void beat(w), data.heartbeatMs));
    if (w.timeoutMs !== null) {
      const timeoutMs = w.timeoutMs;
      timers.push(
        setTimeout(
          () => {
            void (async () => {
              const [{ executionTimeoutMessage }, channel] = await Promise.all([
                import('../models/index.js'),
                channelOf(),
              ]);
              if (!isWatched(w)) return;
              const error = executionTimeoutMessage(timeoutMs);
              await channel.fail(w, { error, retry: w.retry }).catch(() => null);
              post({ kind: 'timeout', error, tiId: w.tiId, tryNumber: w.tryNumber });
              terminate();
            })();
          },
          Math.max(0, timeoutMs - (Date.now() - w.startedAt)),
        ),
      );
    }
  };
  // Reads the slot: a try that started or ended since the last reading starts or stops the timers.
  const refresh = () => {
    const read = slot.read();
    if (read === null || read.version === seen) return;
    seen = read.version;
    stop();
    if (read.value) start(read.value);
  };
  /** Whether `w` is still the watched try, as the slot says now. */
  const isWatched = (w: WatchedTry) => {
    refresh();
    return watching === w;
  };
  const beat = async (w: WatchedTry): Promise<void> => {
    if (!isWatched(w)) return;
    let alive = true;
    try {
      alive = await (await channelOf()).heartbeat(w);
    } catch {
      // a busy database is not a lost try; the next beat tries again
    }
    if (!isWatched(w)) return;
    if (!alive) {
      // A try that just recorded its own end also stops heartbeating: its end reaches the slot
      // next. Only a try still watched after a grace period was ended elsewhere.
      await new Promise((r) => setTimeout(r, Math.max(1_000, data.heartbeatMs)));
      if (!isWatched(w)) return;
      post({ kind: 'lost', tiId: w.tiId, tryNumber: w.tryNumber });
      terminate();
      return;
    }
    timers.push(setTimeout(() => void beat(w), data.heartbeatMs));
  };
  setInterval(refresh, checkIntervalMs(data.heartbeatMs));
  parentPort?.on('message', (command: WatchdogCommand) => {
    if (command.kind === 'check') {
      refresh();
      return;
    }
    tokenOf = { tiId: command.tiId, tryNumber: command.tryNumber };
    // Set before any heartbeat of the try: those wait on the same promise, queued after this.
    if (data.channel.kind === 'http') void channelOf().then((c) => c.setToken?.(command.token));
  });
}

/** The HTTP channel takes the try's token; the database channel needs none. */
type WatchdogChannel = TryChannel & { setToken?: (token: string) => void };

async function openWatchdogChannel(
  settings: ChannelSettings,
  onToken: (token: string) => void,
): Promise<WatchdogChannel> {
  if (settings.kind === 'http') {
    const { HttpTryChannel } = await import('./http-try-channel.js');
    return new HttpTryChannel({ url: settings.url, onToken });
  }
  const { openChannel } = await import('./open-channel.js');
  return openChannel(settings, 1);
}

if (parentPort) main(workerData as WatchdogData);
