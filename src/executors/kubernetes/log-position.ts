/**
 * How far a pod's log has been copied, from the timestamp the Kubernetes API puts before each line
 * when asked (`timestamps=true`, RFC 3339 with up to nanoseconds). A follow that the API ends
 * before the pod does (its own streaming timeouts, an API server restarted, a load balancer's idle
 * timeout) resumes with `sinceTime`, which the API takes in whole seconds: the lines of that second
 * come again, and this skips those already copied, so each line reaches the try's log once.
 */
import { Writable } from 'node:stream';

/** A timestamp as a key that sorts as time does ("...:05.1Z" and "...:05.12Z" do not, as text). */
function timeKey(stamp: string): string | null {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(stamp);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}` : null;
}

export class LogPosition {
  /** the key and the timestamp as written of the last line copied */
  #last: { key: string; stamp: string } | null = null;
  /** lines copied that carry the last timestamp */
  #atLast = 0;
  /** after a resume: lines with the last timestamp that come again and are skipped */
  #toSkip = 0;

  /** Whether a line has been copied (then a resumed stream can start at its second). */
  get hasLines(): boolean {
    return this.#last !== null;
  }

  /** `sinceTime` for the next stream: the second of the last line copied. Call at each resume. */
  resume(): string | undefined {
    this.#toSkip = this.#atLast;
    return this.#last ? `${this.#last.stamp.slice(0, 19)}Z` : undefined;
  }

  /** The line's text without its timestamp, or null when it was copied before. */
  take(line: string): string | null {
    const space = line.indexOf(' ');
    const stamp = space > 0 ? line.slice(0, space) : line;
    const key = timeKey(stamp);
    if (key === null) return line; // no timestamp: as it came
    const text = space > 0 ? line.slice(space + 1) : '';
    const last = this.#last;
    if (last !== null && key < last.key) return null;
    if (last !== null && key === last.key) {
      if (this.#toSkip > 0) {
        this.#toSkip--;
        return null;
      }
      this.#atLast++;
      return text;
    }
    this.#last = { key, stamp };
    this.#atLast = 1;
    this.#toSkip = 0;
    return text;
  }
}

/**
 * A stream for the API's bytes that writes each line to `out` without its timestamp, skipping
 * lines `position` says were copied; at its end (or when destroyed) it ends `out`.
 */
export function timestampedLogCopy(position: LogPosition, out: NodeJS.WritableStream): Writable {
  const decoder = new TextDecoder();
  let pending = '';
  const emit = (line: string) => {
    const text = position.take(line.replace(/\r$/, ''));
    if (text !== null) out.write(`${text}\n`);
  };
  const finish = () => {
    pending += decoder.decode();
    if (pending !== '') emit(pending);
    pending = '';
    out.end();
  };
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const lines = (pending + decoder.decode(chunk, { stream: true })).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) emit(line);
      callback();
    },
    final(callback) {
      finish();
      callback();
    },
    destroy(error, callback) {
      finish();
      callback(error);
    },
  });
}
