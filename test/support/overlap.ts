/** Counting how many recorded intervals (a try's start to its end) overlap, to check limits. */

/** The most intervals that overlap at one instant. An end at the same instant as a start frees its slot first. */
export function maxOverlap(intervals: readonly { start: number; end: number }[]): number {
  const points = intervals.flatMap((i) => [
    { t: i.start, d: 1 },
    { t: i.end, d: -1 },
  ]);
  points.sort((a, b) => a.t - b.t || a.d - b.d);
  let now = 0;
  let max = 0;
  for (const p of points) {
    now += p.d;
    max = Math.max(max, now);
  }
  return max;
}
