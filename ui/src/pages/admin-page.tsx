/**
 * The admin pages' frame: a menu of the sections the user's role may open, and the section of
 * the address. A section the role may not read says so instead of calling the API in vain.
 */

import { roleAllows } from '../admin-api';
import { ADMIN_SECTIONS, type AdminRoute, adminHref } from '../admin-routes';
import type { Me } from '../api';
import { navigate, onLinkClick } from '../router';
import { AuditLogPage } from './admin-audit-page';
import { ConnectionsPage } from './admin-connections-page';
import { HealthPage } from './admin-health-page';
import { ImportErrorsPage } from './admin-import-errors-page';
import { PoolsPage } from './admin-pools-page';
import { UsersPage } from './admin-users-page';
import { VariablesPage } from './admin-variables-page';

/** What every section gets: the address's query, a way to change it, and who is looking. */
export interface SectionProps {
  params: Record<string, string>;
  /** replaces the query of the address (filters, paging), so a reload or a link shows the same */
  setParams: (params: Record<string, string | number | undefined>) => void;
  me: Me;
}

const PAGES = {
  variables: VariablesPage,
  connections: ConnectionsPage,
  pools: PoolsPage,
  users: UsersPage,
  'audit-log': AuditLogPage,
  'import-errors': ImportErrorsPage,
  health: HealthPage,
} as const;

export function AdminPage({ route, me }: { route: AdminRoute; me: Me | null }) {
  const section = ADMIN_SECTIONS.find((s) => s.id === route.section)!;
  const Page = PAGES[route.section];
  const setParams: SectionProps['setParams'] = (params) =>
    navigate(adminHref(route.section, params), { replace: true });
  return (
    <div className="admin">
      <nav className="admin-nav" aria-label="Admin">
        <ul>
          {ADMIN_SECTIONS.filter((s) => roleAllows(me?.role, s.least)).map((s) => (
            <li key={s.id}>
              <a
                href={adminHref(s.id)}
                onClick={onLinkClick}
                aria-current={s.id === route.section ? 'page' : undefined}
              >
                {s.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <section className="admin-section" aria-label={section.title}>
        {me === null ? (
          <p className="muted">Loading…</p>
        ) : roleAllows(me.role, section.least) ? (
          <Page params={route.params} setParams={setParams} me={me} />
        ) : (
          <p className="banner error-banner">
            {section.title} needs the {section.least} role; you are {me.role}.
          </p>
        )}
      </section>
    </div>
  );
}
