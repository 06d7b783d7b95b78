/**
 * The watchdog thread of a task process: heartbeats the try that runs and enforces its
 * executionTimeout from its own event loop, so a task that blocks the main thread (a busy loop)
 * still gets stopped, and a try that was ended elsewhere (no heartbeat, marked failed) stops.
 * One thread serves every try of a (warm) task process, one try at a time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RetryPolicy } from '../db/index.js';
import type { ChannelSettings, TryChannel } from './try-channel.js';

export interface WatchdogData {
  channel: ChannelSettings;
  heartbeatMs: number;
  killGraceMs: number;
  /** whether this process leads its own process group (then the whole group is killed) */
  isGroupLeader: boolean;
}

export type WatchdogCommand =
  | {
      kind: 'watch';
      tiId: string;
      tryNumber: number;
      /** when the try was claimed (ms since epoch): executionTimeout counts from here */
      startedAt: number;
      timeoutMs: number | null;
      retry: RetryPolicy;
    }
  | { kind: 'unwatch' }
  /** the try's token for the task execution API (from the executor, or renewed by the API) */
  | { kind: 'token'; tiId: string; tryNumber: number; token: string };

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
  let watching: Extract<WatchdogCommand, { kind: 'watch' }> | null = null;
  let tokenOf: { tiId: string; tryNumber: number } | null = null;
  // The channel (and the database client, models, zod... behind it) is loaded at the first try, not
  // when the thread starts: an idle warm task process then holds one copy of them, not two.
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
  const beat = async (w: NonNullable<typeof watching>): Promise<void> => {
    if (watching !== w) return;
    let alive = true;
    try {
      alive = await (await channelOf()).heartbeat(w);
    } catch {
      // a busy database is not a lost try; the next beat tries again
    }
    if (watching !== w) return;
    if (!alive) {
      // A try that just recorded its own end also stops heartbeating: its "unwatch" is on the way.
      // Only a try still watched after a grace period was ended elsewhere.
      await new Promise((r) => setTimeout(r, Math.max(1_000, data.heartbeatMs)));
      if (watching !== w) return;
      post({ kind: 'lost', tiId: w.tiId, tryNumber: w.tryNumber });
      terminate();
      return;
    }
    timers.push(setTimeout(() => void beat(w), data.heartbeatMs));
  };
  parentPort?.on('message', (command: WatchdogCommand) => {
    if (command.kind === 'token') {
      tokenOf = { tiId: command.tiId, tryNumber: command.tryNumber };
      // Set before any heartbeat of the try: those wait on the same promise, queued after this.
      if (data.channel.kind === 'http') void channelOf().then((c) => c.setToken?.(command.token));
      return;
    }
    stop();
    if (command.kind !== 'watch') return;
    const w = command;
    watching = w;
    void channelOf();
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
              if (watching !== w) return;
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
