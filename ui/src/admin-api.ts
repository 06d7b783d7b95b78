/**
 * What the admin pages read from the API (Airflow 3's shapes), and which role may do what. The
 * API enforces every role itself; the UI only hides or disables what the user cannot do, so the
 * order of roles here mirrors the server's (src/api/roles.ts): each has every right of the ones
 * before it.
 */

export interface Variable {
  key: string;
  value: string;
  description: string | null;
  is_encrypted: boolean;
}

export interface Connection {
  connection_id: string;
  conn_type: string;
  description: string | null;
  host: string | null;
  login: string | null;
  schema: string | null;
  port: number | null;
  /** "***" when one is set: the API never returns a password */
  password: string | null;
  extra: string | null;
}

export interface Pool {
  name: string;
  slots: number;
  description: string | null;
  include_deferred: boolean;
  occupied_slots: number;
  running_slots: number;
  queued_slots: number;
  scheduled_slots: number;
  deferred_slots: number;
  open_slots: number;
}

export interface User {
  username: string;
  email: string | null;
  active: boolean;
  roles: { name: string }[];
  last_login: string | null;
  failed_login_count: number;
  created_on: string;
  /** the DAG ids the user is limited to (with dag_tags); both null: every DAG */
  dag_ids: string[] | null;
  dag_tags: string[] | null;
}

export interface EventLog {
  event_log_id: number;
  when: string;
  dag_id: string | null;
  task_id: string | null;
  run_id: string | null;
  event: string;
  owner: string | null;
  extra: string | null;
}

export interface ComponentHealth {
  status: 'healthy' | 'unhealthy' | null;
  latest_heartbeat: string | null;
}

export interface Health {
  metadatabase: { status: 'healthy' | 'unhealthy' };
  scheduler: ComponentHealth;
  dag_processor: ComponentHealth;
  triggerer: ComponentHealth;
}

export interface Worker {
  hostname: string;
  pid: number;
  queues: string[];
  concurrency: number;
  running: number;
  start_date: string;
  latest_heartbeat: string;
}

/** Least first, as the server's roles. */
export const ROLE_ORDER = ['Viewer', 'User', 'Op', 'Admin'] as const;
export type RoleName = (typeof ROLE_ORDER)[number];

/** Whether `role` includes every right of `least` (an unknown role has none). */
export function roleAllows(role: string | undefined, least: RoleName): boolean {
  const rank = (ROLE_ORDER as readonly (string | undefined)[]).indexOf(role);
  return rank >= 0 && rank >= ROLE_ORDER.indexOf(least);
}
