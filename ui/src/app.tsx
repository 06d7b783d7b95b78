/** The app's frame: who is logged in, the header with the logout button, and the page of the route. */
import { useCallback, useEffect, useState } from 'react';
import { get, type Me, request, setUnauthenticatedHandler } from './api';
import { AdminPage } from './pages/admin-page';
import { AssetsPage } from './pages/assets-page';
import { DagListPage } from './pages/dag-list-page';
import { DagPage } from './pages/dag-page';
import { LoginPage } from './pages/login-page';
import { RequiredActionsPage } from './pages/required-actions-page';
import { TaskInstancesPage } from './pages/task-instances-page';
import { navigate, onLinkClick, useRoute } from './router';

function toLogin(): void {
  if (location.pathname === '/login') return;
  navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
}

export function App() {
  const route = useRoute();
  const [me, setMe] = useState<Me | null>(null);

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      setMe(null);
      toLogin();
    });
  }, []);

  // who is logged in: a 401 here sends the browser to the login page
  useEffect(() => {
    if (route.page === 'login' || me) return;
    get<Me>('/api/v2/auth/me').then(setMe, () => {});
  }, [route.page, me]);

  const logout = useCallback(async () => {
    try {
      await request('POST', '/auth/logout');
    } finally {
      setMe(null);
      navigate('/login', { replace: true });
    }
  }, []);

  if (route.page === 'login') {
    return (
      <LoginPage
        onLogin={(user) => {
          setMe(user);
          navigate(route.next.startsWith('/') && !route.next.startsWith('//') ? route.next : '/', {
            replace: true,
          });
        }}
      />
    );
  }

  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="/" onClick={onLinkClick}>
          Gale
        </a>
        <nav>
          <a href="/" onClick={onLinkClick}>
            DAGs
          </a>
          <a href="/task-instances" onClick={onLinkClick}>
            Task instances
          </a>
          <a href="/assets" onClick={onLinkClick}>
            Assets
          </a>
          <a href="/required-actions" onClick={onLinkClick}>
            Required actions
          </a>
          <a href="/admin/health" onClick={onLinkClick}>
            Admin
          </a>
          <a href="/docs">API docs</a>
        </nav>
        <div className="who">
          {me && (
            <span>
              {me.username} <span className="muted">({me.role})</span>
            </span>
          )}
          <button type="button" className="secondary" onClick={() => void logout()}>
            Log out
          </button>
        </div>
      </header>
      <main>
        {route.page === 'admin' ? (
          <AdminPage route={route} me={me} />
        ) : route.page === 'required-actions' ? (
          <RequiredActionsPage />
        ) : route.page === 'assets' ? (
          <AssetsPage route={route} me={me} />
        ) : route.page === 'dag' ? (
          <DagPage route={route} me={me} />
        ) : route.page === 'task-instances' ? (
          <TaskInstancesPage params={route.params} />
        ) : (
          <DagListPage params={route.params} me={me} />
        )}
      </main>
    </div>
  );
}
