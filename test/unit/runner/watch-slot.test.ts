/** The memory a task process's main thread shares with its watchdog thread (watch-slot.ts). */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { WatchSlot } from '../../../src/runner/watch-slot.js';

interface Watched {
  tiId: string;
  tryNumber: number;
  timeoutMs: number | null;
}

const first: Watched = { tiId: '0193a6f0-0000-7000-8000-000000000001', tryNumber: 1, timeoutMs: null };
const second: Watched = { tiId: '0193a6f0-0000-7000-8000-000000000002', tryNumber: 3, timeoutMs: 5_000 };

describe('WatchSlot', () => {
  it.each([
    { name: 'nothing written', writes: [], value: null, version: 0 },
    { name: 'one try', writes: [first], value: first, version: 2 },
    { name: 'a try, then the next', writes: [first, second], value: second, version: 4 },
    { name: 'a try, then cleared', writes: [first, null], value: null, version: 4 },
    { name: 'a longer try, then a shorter one', writes: [second, first], value: first, version: 4 },
  ])('reads what was written last: $name', ({ writes, value, version }) => {
    const slot = new WatchSlot<Watched>();
    for (const w of writes) slot.write(w);
    expect(slot.read()).toEqual({ version, value });
  });

  it('another view of the same memory reads the writes (what the watchdog thread holds)', () => {
    const slot = new WatchSlot<Watched>();
    const view = new WatchSlot<Watched>(slot.buffer);
    slot.write(second);
    expect(view.read()).toEqual({ version: 2, value: second });
  });

  it('gives nothing while a write is under way', () => {
    const slot = new WatchSlot<Watched>();
    slot.write(first);
    // a writer between its two version bumps leaves the version odd
    Atomics.add(new Int32Array(slot.buffer, 0, 1), 0, 1);
    expect(slot.read()).toBeNull();
  });

  it('refuses a value larger than the slot, and keeps what it held', () => {
    const slot = new WatchSlot<Watched>();
    slot.write(first);
    expect(() => slot.write({ ...first, tiId: 'x'.repeat(5_000) })).toThrow(RangeError);
    expect(slot.read()).toEqual({ version: 2, value: first });
  });

  it('a thread that reads while the main thread writes sees whole values only', async () => {
    const slot = new WatchSlot<Watched>();
    // the built module: a worker thread cannot load TypeScript (the test suite builds first)
    const built = new URL('../../../dist/runner/watch-slot.js', import.meta.url).href;
    const reader = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       import(${JSON.stringify(built)}).then(({ WatchSlot }) => {
         const slot = new WatchSlot(workerData.buffer);
         const ids = new Set(workerData.ids);
         let whole = 0, torn = 0;
         const end = Date.now() + 300;
         while (Date.now() < end) {
           let read;
           try { read = slot.read(); } catch { torn++; continue; }
           if (read === null || read.value === null) continue;
           if (ids.has(read.value.tiId) && Object.keys(read.value).length === 3) whole++;
           else torn++;
         }
         parentPort.postMessage({ whole, torn });
       });`,
      { eval: true, workerData: { buffer: slot.buffer, ids: [first.tiId, second.tiId] } },
    );
    const result = new Promise<{ whole: number; torn: number }>((resolve) => reader.once('message', resolve));
    let done = false;
    void result.then(() => {
      done = true;
    });
    // write until the reader reports, yielding so that its message can arrive
    while (!done) {
      for (let i = 0; i < 1_000; i++) slot.write(i % 2 ? first : { ...second, tryNumber: i });
      await new Promise((r) => setImmediate(r));
    }
    const { whole, torn } = await result;
    await reader.terminate();
    expect(torn).toBe(0);
    expect(whole).toBeGreaterThan(0);
  });
});
