/**
 * The admin pages' addresses: `/admin/<section>`, with the page's filters and paging in the query
 * (`?q=..&offset=..`), so that every view has a link that opens it again. Each section names the
 * least role whose API calls it reads (the API refuses the rest).
 */
import type { RoleName } from './admin-api';

export const ADMIN_SECTIONS = [
  { id: 'variables', title: 'Variables', least: 'Op' },
  { id: 'connections', title: 'Connections', least: 'Op' },
  { id: 'pools', title: 'Pools', least: 'Viewer' },
  { id: 'users', title: 'Users', least: 'Admin' },
  { id: 'audit-log', title: 'Audit log', least: 'Admin' },
  { id: 'import-errors', title: 'Import errors', least: 'Viewer' },
  { id: 'health', title: 'Health', least: 'Viewer' },
] as const satisfies readonly { id: string; title: string; least: RoleName }[];

export type AdminSection = (typeof ADMIN_SECTIONS)[number]['id'];

export interface AdminRoute {
  page: 'admin';
  section: AdminSection;
  /** the query of the address: filters and paging */
  params: Record<string, string>;
}

export function parseAdminRoute(location: Location): AdminRoute | null {
  const match = /^\/admin(?:\/([^/]+))?\/?$/.exec(location.pathname);
  if (!match) return null;
  const section = ADMIN_SECTIONS.find((s) => s.id === match[1])?.id ?? 'health';
  return { page: 'admin', section, params: Object.fromEntries(new URLSearchParams(location.search)) };
}

export function adminHref(section: AdminSection, params: Record<string, string | number | undefined> = {}) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '' && value !== 0) search.set(key, String(value));
  const text = search.toString();
  return `/admin/${section}${text ? `?${text}` : ''}`;
}
