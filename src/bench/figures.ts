/**
 * What the benchmark reports: figures (a value with its unit and how many measurements it is the
 * median of) grouped by scenario, and the small statistics that make them. Never judges a figure.
 */

/** One reported number. */
export interface Figure {
  /** the scenario it belongs to (`footprint`, `wide`, ...) */
  scenario: string;
  name: string;
  value: number;
  unit: string;
  /** how many measurements the value is the median (or percentile, or maximum) of */
  repetitions: number;
}

/** A figure as a scenario produces it; the runner fills in the scenario unless it names another. */
export type NewFigure = Omit<Figure, 'scenario'> & { scenario?: string };

/** What happened to a scenario: it ran, was skipped (and why), or failed (and with what). */
export type ScenarioStatus = 'ran' | 'skipped' | 'failed';

export interface ScenarioOutcome {
  name: string;
  description: string;
  status: ScenarioStatus;
  /** why it was skipped, or the error it failed with; null when it ran */
  reason: string | null;
  /** wall time of the scenario, set-up included */
  seconds: number;
}

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The median (the upper one of an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  const s = sorted(values);
  return s.length === 0 ? Number.NaN : s[Math.floor(s.length / 2)]!;
}

/** The nearest-rank percentile `p` (0-100); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  const s = sorted(values);
  return s.length === 0
    ? Number.NaN
    : s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function maximum(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : Math.max(...values);
}

/** Rounded to `digits` decimals. */
export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Task instances per second over a span of milliseconds. */
export function perSecond(count: number, spanMs: number): number {
  return round(count / (Math.max(spanMs, 1) / 1000), 1);
}

/** p50, p95 and max of a list of gaps or delays, as three figures named `${prefix} p50` ... */
export function spread(prefix: string, values: readonly number[], unit = 'ms'): NewFigure[] {
  return [
    { name: `${prefix}, p50`, value: round(median(values)), unit, repetitions: values.length },
    { name: `${prefix}, p95`, value: round(percentile(values, 95)), unit, repetitions: values.length },
    { name: `${prefix}, max`, value: round(maximum(values)), unit, repetitions: values.length },
  ];
}
