import { describe, expect, it } from 'vitest';
import { LogPosition } from '../../../../src/executors/kubernetes/log-position.js';

/** Feeds streams of lines (each after a resume but the first) and returns what was copied. */
function copied(streams: string[][]): { lines: string[]; since: (string | undefined)[] } {
  const position = new LogPosition();
  const lines: string[] = [];
  const since: (string | undefined)[] = [];
  for (const [i, stream] of streams.entries()) {
    if (i > 0) since.push(position.resume());
    for (const line of stream) {
      const text = position.take(line);
      if (text !== null) lines.push(text);
    }
  }
  return { lines, since };
}

describe('LogPosition', () => {
  it.each([
    {
      name: 'takes the timestamps off',
      streams: [['2026-11-30T12:00:01.5Z a', '2026-11-30T12:00:02.000000001Z b']],
      lines: ['a', 'b'],
      since: [],
    },
    {
      name: 'a resumed stream repeats the second of the last line: those lines are skipped',
      streams: [
        ['2026-11-30T12:00:01.1Z a', '2026-11-30T12:00:05.2Z b'],
        ['2026-11-30T12:00:05.2Z b', '2026-11-30T12:00:05.7Z c'],
      ],
      lines: ['a', 'b', 'c'],
      since: ['2026-11-30T12:00:05Z'],
    },
    {
      name: 'lines of the same instant are counted, not merged',
      streams: [
        ['2026-11-30T12:00:05.2Z x', '2026-11-30T12:00:05.2Z x'],
        ['2026-11-30T12:00:05.2Z x', '2026-11-30T12:00:05.2Z x', '2026-11-30T12:00:05.2Z x'],
      ],
      lines: ['x', 'x', 'x'],
      since: ['2026-11-30T12:00:05Z'],
    },
    {
      name: 'fractions of different lengths compare as times (.1 after .09)',
      streams: [['2026-11-30T12:00:05.09Z a', '2026-11-30T12:00:05.1Z b'], ['2026-11-30T12:00:05.09Z a']],
      lines: ['a', 'b'],
      since: ['2026-11-30T12:00:05Z'],
    },
    {
      name: 'an empty line keeps its timestamp off; a line without one is copied as it is',
      streams: [['2026-11-30T12:00:05Z ', 'no timestamp here']],
      lines: ['', 'no timestamp here'],
      since: [],
    },
    {
      name: 'nothing copied yet: a resume has no since',
      streams: [[], ['2026-11-30T12:00:05Z a']],
      lines: ['a'],
      since: [undefined],
    },
  ])('$name', ({ streams, lines, since }) => {
    expect(copied(streams)).toEqual({ lines, since });
  });
});
