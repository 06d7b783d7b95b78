/**
 * Lays out a DAG's tasks for the graph view with dagre (a layered layout, left to right, as
 * Airflow draws DAGs): task groups become boxes around their tasks, and a collapsed group one
 * node standing for all its tasks. Pure: no DOM, so the same tasks always give the same picture.
 */
import { graphlib, layout } from '@dagrejs/dagre';

/** What the layout reads of a task (of GET /dags/{id}/tasks). */
export interface LayoutTask {
  task_id: string;
  task_group_id: string | null;
  upstream_task_ids: string[];
}

export interface Point {
  x: number;
  y: number;
}

/** A box, by its top-left corner. */
interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LaidNode extends Box {
  /** a task id, or a collapsed group's id */
  id: string;
  kind: 'task' | 'group';
  label: string;
  /** the task's id, or the collapsed group's */
  group: string;
  /** the tasks the node stands for: one for a task, all of a collapsed group's */
  taskIds: string[];
}

export interface LaidGroup extends Box {
  id: string;
  label: string;
}

export interface LaidEdge {
  from: string;
  to: string;
  points: Point[];
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: LaidNode[];
  groups: LaidGroup[];
  edges: LaidEdge[];
}

const NODE_HEIGHT = 44;
/** node labels are monospace: about this many pixels a character */
const CHAR_WIDTH = 7.6;

/** "outer.inner" → ["outer", "outer.inner"] */
export function groupPath(groupId: string | null): string[] {
  if (!groupId) return [];
  const parts = groupId.split('.');
  return parts.map((_, i) => parts.slice(0, i + 1).join('.'));
}

/** The last part of a dotted id: what a task or group is called inside its group. */
export function shortName(id: string, groupId: string | null): string {
  return groupId && id.startsWith(`${groupId}.`) ? id.slice(groupId.length + 1) : id;
}

function nodeWidth(label: string): number {
  return Math.min(320, Math.max(160, Math.round(label.length * CHAR_WIDTH + 34)));
}

/** dagre places a node by its centre */
function toBox(n: { x?: number; y?: number; width?: number; height?: number }): Box {
  const width = n.width ?? 0;
  const height = n.height ?? 0;
  return { x: (n.x ?? 0) - width / 2, y: (n.y ?? 0) - height / 2, width, height };
}

/** Every group of the DAG (outer ones first), from the tasks' innermost groups. */
export function allGroups(tasks: readonly LayoutTask[]): string[] {
  const groups = new Set<string>();
  for (const t of tasks) for (const g of groupPath(t.task_group_id)) groups.add(g);
  return [...groups].sort((a, b) => a.split('.').length - b.split('.').length || a.localeCompare(b));
}

/**
 * Which state a collapsed group (or a mapped task) shows: the first of these that any of its task
 * instances is in, as Airflow 3's grid and graph (agg_state over state_priority in
 * api_fastapi/common/parameters): failed before running before queued before none before success.
 */
const GROUP_STATE_ORDER = [
  'failed',
  'upstream_failed',
  'up_for_retry',
  'up_for_reschedule',
  'running',
  'restarting',
  'deferred',
  'awaiting_input',
  'queued',
  'scheduled',
  'none',
  'success',
  'skipped',
  'removed',
];

export function groupState(states: readonly string[]): string {
  return GROUP_STATE_ORDER.find((s) => states.includes(s)) ?? 'none';
}

/** Node ids of groups, apart from task ids (a group and a task may share a name). */
const collapsedId = (group: string) => `group:${group}`;
const boxId = (group: string) => `box:${group}`;

function groupLabel(group: string): string {
  return group.split('.').at(-1) ?? group;
}

export function layoutGraph(
  tasks: readonly LayoutTask[],
  collapsed: ReadonlySet<string>,
  isCompound = true,
): GraphLayout {
  // what stands for each task: itself, or its outermost collapsed group
  const standsFor = new Map<string, string>();
  const members = new Map<
    string,
    { label: string; kind: 'task' | 'group'; group: string; taskIds: string[] }
  >();
  const parentOf = new Map<string, string>();
  const openGroups = new Set<string>();
  for (const t of tasks) {
    const path = groupPath(t.task_group_id);
    const hidden = path.find((g) => collapsed.has(g));
    const id = hidden ? collapsedId(hidden) : t.task_id;
    standsFor.set(t.task_id, id);
    const member = members.get(id) ?? {
      label: hidden ? groupLabel(hidden) : shortName(t.task_id, t.task_group_id),
      kind: hidden ? 'group' : 'task',
      group: hidden ?? t.task_id,
      taskIds: [],
    };
    member.taskIds.push(t.task_id);
    members.set(id, member);
    // the open groups around the node, innermost last
    const open = hidden ? path.slice(0, path.indexOf(hidden)) : path;
    const parent = open.at(-1);
    if (parent) parentOf.set(id, boxId(parent));
    for (let i = 0; i < open.length; i++) {
      openGroups.add(open[i] as string);
      if (i > 0) parentOf.set(boxId(open[i] as string), boxId(open[i - 1] as string));
    }
  }

  const g = new graphlib.Graph({ compound: isCompound });
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 56, marginx: 24, marginy: 30 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const [id, m] of members) g.setNode(id, { width: nodeWidth(m.label), height: NODE_HEIGHT });
  if (isCompound) {
    for (const group of openGroups) g.setNode(boxId(group), {});
    for (const [child, parent] of parentOf) g.setParent(child, parent);
  }
  const seen = new Set<string>();
  for (const t of tasks) {
    for (const up of t.upstream_task_ids) {
      const from = standsFor.get(up);
      const to = standsFor.get(t.task_id);
      const key = `${from}\u0000${to}`;
      if (!from || !to || from === to || seen.has(key)) continue;
      seen.add(key);
      g.setEdge(from, to);
    }
  }
  layout(g);

  const nodes: LaidNode[] = [...members].map(([id, m]) => ({
    id,
    kind: m.kind,
    label: m.label,
    group: m.group,
    taskIds: m.taskIds,
    ...toBox(g.node(id)),
  }));
  // in the order of the flow, so that Tab moves along it
  nodes.sort((a, b) => a.x - b.x || a.y - b.y);
  const groups: LaidGroup[] = isCompound
    ? [...openGroups].map((id) => ({ id, label: groupLabel(id), ...toBox(g.node(boxId(id))) }))
    : [];
  const edges: LaidEdge[] = g
    .edges()
    .map((e: { v: string; w: string }) => ({ from: e.v, to: e.w, points: g.edge(e).points ?? [] }));
  const size = g.graph();
  return { width: Math.ceil(size.width ?? 0), height: Math.ceil(size.height ?? 0), nodes, groups, edges };
}
