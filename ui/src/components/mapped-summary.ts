/**
 * A mapped task's instances in one grid cell, as Airflow's grid: how many there are, the state
 * that matters most among them (the colour), and how many are in each state (the tooltip).
 */

export interface MappedSummary {
  count: number;
  /** the most telling state: failed before running before success, as a task group's */
  state: string;
  /** "2 success, 1 failed", most frequent first */
  detail: string;
}

/** `pick` chooses the state that matters most (the graph's groupState); no imports, for unit tests. */
export function summarizeMapped(
  instances: readonly { state: string | null }[],
  pick: (states: readonly string[]) => string,
): MappedSummary {
  const counts = new Map<string, number>();
  for (const ti of instances) counts.set(ti.state ?? 'none', (counts.get(ti.state ?? 'none') ?? 0) + 1);
  const detail = [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
  return { count: instances.length, state: pick([...counts.keys()]), detail };
}
