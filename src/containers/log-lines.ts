/**
 * A container's output as lines: Docker's multiplexed log frames (8-byte header: stream, 0, 0,
 * 0, length) split by stream, and bytes cut into lines across chunk boundaries.
 */

/** Calls `onLine` for each complete line pushed; flush() hands on the unfinished last one. */
export class LineSplitter {
  #pending = '';
  readonly #decoder = new TextDecoder();

  constructor(readonly onLine: (line: string) => void) {}

  push(chunk: Buffer): void {
    this.#pending += this.#decoder.decode(chunk, { stream: true });
    const lines = this.#pending.split('\n');
    this.#pending = lines.pop() ?? '';
    for (const line of lines) this.onLine(line.replace(/\r$/, ''));
  }

  flush(): void {
    this.#pending += this.#decoder.decode();
    if (this.#pending !== '') this.onLine(this.#pending);
    this.#pending = '';
  }
}

/** The frames of a multiplexed log buffer (a container without a TTY), in order. */
export function demuxLogBuffer(buffer: Buffer): { stream: 'stdout' | 'stderr'; data: Buffer }[] {
  const frames: { stream: 'stdout' | 'stderr'; data: Buffer }[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const type = buffer[offset];
    const length = buffer.readUInt32BE(offset + 4);
    frames.push({
      stream: type === 2 ? 'stderr' : 'stdout',
      data: buffer.subarray(offset + 8, offset + 8 + length),
    });
    offset += 8 + length;
  }
  return frames;
}
