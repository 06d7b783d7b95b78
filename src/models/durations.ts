/** Durations as DAG authors write them: milliseconds, or text such as "500ms", "30s", "5m", "2h", "1d". */
import { GaleError } from './errors.js';

export type Duration = number | string;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(value: Duration, what: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  } else {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
    if (match) return Math.round(Number(match[1]) * UNITS[match[2]!]!);
  }
  throw new GaleError('GALE_ERR_DAG_INVALID', `${what}: "${String(value)}" is not a duration`, {
    hint: 'Write milliseconds as a number, or text such as "500ms", "30s", "5m", "2h" or "1d".',
  });
}
