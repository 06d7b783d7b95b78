/**
 * The rows of the grid view, as Airflow's: a task group is a row of its own (its tasks' states
 * summed up per run), followed by its tasks and inner groups indented when it is expanded, or by
 * nothing when it is collapsed. Pure: no DOM, no fetching, so unit tests can read it directly.
 */
// with its extension: unit tests type-check this file under NodeNext too
import { groupPath, shortName } from './graph-layout.js';

/** What the rows read of a task (of GET /dags/{id}/tasks). */
export interface RowTask {
  task_id: string;
  task_group_id: string | null;
}

export type GridRow<T extends RowTask> =
  | {
      kind: 'group';
      /** the group's full id ("outer.inner") */
      id: string;
      /** its name inside its parent group */
      label: string;
      /** how many groups it is inside */
      depth: number;
      isExpanded: boolean;
      /** every task inside it, nested groups' too */
      taskIds: string[];
    }
  | { kind: 'task'; id: string; label: string; depth: number; task: T };

/**
 * The grid's rows in the order of the tasks: a group's row comes where its first task is, its
 * tasks after it (all of them, even those listed later). Groups are expanded unless in `collapsed`;
 * a group inside a collapsed one is hidden with it.
 */
export function gridRows<T extends RowTask>(
  tasks: readonly T[],
  collapsed: ReadonlySet<string>,
): GridRow<T>[] {
  const members = new Map<string, string[]>();
  for (const t of tasks)
    for (const g of groupPath(t.task_group_id)) members.set(g, [...(members.get(g) ?? []), t.task_id]);
  const rows: GridRow<T>[] = [];
  const placed = new Set<string>();
  const placedGroups = new Set<string>();
  const place = (t: T) => {
    if (placed.has(t.task_id)) return;
    const path = groupPath(t.task_group_id);
    path.forEach((g, depth) => {
      if (placedGroups.has(g)) return;
      placedGroups.add(g);
      const hidden = path.slice(0, depth).some((outer) => collapsed.has(outer));
      if (!hidden)
        rows.push({
          kind: 'group',
          id: g,
          label: shortName(g, path[depth - 1] ?? null),
          depth,
          isExpanded: !collapsed.has(g),
          taskIds: members.get(g) ?? [],
        });
      // the rest of the group at once, so that its tasks stay together under its row
      for (const other of tasks)
        if (other.task_group_id === g || other.task_group_id?.startsWith(`${g}.`)) place(other);
    });
    if (placed.has(t.task_id)) return;
    placed.add(t.task_id);
    if (path.some((g) => collapsed.has(g))) return;
    rows.push({
      kind: 'task',
      id: t.task_id,
      label: shortName(t.task_id, t.task_group_id),
      depth: path.length,
      task: t,
    });
  };
  for (const t of tasks) place(t);
  return rows;
}

/** The `collapsed` query parameter: group ids joined with commas. */
export function parseCollapsed(text: string | null | undefined): Set<string> {
  return new Set((text ?? '').split(',').filter((g) => g !== ''));
}

export function formatCollapsed(groups: ReadonlySet<string>): string | null {
  return groups.size > 0 ? [...groups].sort().join(',') : null;
}

/** `collapsed` with `group` toggled. */
export function toggleGroup(collapsed: ReadonlySet<string>, group: string): Set<string> {
  const next = new Set(collapsed);
  if (next.has(group)) next.delete(group);
  else next.add(group);
  return next;
}
