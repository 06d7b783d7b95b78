/**
 * The watchdog thread of a task process: heartbeats the try and enforces executionTimeout from
 * its own event loop, so a task that blocks the main thread (a busy loop) still gets stopped, and
 * a try that was failed elsewhere (no heartbeat, marked failed) stops running.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { failTry, heartbeatTry, openDatabase, type RetryPolicy } from '../db/index.js';
import { executionTimeoutMessage } from '../models/index.js';

export interface WatchdogData {
  dbUrl: string;
  tiId: string;
  tryNumber: number;
  heartbeatMs: number;
  timeoutMs: number | null;
  /** when the try was claimed (ms since epoch): executionTimeout counts from here */
  startedAt: number;
  killGraceMs: number;
  retry: RetryPolicy;
  /** whether this process leads its own process group (then the whole group is killed) */
  isGroupLeader: boolean;
}

export type WatchdogMessage = { kind: 'timeout'; error: string } | { kind: 'lost' };

function killTree(signal: NodeJS.Signals, isGroupLeader: boolean): void {
  try {
    process.kill(isGroupLeader ? -process.pid : process.pid, signal);
  } catch {
    // gone
  }
}

async function main(data: WatchdogData): Promise<void> {
  const gdb = openDatabase(data.dbUrl);
  const post = (m: WatchdogMessage) => parentPort?.postMessage(m);
  const stopAfterGrace = () => {
    setTimeout(() => killTree('SIGKILL', data.isGroupLeader), data.killGraceMs);
  };
  if (data.timeoutMs !== null) {
    const timeoutMs = data.timeoutMs;
    setTimeout(
      () => {
        void (async () => {
          const error = executionTimeoutMessage(timeoutMs);
          await failTry(gdb.db, {
            tiId: data.tiId,
            tryNumber: data.tryNumber,
            error,
            retry: data.retry,
            now: new Date(),
          });
          post({ kind: 'timeout', error });
          killTree('SIGTERM', data.isGroupLeader);
          stopAfterGrace();
        })();
      },
      Math.max(0, timeoutMs - (Date.now() - data.startedAt)),
    );
  }
  const beat = async (): Promise<void> => {
    let alive = true;
    try {
      alive = await heartbeatTry(gdb.db, { tiId: data.tiId, tryNumber: data.tryNumber, now: new Date() });
    } catch {
      // a busy database is not a lost try; the next beat tries again
    }
    if (!alive) {
      post({ kind: 'lost' });
      killTree('SIGTERM', data.isGroupLeader);
      stopAfterGrace();
      return;
    }
    setTimeout(() => void beat(), data.heartbeatMs);
  };
  setTimeout(() => void beat(), data.heartbeatMs);
}

if (parentPort) void main(workerData as WatchdogData);
