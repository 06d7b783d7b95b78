/**
 * The try a task process's watchdog thread watches, in memory the main thread and the thread
 * share. The main thread writes it when a try starts and ends without waking the thread: a
 * message each time cost a warm process more CPU than a no-op try (the thread woke twice a try).
 * The watchdog reads it on its own clock, and at once when it is told to (a try with a timeout).
 *
 * A seqlock with one writer: the version is odd while a write is under way, and a reader that
 * sees it change while it reads gets nothing and reads again later.
 */
const HEADER_BYTES = 8; // version (int32), length of the value's JSON in bytes (int32)
const CAPACITY = 4096;
const VERSION = 0;
const LENGTH = 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface SlotRead<T> {
  version: number;
  /** null when nothing is written (cleared) */
  value: T | null;
}

export class WatchSlot<T> {
  readonly buffer: SharedArrayBuffer;
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;

  /** A new slot, or the view of one another thread created (its `buffer`). */
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(HEADER_BYTES + CAPACITY)) {
    this.buffer = buffer;
    this.#words = new Int32Array(buffer, 0, 2);
    this.#bytes = new Uint8Array(buffer, HEADER_BYTES);
  }

  /** Writes `value` (null clears the slot). Only one thread may write a slot. */
  write(value: T | null): void {
    const json = value === null ? new Uint8Array(0) : encoder.encode(JSON.stringify(value));
    if (json.length > this.#bytes.length) {
      throw new RangeError(`A watched try takes ${json.length} bytes, more than ${this.#bytes.length}`);
    }
    Atomics.add(this.#words, VERSION, 1);
    this.#bytes.set(json);
    Atomics.store(this.#words, LENGTH, json.length);
    Atomics.add(this.#words, VERSION, 1);
  }

  /** What is written, or null while a write is under way. */
  read(): SlotRead<T> | null {
    const version = Atomics.load(this.#words, VERSION);
    if (version % 2 !== 0) return null;
    const length = Atomics.load(this.#words, LENGTH);
    // a copy: a view of shared memory can change under the decoder
    const json = this.#bytes.slice(0, length);
    if (Atomics.load(this.#words, VERSION) !== version) return null;
    return { version, value: length === 0 ? null : (JSON.parse(decoder.decode(json)) as T) };
  }
}
