import { ALL_DAGS, type DagAccess } from '../models/index.js';

/**
 * Roles, with Airflow's meanings: Viewer reads; User also triggers, pauses, clears and marks runs
 * and task instances; Op also manages pools, variables and connections; Admin also users, the
 * configuration and the audit log. Each role has every permission of the ones before it.
 */
export const ROLES = ['Viewer', 'User', 'Op', 'Admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  Viewer: 'read DAGs, runs, task instances, logs',
  User: 'Viewer, and trigger, pause, clear and mark DAG runs and task instances',
  Op: 'User, and manage pools, variables and connections',
  Admin: 'Op, and manage users, read the configuration and the audit log',
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function hasRole(actual: string, needed: Role): boolean {
  return isRole(actual) && ROLES.indexOf(actual) >= ROLES.indexOf(needed);
}

/** The DAGs a user of `role` may see: an Admin every DAG, whatever is stored; others as stored. */
export function roleDagAccess(role: string, stored: DagAccess): DagAccess {
  return role === 'Admin' ? ALL_DAGS : stored;
}
