/**
 * A small history router: the app's pages are `/`, `/login`, `/assets[/<id>]` and `/dags/<dag_id>[/<view>]`, with the
 * chosen task instance in the query (`?run=..&task=..&try=..`) so that a link or a reload opens
 * the same view. The server answers every such page with index.html.
 */
import { type MouseEvent, useEffect, useState } from 'react';
import { type AdminRoute, parseAdminRoute } from './admin-routes';
import { type DagView, parseDagView } from './dag-views';

export type Route =
  | { page: 'dags' }
  | { page: 'login'; next: string }
  | { page: 'required-actions' }
  | { page: 'assets'; assetId: number | null; params: Record<string, string> }
  | AdminRoute
  | {
      page: 'dag';
      dagId: string;
      view: DagView;
      run: string | null;
      task: string | null;
      tryNumber: number | null;
    };

export function parseRoute(location: Location): Route {
  const params = new URLSearchParams(location.search);
  if (location.pathname === '/login') return { page: 'login', next: params.get('next') ?? '/' };
  if (location.pathname === '/required-actions') return { page: 'required-actions' };
  const admin = parseAdminRoute(location);
  if (admin) return admin;
  const asset = /^\/assets(?:\/(\d+))?\/?$/.exec(location.pathname);
  if (asset) {
    const assetId = asset[1] ? Number(asset[1]) : null;
    return { page: 'assets', assetId, params: Object.fromEntries(params) };
  }
  const dag = /^\/dags\/([^/]+)(?:\/([a-z]+))?\/?$/.exec(location.pathname);
  if (dag?.[1]) {
    const tryText = params.get('try');
    return {
      page: 'dag',
      dagId: decodeURIComponent(dag[1]),
      view: parseDagView(dag[2]),
      run: params.get('run'),
      task: params.get('task'),
      tryNumber: tryText ? Number(tryText) : null,
    };
  }
  return { page: 'dags' };
}

const listeners = new Set<() => void>();

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === `${location.pathname}${location.search}`) return;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location));
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}

export function dagHref(
  dagId: string,
  selection: { view?: DagView; run?: string | null; task?: string | null; tryNumber?: number | null } = {},
): string {
  const params = new URLSearchParams();
  if (selection.run) params.set('run', selection.run);
  if (selection.task) params.set('task', selection.task);
  if (selection.tryNumber) params.set('try', String(selection.tryNumber));
  const search = params.toString();
  const view = selection.view && selection.view !== 'grid' ? `/${selection.view}` : '';
  return `/dags/${encodeURIComponent(dagId)}${view}${search ? `?${search}` : ''}`;
}

/** A same-page link: a plain <a> that the router follows without reloading. */
export function onLinkClick(event: MouseEvent<HTMLAnchorElement>): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(event.currentTarget.getAttribute('href') ?? '/');
}
