/**
 * A small history router: the app's pages are `/`, `/login`, `/assets[/<id>]`, `/task-instances`
 * and `/dags/<dag_id>[/<view>]`, with the chosen task instance in the query
 * (`?run=..&task=..&try=..`) and every list's page, search and filters too (`?page=2&search=..`),
 * so that a link or a reload opens the same view. The server answers every such page with
 * index.html.
 */
import { type MouseEvent, useEffect, useState } from 'react';
import { type AdminRoute, parseAdminRoute } from './admin-routes';
import { type DagView, parseDagView } from './dag-views';

export type Route =
  | { page: 'dags'; params: Record<string, string> }
  | { page: 'task-instances'; params: Record<string, string> }
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
      /** the page of the run list (1 is the latest runs) */
      runsPage: number;
      /** the grid's collapsed task groups, joined with commas (`?collapsed=`); all expanded if null */
      collapsed: string | null;
      /** the chosen instance of a mapped task (`?map=`); null for an unmapped task or the list */
      mapIndex: number | null;
    };

export function parseRoute(location: Location): Route {
  const params = new URLSearchParams(location.search);
  if (location.pathname === '/login') return { page: 'login', next: params.get('next') ?? '/' };
  if (location.pathname === '/required-actions') return { page: 'required-actions' };
  if (location.pathname === '/task-instances')
    return { page: 'task-instances', params: Object.fromEntries(params) };
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
      runsPage: pageOf(params.get('runs_page')),
      collapsed: params.get('collapsed'),
      mapIndex: mapIndexOf(params.get('map')),
    };
  }
  return { page: 'dags', params: Object.fromEntries(params) };
}

function mapIndexOf(text: string | null): number | null {
  const n = Number(text ?? Number.NaN);
  return text !== null && Number.isInteger(n) && n >= 0 ? n : null;
}

/** A 1-based page number from the address: 1 when absent or not a positive integer. */
export function pageOf(text: string | null | undefined): number {
  const n = Number(text ?? 1);
  return Number.isInteger(n) && n > 1 ? n : 1;
}

/** `path?query` with the empty values (and page 1) left out. */
export function withQuery(path: string, params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if ((key === 'page' || key.endsWith('_page')) && Number(value) <= 1) continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return `${path}${text ? `?${text}` : ''}`;
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
  selection: {
    view?: DagView;
    run?: string | null;
    task?: string | null;
    tryNumber?: number | null;
    runsPage?: number;
    collapsed?: string | null;
    mapIndex?: number | null;
  } = {},
): string {
  const view = selection.view && selection.view !== 'grid' ? `/${selection.view}` : '';
  return withQuery(`/dags/${encodeURIComponent(dagId)}${view}`, {
    run: selection.run,
    task: selection.task,
    map: selection.mapIndex,
    try: selection.tryNumber,
    runs_page: selection.runsPage,
    collapsed: selection.collapsed,
  });
}

/** A same-page link: a plain <a> that the router follows without reloading. */
export function onLinkClick(event: MouseEvent<HTMLAnchorElement>): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(event.currentTarget.getAttribute('href') ?? '/');
}
