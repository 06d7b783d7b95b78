/**
 * Which DAGs a user may see, after Airflow's DAG-level permissions ("can read on DAG:x") and
 * Airflow 3's DAG access by tag. A user is either unrestricted (both lists null: every DAG) or
 * limited to the DAGs named in `dagIds` plus the DAGs carrying one of `dagTags` (a null list adds
 * none). Pure: reading the DAGs and enforcing this on requests live in db/ and api/.
 */
export interface DagAccess {
  /** DAG ids the user may see; null: none by id (every DAG when dagTags is null too) */
  readonly dagIds: readonly string[] | null;
  /** tags whose DAGs the user may see; null: none by tag (every DAG when dagIds is null too) */
  readonly dagTags: readonly string[] | null;
}

export const ALL_DAGS: DagAccess = Object.freeze({ dagIds: null, dagTags: null });

export function isUnrestricted(access: DagAccess): boolean {
  return access.dagIds === null && access.dagTags === null;
}

/** Whether a user with `access` may see the DAG `dagId` tagged `tags`. */
export function canSeeDag(access: DagAccess, dag: { dagId: string; tags: readonly string[] }): boolean {
  if (isUnrestricted(access)) return true;
  if (access.dagIds?.includes(dag.dagId)) return true;
  const tags = access.dagTags;
  return tags !== null && dag.tags.some((t) => tags.includes(t));
}

/** A comma-separated list as given on a command line: trimmed, without empties or repeats. */
export function parseNameList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    ),
  ];
}

/** The access in a few words, for listings: "all", or what it is limited to. */
export function describeDagAccess(access: DagAccess): string {
  if (isUnrestricted(access)) return 'all';
  const parts: string[] = [];
  if (access.dagIds !== null) parts.push(`ids: ${access.dagIds.join(',') || '-'}`);
  if (access.dagTags !== null) parts.push(`tags: ${access.dagTags.join(',') || '-'}`);
  return parts.join('; ');
}
