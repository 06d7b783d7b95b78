/**
 * Copies the log of a task pod's "base" container into the try's log file while the pod runs
 * (follow), so the API's log view shows it live; the stream ends when the container does. The API
 * puts a timestamp before each line (removed in the copy): a follow the API ended early resumes
 * where the copy stopped (LogPosition), without a line twice. A pod adopted after a restart streams
 * from the second its log file was last written, so what the previous scheduler copied is not
 * copied again (a line of that second may be). Never deletes or truncates a log file.
 */
import {
  appendFileSync,
  closeSync,
  createWriteStream,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { type KubeConfig, Log } from '@kubernetes/client-node';
import { LogPosition, timestampedLogCopy } from './log-position.js';
import { BASE_CONTAINER } from './pod-spec.js';

interface Stream {
  out: NodeJS.WritableStream;
  controller: AbortController | null;
  done: Promise<void>;
  isAborted: boolean;
}

export class PodLogs {
  readonly #log: Log;
  readonly #namespace: string;
  readonly #onError: (message: string, error: unknown) => void;
  readonly #streams = new Map<string, Stream>();
  /** how far each pod's log was copied by this process, until the pod is let go (stop) */
  readonly #positions = new Map<string, LogPosition>();

  constructor(kubeConfig: KubeConfig, namespace: string, onError: (message: string, error: unknown) => void) {
    this.#log = new Log(kubeConfig);
    this.#namespace = namespace;
    this.#onError = onError;
  }

  isStreaming(podName: string): boolean {
    return this.#streams.has(podName);
  }

  /**
   * Streams the pod's log into `logPath` (appending); `follow` while the pod runs, else what is
   * there. Resolves when the copy ends. A stream already going for the pod is kept.
   */
  stream(podName: string, logPath: string, options: { follow: boolean; resume: boolean }): Promise<void> {
    const existing = this.#streams.get(podName);
    if (existing) return existing.done;
    mkdirSync(dirname(logPath), { recursive: true });
    let position = this.#positions.get(podName);
    let sinceTime: string | undefined;
    if (position?.hasLines) {
      // this process copied part of it already: on from there
      sinceTime = position.resume();
    } else if (options.resume) {
      try {
        // whole seconds: a line in the second of the last write may come twice, none is lost
        sinceTime = new Date(Math.floor(statSync(logPath).mtimeMs / 1000) * 1000).toISOString();
        sinceTime = sinceTime.replace(/\.\d{3}Z$/, 'Z');
      } catch {
        sinceTime = undefined;
      }
    }
    if (!position) {
      position = new LogPosition();
      this.#positions.set(podName, position);
    }
    const out = createWriteStream(logPath, { flags: 'a' });
    // the API's bytes, split into lines whose timestamps are taken off; at its end, the copy ends
    const input = timestampedLogCopy(position, out);
    const entry: Stream = { out, controller: null, done: Promise.resolve(), isAborted: false };
    entry.done = new Promise<void>((resolve) => {
      out.once('close', () => resolve());
      this.#log
        .log(this.#namespace, podName, BASE_CONTAINER, input, {
          follow: options.follow,
          timestamps: true,
          ...(sinceTime ? { sinceTime } : {}),
        })
        .then(
          (controller) => {
            entry.controller = controller;
            if (entry.isAborted) controller.abort();
          },
          (error: unknown) => {
            if (!entry.isAborted) this.#onError(`could not read the log of pod ${podName}`, error);
            out.end();
          },
        );
    }).finally(() => {
      if (this.#streams.get(podName) === entry) this.#streams.delete(podName);
    });
    this.#streams.set(podName, entry);
    return entry.done;
  }

  /** Waits up to `ms` for the pod's stream to end by itself, then stops it. */
  async settle(podName: string, ms: number): Promise<void> {
    const entry = this.#streams.get(podName);
    if (!entry) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([entry.done, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
    this.stop(podName);
  }

  stop(podName: string): void {
    this.#positions.delete(podName);
    const entry = this.#streams.get(podName);
    if (!entry) return;
    entry.isAborted = true;
    entry.controller?.abort();
    entry.out.end();
    this.#streams.delete(podName);
  }

  stopAll(): void {
    for (const name of [...this.#streams.keys()]) this.stop(name);
  }
}

/**
 * A line of the executor's own in the try's log (why its pod failed), where the UI shows it; not
 * again when the log ends with it already (a failed pod adopted after a restart).
 */
export function appendLogNote(logPath: string, text: string): void {
  try {
    if (logTail(logPath).includes(text)) return;
    mkdirSync(dirname(logPath), { recursive: true });
    appendFileSync(logPath, `[${new Date().toISOString()}] ${text}\n`);
  } catch {
    // no log folder to write to: the scheduler's own log has the reason too
  }
}

function logTail(logPath: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(logPath, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, 8192);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
